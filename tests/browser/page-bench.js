// The agents' page against devstack: what it transfers (each file as served, and gzipped), how
// long a signed-in agent waits for the first conversation list (over RUNS fresh browser contexts,
// 50 conversations in the organization), and how long an inbound message takes from Meta's webhook
// to the top of a signed-in agent's list (goal: 2 s), for new customers and for conversations
// further down. Run by `make bench` (infra/scripts/browser-tests.sh bench).

import { gzipSync } from "node:zlib";
import { base, customerSends, demo, launch, signedIn } from "./support.js";

const RUNS = 10;
const CONVERSATIONS = 50;
const LIVE_MESSAGES = 10;

for (let i = 0; i < CONVERSATIONS; i += 1) {
  await customerSends({ from: `1555010${String(i).padStart(4, "0")}`, name: `Bench Customer ${i}`, wamid: `wamid.pagebench.${Date.now()}.${i}`,
    message: { type: "text", text: { body: `Question number ${i}` } } });
}
// Let ingest store them all.
for (let i = 0; i < 100; i += 1) {
  const response = await fetch(`${base}/v1/conversations?limit=100`, { headers: { authorization: `Bearer ${demo.api_key}` } });
  const page = await response.json();
  if ((page.data || []).length >= CONVERSATIONS) break;
  await new Promise((resolve) => setTimeout(resolve, 200));
}

const browser = await launch();
const files = new Map();
const loginReady = [];
const firstList = [];
for (let run = 0; run < RUNS; run += 1) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("response", async (response) => {
    const url = new URL(response.url());
    if (!url.pathname.startsWith("/app") || response.status() !== 200) return;
    const body = await response.body().catch(() => null);
    if (body) files.set(url.pathname, body);
  });
  const navigated = performance.now();
  await page.goto(`${base}/app`);
  await page.getByLabel("E-mail").waitFor();
  loginReady.push(performance.now() - navigated);
  await page.getByLabel("E-mail").fill(demo.admin_email);
  await page.getByLabel("Password").fill(demo.admin_password);
  const submitted = performance.now();
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#conversation-list li").first().waitFor();
  firstList.push(performance.now() - submitted);
  await context.close();
}

// Webhook to the top of the list: the page learns of it only through the live notice.
const agent = await signedIn(browser, demo.admin_email, demo.admin_password);
const toTop = { new: [], moved: [] };
for (let i = 0; i < 2 * LIVE_MESSAGES; i += 1) {
  const kind = i % 2 ? "moved" : "new";
  // A conversation already on the first page (customers 30-49 of the 50), or a customer never
  // seen, whose conversation the page fetches in.
  const n = kind === "moved" ? 30 + i : i;
  const name = kind === "moved" ? `Bench Customer ${n}` : `Live Customer ${n}`;
  const from = `${kind === "moved" ? "1555010" : "1555020"}${String(n).padStart(4, "0")}`;
  const sent = performance.now();
  await customerSends({ from, name, wamid: `wamid.pagebench.live.${Date.now()}.${i}`, message: { type: "text", text: { body: `Live message ${i}` } } });
  await agent.locator("#conversation-list li").first().filter({ has: agent.locator(".name", { hasText: new RegExp(`^${name}$`) }) }).waitFor({ timeout: 30000 });
  toTop[kind].push(performance.now() - sent);
}
await browser.close();

const sorted = (values) => values.slice().sort((a, b) => a - b);
const median = (values) => sorted(values)[Math.floor(values.length / 2)];
let raw = 0;
let gzipped = 0;
console.log("\nthe agents' page: files as served (bytes) and gzipped (level 9)");
for (const [path, body] of [...files.entries()].sort()) {
  const zipped = gzipSync(body, { level: 9 }).length;
  raw += body.length;
  gzipped += zipped;
  console.log(`  ${path.padEnd(24)} ${String(body.length).padStart(7)} ${String(zipped).padStart(7)}`);
}
console.log(`  ${"total".padEnd(24)} ${String(raw).padStart(7)} ${String(gzipped).padStart(7)}   (goal: 150 KB gzipped)`);
console.log(`login screen ready after navigation: median ${median(loginReady).toFixed(0)} ms (first run ${loginReady[0].toFixed(0)} ms)`);
console.log(`sign-in to the first conversation list (${CONVERSATIONS} conversations, page of 25): median ${median(firstList).toFixed(0)} ms, slowest ${sorted(firstList).at(-1).toFixed(0)} ms over ${RUNS} runs`);
for (const [kind, values] of Object.entries(toTop)) {
  const what = kind === "new" ? "a new customer's conversation" : "a conversation further down the list";
  console.log(`webhook to the top of the list, ${what}: median ${median(values).toFixed(0)} ms, slowest ${sorted(values).at(-1).toFixed(0)} ms over ${values.length} messages (goal: 2,000 ms)`);
}
