// What the browser tests share: the running devstack (demo.json), signed webhooks as Meta sends
// them, the agent API, and Chromium contexts signed in through the page.

import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

export const demo = JSON.parse(readFileSync(process.env.DEMO_JSON, "utf8"));
export const base = demo.http_base_url;
export const screenshots = process.env.SCREENSHOTS || ".";
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

// Meta's sample numbers, which the demo account is registered with.
const PHONE_NUMBER_ID = "106540352242922";
const WABA_ID = "102290129340398";

export async function api(method, path, body, token = demo.api_key) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/// A signed `messages` webhook from customer `from` (named `name`) with one message, or with
/// `messages` as they are (Meta may batch several).
export async function customerSends({ from, name, wamid, timestamp, message, messages }) {
  const payload = JSON.stringify({
    object: "whatsapp_business_account",
    entry: [{ id: WABA_ID, changes: [{ field: "messages", value: {
      messaging_product: "whatsapp",
      metadata: { display_phone_number: "15550783881", phone_number_id: PHONE_NUMBER_ID },
      contacts: [{ profile: { name }, wa_id: from }],
      messages: messages || [{ from, id: wamid, timestamp: String(timestamp ?? Math.floor(Date.now() / 1000)), ...message }],
    } }] }],
  });
  const signature = "sha256=" + createHmac("sha256", demo.app_secret).update(payload).digest("hex");
  const response = await fetch(demo.webhook_url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": signature },
    body: payload,
  });
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-gpu"],
  });
}

/// A browser context signed in through the login screen, live updates connected. `prepare` runs
/// on the page before it is opened (to route its WebSocket, say).
export async function signedIn(browser, email, password, { viewport = { width: 1280, height: 800 }, prepare } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  if (prepare) await prepare(page);
  page.dialogs = [];
  page.on("dialog", (dialog) => {
    page.dialogs.push(dialog.message());
    dialog.dismiss().catch(() => {});
  });
  page.errors = [];
  page.on("pageerror", (error) => page.errors.push(error.message));
  await page.goto(`${base}/app`);
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#inbox-view").waitFor({ state: "visible" });
  await page.waitForFunction(() => document.getElementById("live-state").textContent === "live");
  return page;
}

/// The list item of the conversation whose contact is `name`.
export function listItem(page, name) {
  return page.locator("#conversation-list li").filter({ has: page.locator(".name", { hasText: name }) });
}

/// Opens the conversation of `name` from the list and waits until its messages and notes are in
/// (the pane is busy until then), so nothing is pressed on a pane still being laid out.
export async function openConversation(page, name) {
  await listItem(page, name).locator("button").click();
  await page.locator('#conversation-pane[aria-busy="false"]').waitFor();
}

/// axe-core's serious and critical violations on the page as it is.
export async function accessibilityViolations(page) {
  // Through the DevTools protocol, which the page's CSP (script-src 'self') does not govern.
  await page.evaluate(axeSource);
  const results = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } }),
  );
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

export function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}
