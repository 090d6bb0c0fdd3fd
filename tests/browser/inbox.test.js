// The agents' page in headless Chromium against a private devstack: two agents of the demo
// organization and the admin of another, each in a browser context of their own.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { accessibilityViolations, api, customerSends, launch, listItem, nowSeconds, openConversation, screenshots, signedIn, demo } from "./support.js";

const PROBE = "<img src=x onerror=alert(1)>";
const CUSTOMER = `Ada ${PROBE}`;
const CUSTOMER_PHONE = "15550001111";
const LATE_CUSTOMER = "Grace Late";
// How long a test waits for what arrives live (the page is never reloaded): a bound on waiting,
// not a speed check; `make bench` measures the 2 s goal from webhook to the top of the list.
const LIVE = 10000;
const FIRST_WAMID = `wamid.browser.${Date.now()}.1`;
const SECOND_WAMID = `wamid.browser.${Date.now()}.2`;

let browser;
let ownerA; // the demo admin
let agentA; // a second agent of the demo organization
let ownerB; // the admin of another organization
let secondAgentId;
let aiAgentId;
const timings = {};

async function shot(page, name) {
  await page.screenshot({ path: `${screenshots}/${name}.png`, fullPage: true });
}

before(async () => {
  const template = await api("POST", "/v1/templates", {
    account_id: demo.account_id, name: "order_follow_up", category: "UTILITY", language: "en_US",
    components: [{ type: "BODY", text: "Hi {{1}}, we are following up on your order.", example: { body_text: [["Ada"]] } }],
  });
  assert.equal(template.status, 201, JSON.stringify(template.body));
  const agent = await api("POST", "/v1/agents", {
    email: "second@demo.example", full_name: "Second Agent", role: "agent", password: "second-agent-password",
  });
  assert.equal(agent.status, 201, JSON.stringify(agent.body));
  secondAgentId = agent.body.id;
  // Created before any message: the automation function reads scenarios through a 30 s cache.
  const scenario = await api("POST", "/v1/scenarios", {
    title: "Bot check", keywords: ["bot please"], start_item_id: "hi",
    items: [{ id: "hi", kind: "text", label: "Hello from the bot!" }],
  });
  assert.equal(scenario.status, 201, JSON.stringify(scenario.body));
  // Answers only contacts tagged "ai", so the other tests' conversations stay the agents'.
  const aiAgent = await api("POST", "/v1/ai-agents", {
    name: "Shop assistant", model: "amazon.nova-lite-v1:0", system_prompt: "You answer for the demo shop.",
    system_context: "Knowledge:\nWe ship on Saturdays too.",
  });
  assert.equal(aiAgent.status, 201, JSON.stringify(aiAgent.body));
  aiAgentId = aiAgent.body.id;
  const assignment = await api("POST", `/v1/ai-agents/${aiAgent.body.id}/assignments`, { contact_tags: ["ai"], priority: 1 });
  assert.equal(assignment.status, 201, JSON.stringify(assignment.body));
  const quickReply = await api("POST", "/v1/quick-replies", { title: "Thanks", content: "Thank you for your patience!", shortcut: "thanks" });
  assert.equal(quickReply.status, 201, JSON.stringify(quickReply.body));
  const other = await api("POST", "/v1/register", {
    org_name: "Other Shop", admin_email: "owner@other.example", admin_password: "other-owner-password", admin_name: "Other Owner",
  });
  assert.equal(other.status, 201, JSON.stringify(other.body));
  // Meta's review (the fake approves after a few seconds).
  for (let i = 0; i < 50; i += 1) {
    const got = await api("GET", `/v1/templates/${template.body.id}`);
    if (got.body.status === "APPROVED") break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  browser = await launch();
  [ownerA, agentA, ownerB] = await Promise.all([
    signedIn(browser, demo.admin_email, demo.admin_password),
    signedIn(browser, "second@demo.example", "second-agent-password"),
    signedIn(browser, "owner@other.example", "other-owner-password"),
  ]);
});

after(async () => {
  console.log(`timings (ms): ${JSON.stringify(timings)}`);
  for (const page of [ownerA, agentA, ownerB]) {
    if (page) assert.deepEqual(page.dialogs, [], "no script ran from data (no alert)");
  }
  await browser?.close();
});

test("a wrong password is refused with the same words as an unknown e-mail", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${demo.http_base_url}/app`);
  const attempt = async (email) => {
    await page.getByLabel("E-mail").fill(email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("#login-error").filter({ hasText: /./ }).waitFor();
    const text = await page.locator("#login-error").textContent();
    await page.evaluate(() => { document.getElementById("login-error").textContent = ""; });
    return text;
  };
  const wrongPassword = await attempt(demo.admin_email);
  const unknown = await attempt("nobody@demo.example");
  assert.equal(wrongPassword, unknown);
  assert.match(wrongPassword, /not right/);
  await context.close();
});

test("an inbound message comes to the top of both agents' lists live, never to another organization's", async () => {
  const sent = Date.now();
  await customerSends({ from: CUSTOMER_PHONE, name: CUSTOMER, wamid: FIRST_WAMID, message: { type: "text", text: { body: `Where is my parcel? ${PROBE}` } } });
  await Promise.all([ownerA, agentA].map(async (page, i) => {
    await page.locator("#conversation-list li").first().filter({ hasText: CUSTOMER }).waitFor({ timeout: LIVE });
    timings[`inbound_to_list_${i ? "agent" : "owner"}`] = Date.now() - sent;
  }));
  await ownerB.waitForTimeout(1000);
  assert.equal(await ownerB.locator("#conversation-list li").count(), 0, "the other organization's page shows nothing");
  assert.equal(await listItem(ownerA, CUSTOMER).locator(".badge").count(), 1, "unread badge");
  await shot(ownerA, "01-list-owner");
  await shot(ownerB, "02-other-organization-empty");
});

test("a customer's markup in a message, a profile name and a note is shown as text", async () => {
  const item = listItem(agentA, CUSTOMER);
  assert.equal(await item.locator(".name").textContent(), CUSTOMER);
  await openConversation(agentA, CUSTOMER);
  await agentA.locator(".bubble.inbound").first().waitFor();
  assert.match(await agentA.locator(".bubble.inbound .content").first().textContent(), /Where is my parcel\? <img src=x onerror=alert\(1\)>/);
  await agentA.getByLabel("Add a note (only agents see it)").fill(`Checked the courier ${PROBE}`);
  await agentA.getByRole("button", { name: "Add note" }).click();
  await agentA.locator("#note-list li", { hasText: "Checked the courier" }).waitFor();
  assert.match(await agentA.locator("#note-list").textContent(), /Checked the courier <img src=x onerror=alert\(1\)>/);
  for (const page of [ownerA, agentA]) {
    assert.equal(await page.locator('img[src="x"]').count(), 0, "no element was made from the data");
  }
  assert.deepEqual(agentA.dialogs, []);
});

test("opening a conversation clears its unread badge", async () => {
  const item = listItem(ownerA, CUSTOMER);
  await openConversation(ownerA, CUSTOMER);
  await ownerA.locator(".bubble.inbound").first().waitFor();
  await item.locator(".badge").waitFor({ state: "detached", timeout: LIVE });
  assert.equal(await item.getAttribute("data-id") !== null, true);
  await shot(ownerA, "03-conversation-owner");
});

test("a reply's ticks go from queued to read through Meta's status webhooks", async () => {
  await ownerA.getByLabel("Reply", { exact: true }).fill("We are on it, it left the depot today.");
  await ownerA.getByLabel("Reply", { exact: true }).press("Enter");
  const reply = ownerA.locator(".bubble.outbound", { hasText: "it left the depot" });
  await reply.waitFor({ timeout: LIVE });
  const sent = Date.now();
  await ownerA.locator('.bubble.outbound[data-status="read"]', { hasText: "it left the depot" }).waitFor({ timeout: 20000 });
  timings.reply_to_read = Date.now() - sent;
  assert.match(await reply.locator(".ticks").textContent(), /✓✓ read/);
  await shot(ownerA, "04-reply-read");
});

test("a reply whose answer is lost is sent once when Send is pressed again", async () => {
  const text = "Sent once, however often it is pressed";
  const sends = /\/v1\/conversations\/[^/]+\/messages$/;
  let lost = 0;
  await ownerA.route(sends, async (route) => {
    if (route.request().method() !== "POST" || lost > 0) return route.continue();
    lost += 1;
    await route.fetch(); // the API stores and queues it,
    await route.abort("connectionreset"); // and its answer never reaches the page
  });
  const reply = ownerA.getByLabel("Reply", { exact: true });
  await reply.fill(text);
  await reply.press("Enter");
  await ownerA.locator("#reply-error", { hasText: "No answer came" }).waitFor({ timeout: LIVE });
  await reply.press("Enter");
  // The draft is done once it is stored: the box empties.
  await ownerA.waitForFunction(() => document.getElementById("reply-text").value === "", null, { timeout: LIVE });
  await ownerA.unroute(sends);
  assert.equal(lost, 1);
  assert.equal(await ownerA.locator("#reply-error").textContent(), "");
  const id = await listItem(ownerA, CUSTOMER).getAttribute("data-id");
  const messages = await api("GET", `/v1/conversations/${id}/messages?limit=100`);
  assert.equal(messages.body.data.filter((m) => m.content.body === text).length, 1, "one message stored");
  await ownerA.locator(".bubble.outbound", { hasText: text }).waitFor({ timeout: LIVE });
  assert.equal(await ownerA.locator(".bubble.outbound", { hasText: text }).count(), 1, "one bubble");
});

test("a transfer to the second agent shows up in their Mine filter live", async () => {
  await agentA.getByLabel("Show").selectOption("me");
  await agentA.locator("#list-empty").waitFor({ state: "visible" });
  await ownerA.getByRole("button", { name: "Transfer" }).click();
  await ownerA.getByLabel("To agent").selectOption(secondAgentId);
  await ownerA.getByLabel("Note for them").fill("Courier question, please follow up");
  const sent = Date.now();
  await ownerA.locator("#transfer-dialog").getByRole("button", { name: "Transfer" }).click();
  await listItem(agentA, CUSTOMER).waitFor({ timeout: LIVE });
  timings.transfer_to_mine = Date.now() - sent;
  assert.match(await listItem(agentA, CUSTOMER).locator(".meta").textContent(), /Second Agent/);
  await openConversation(agentA, CUSTOMER);
  await agentA.locator("#note-list li.transfer", { hasText: "Courier question, please follow up" }).waitFor({ timeout: LIVE });
  await shot(agentA, "05-transfer-in-mine");
  await agentA.getByLabel("Show").selectOption("");
});

test("a customer's edit and deletion show on the original bubbles", async () => {
  await customerSends({ from: CUSTOMER_PHONE, name: CUSTOMER, wamid: SECOND_WAMID, message: { type: "text", text: { body: "Sent to the wrong chat" } } });
  await ownerA.locator(".bubble.inbound", { hasText: "Sent to the wrong chat" }).waitFor({ timeout: LIVE });
  await customerSends({ from: CUSTOMER_PHONE, name: CUSTOMER, wamid: `${FIRST_WAMID}.edit`, message: {
    type: "edit", edit: { original_message_id: FIRST_WAMID, message: { type: "text", text: { body: "Where is my parcel? It is order 1042." } } },
  } });
  await customerSends({ from: CUSTOMER_PHONE, name: CUSTOMER, wamid: `${SECOND_WAMID}.revoke`, message: {
    type: "revoke", revoke: { original_message_id: SECOND_WAMID },
  } });
  const edited = ownerA.locator(".bubble.inbound", { hasText: "It is order 1042." });
  await edited.waitFor({ timeout: LIVE });
  assert.equal(await edited.locator(".edited").textContent(), "edited");
  const deleted = ownerA.locator(`.bubble.inbound .deleted`);
  await deleted.waitFor({ timeout: LIVE });
  assert.equal(await ownerA.locator(".bubble.inbound", { hasText: "Sent to the wrong chat" }).count(), 0);
  assert.equal(await ownerA.locator(".bubble.inbound").count(), 2, "the changes are not new bubbles");
  await shot(ownerA, "06-edit-and-delete");
});

test("photos show from their stored copy; quick replies, attachments and the actions work", async () => {
  await openConversation(ownerA, CUSTOMER);
  await customerSends({ from: CUSTOMER_PHONE, name: CUSTOMER, wamid: `wamid.browser.photo.${Date.now()}`,
    message: { type: "image", image: { caption: "Like this one?", mime_type: "image/png", sha256: "x", id: "demo-photo-1" } } });
  // Copied from the fake Graph API to S3 by the media function, then shown through a signed link.
  const photo = ownerA.locator('.bubble.inbound img[alt="Like this one?"]');
  await photo.waitFor({ timeout: 15000 });
  await ownerA.waitForFunction(() => [...document.querySelectorAll(".bubble img")].some((img) => img.complete && img.naturalWidth > 0), null, { timeout: LIVE });

  const reply = ownerA.getByLabel("Reply", { exact: true });
  await reply.fill("/tha");
  await ownerA.locator("#quick-replies li", { hasText: "/thanks" }).waitFor();
  await reply.press("Enter");
  assert.equal(await reply.inputValue(), "Thank you for your patience!");
  await reply.press("Enter");
  await ownerA.locator(".bubble.outbound", { hasText: "Thank you for your patience!" }).waitFor({ timeout: LIVE });
  await ownerA.waitForFunction(() => document.getElementById("reply-text").value === "", null, { timeout: LIVE });

  await ownerA.locator("#reply-file").setInputFiles({ name: "receipt.png", mimeType: "image/png", buffer: readFileSync(new URL("../../events/media/demo-photo.png", import.meta.url)) });
  await ownerA.getByLabel("Reply", { exact: true }).fill("Your receipt");
  await ownerA.getByRole("button", { name: "Send", exact: true }).click();
  await ownerA.locator(".bubble.outbound", { hasText: "Your receipt" }).waitFor({ timeout: LIVE });
  // Shown from the agent's own upload.
  await ownerA.waitForFunction(() => {
    const img = document.querySelector('.bubble.outbound img[alt="Your receipt"]');
    return img && img.complete && img.naturalWidth > 0;
  }, null, { timeout: LIVE });

  await customerSends({ from: CUSTOMER_PHONE, name: CUSTOMER, wamid: `wamid.browser.place.${Date.now()}`,
    message: { type: "location", location: { latitude: 38.7223, longitude: -9.1393, name: "Shop", address: "Rua Augusta 1" } } });
  await ownerA.locator(".bubble.inbound", { hasText: "Rua Augusta 1" }).waitFor({ timeout: LIVE });

  const contact = await api("GET", `/v1/conversations/${await listItem(ownerA, CUSTOMER).getAttribute("data-id")}`);
  await api("PATCH", `/v1/contacts/${contact.body.contact_id}`, { tags: ["vip", "lisbon"] });
  await ownerA.getByRole("button", { name: "Contact" }).click();
  await ownerA.locator("#contact-panel .tags li", { hasText: "vip" }).waitFor();

  await ownerA.getByRole("button", { name: "Resolve" }).click();
  await ownerA.locator("#conversation-meta", { hasText: "resolved" }).waitFor();
  await ownerA.getByRole("button", { name: "Reopen" }).click();
  await ownerA.locator("#conversation-meta", { hasText: "open" }).waitFor();
  await ownerA.getByRole("button", { name: "Assign to me" }).click();
  await ownerA.locator("#conversation-meta", { hasText: "assigned to Demo Owner" }).waitFor();
  await shot(ownerA, "07-media-actions");
});

test("a conversation whose 24-hour window closed offers the approved templates", async () => {
  await customerSends({ from: "15550002222", name: LATE_CUSTOMER, wamid: `wamid.browser.late.${Date.now()}`, timestamp: nowSeconds() - 2 * 86400,
    message: { type: "text", text: { body: "Hello from two days ago" } } });
  await listItem(ownerA, LATE_CUSTOMER).waitFor({ timeout: LIVE });
  await openConversation(ownerA, LATE_CUSTOMER);
  await ownerA.locator("#template-form").waitFor({ state: "visible" });
  assert.match(await ownerA.locator("#window-state").textContent(), /window is closed/);
  assert.equal(await ownerA.locator("#reply-form").isHidden(), true);
  await ownerA.getByLabel("Approved template").selectOption({ label: "order_follow_up (en_US)" });
  await ownerA.getByLabel("Body variable {{1}}").fill("Grace");
  // A live update of the conversation meanwhile (another agent's note) keeps what was typed.
  const id = await listItem(ownerA, LATE_CUSTOMER).getAttribute("data-id");
  assert.equal((await api("POST", `/v1/conversations/${id}/notes`, { content: "Customer called about it" })).status, 201);
  await ownerA.locator("#note-list li", { hasText: "Customer called about it" }).waitFor({ timeout: LIVE });
  assert.equal(await ownerA.getByLabel("Body variable {{1}}").inputValue(), "Grace");
  await ownerA.getByRole("button", { name: "Send template" }).click();
  await ownerA.locator(".bubble.outbound", { hasText: "order_follow_up" }).waitFor({ timeout: LIVE });
  await shot(ownerA, "08-window-closed-template");
});

test("at 360 px the list and the conversation fit without horizontal scrolling", async () => {
  const phone = await signedIn(browser, "second@demo.example", "second-agent-password", { viewport: { width: 360, height: 740 } });
  const overflow = () => phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await listItem(phone, CUSTOMER).waitFor();
  assert.equal(await overflow(), 0, "list view");
  await shot(phone, "09-phone-360-list");
  await openConversation(phone, CUSTOMER);
  await phone.locator(".bubble").first().waitFor();
  assert.equal(await phone.locator("#list-pane").isHidden(), true, "one pane at a time");
  assert.equal(await overflow(), 0, "conversation view");
  await shot(phone, "10-phone-360-conversation");
  await phone.getByRole("button", { name: "Back to the conversation list" }).click();
  await phone.locator("#list-pane").waitFor({ state: "visible" });
  await phone.context().close();
});

test("a long conversation shows its latest 50 messages, the earlier ones on request, and keeps them as new ones come", async () => {
  const name = "Long Talker";
  const from = "15550005555";
  const start = nowSeconds() - 600;
  const lines = Array.from({ length: 60 }, (_, i) => ({ from, id: `wamid.browser.long.${Date.now()}.${i}`, timestamp: String(start + i),
    type: "text", text: { body: `Line ${i + 1} of 60` } }));
  await customerSends({ from, name, messages: lines });
  await listItem(ownerA, name).waitFor({ timeout: LIVE });
  const id = await listItem(ownerA, name).getAttribute("data-id");
  for (let i = 0; i < 100; i += 1) {
    if ((await api("GET", `/v1/conversations/${id}`)).body.message_count === 60) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await openConversation(ownerA, name);
  const bubbles = ownerA.locator("#message-list .bubble");
  assert.equal(await bubbles.count(), 50);
  assert.match(await bubbles.first().textContent(), /Line 11 of 60/);
  await ownerA.getByRole("button", { name: "Earlier messages" }).click();
  await ownerA.waitForFunction(() => document.querySelectorAll("#message-list .bubble").length === 60, null, { timeout: LIVE });
  assert.match(await bubbles.first().textContent(), /Line 1 of 60/);
  assert.equal(await ownerA.locator("#earlier-messages").isHidden(), true, "nothing earlier");
  await customerSends({ from, name, wamid: `wamid.browser.long.${Date.now()}.61`, message: { type: "text", text: { body: "Line 61, live" } } });
  await ownerA.locator(".bubble.inbound", { hasText: "Line 61, live" }).waitFor({ timeout: LIVE });
  assert.equal(await bubbles.count(), 61, "the earlier messages stay");
  assert.match(await bubbles.first().textContent(), /Line 1 of 60/);
});

test("of conversations whose messages came in the same second, the latest message's is on top", async () => {
  // Meta's timestamps are whole seconds.
  const second = nowSeconds();
  const sends = (name, from, n) => customerSends({ from, name, wamid: `wamid.browser.tie.${Date.now()}.${n}`, timestamp: second,
    message: { type: "text", text: { body: `Same second ${n}` } } });
  const onTop = (name) => agentA.locator("#conversation-list li").first().filter({ has: agentA.locator(".name", { hasText: name }) }).waitFor({ timeout: LIVE });
  await sends("Tie First", "15550004441", 1);
  await onTop("Tie First");
  await sends("Tie Second", "15550004442", 2);
  await onTop("Tie Second");
  await sends("Tie First", "15550004441", 3);
  await onTop("Tie First");
});

test("after a dropped connection the page reconnects and fetches what it missed", async () => {
  const name = "Alan Away";
  const connections = [];
  let held = null; // while set, a new connection waits for it before it reaches the server
  let release;
  const page = await signedIn(browser, "second@demo.example", "second-agent-password", {
    prepare: (page) => page.routeWebSocket(/\/live\b/, async (ws) => {
      if (held) await held;
      connections.push({ page: ws, server: ws.connectToServer() });
    }),
  });
  assert.equal(connections.length, 1);
  held = new Promise((resolve) => { release = resolve; });
  // API Gateway drops the connection (its idle timeout, a deployment); the page is told so.
  await connections[0].server.close();
  await connections[0].page.close({ code: 1001, reason: "Going away" });
  await page.locator("#live-state", { hasText: "reconnecting" }).waitFor({ timeout: LIVE });
  await customerSends({ from: "15550003333", name, wamid: `wamid.browser.away.${Date.now()}`, message: { type: "text", text: { body: "Anyone there?" } } });
  await listItem(ownerA, name).waitFor({ timeout: LIVE });
  assert.equal(await listItem(page, name).count(), 0, "the notice went out while the page was away");
  // The connection comes back: the page fetches its list again, and the conversation is in it.
  const refetched = page.waitForRequest((request) => new URL(request.url()).pathname === "/v1/conversations");
  release();
  await refetched;
  await listItem(page, name).waitFor({ timeout: LIVE });
  await page.locator("#live-state", { hasText: /^live$/ }).waitFor({ timeout: LIVE });
  assert.equal(connections.length, 2, "one new connection");
  await page.context().close();
});

test("the page is usable from the keyboard alone", async () => {
  const page = agentA;
  await page.locator("#conversation-list button").first().focus();
  await page.keyboard.press("ArrowDown");
  assert.equal(
    await page.evaluate(() => document.activeElement.closest("li")?.dataset.id),
    await page.locator("#conversation-list li").nth(1).getAttribute("data-id"),
    "arrow keys move through the list",
  );
  await listItem(page, CUSTOMER).locator("button").focus();
  await page.keyboard.press("Enter");
  // Opening moves focus to the reply box, where typing goes on.
  await page.waitForFunction(() => document.activeElement.id === "reply-text", null, { timeout: LIVE });
  await page.keyboard.type("Typed from the keyboard");
  assert.equal(await page.locator("#reply-text").inputValue(), "Typed from the keyboard");
  await page.keyboard.press("Shift+Tab");
  assert.equal(await page.evaluate(() => document.activeElement.closest("label, form")?.id), "note-form", "Shift+Tab walks back to the note box");
});

test("the bot's answer carries its badge, and an agent pauses the bot for one conversation", async () => {
  const customer = "Bo Bottle";
  const from = "15550004444";
  await customerSends({ from, name: customer, wamid: `wamid.browser.bot.${Date.now()}.1`, message: { type: "text", text: { body: "bot please" } } });
  await listItem(ownerA, customer).waitFor({ timeout: LIVE });
  await openConversation(ownerA, customer);
  const badge = ownerA.locator('.bubble.outbound .origin[data-origin="bot"]');
  await badge.first().waitFor({ timeout: LIVE });
  assert.match(await ownerA.locator(".bubble.outbound", { hasText: "Hello from the bot!" }).textContent(), /bot/);
  await ownerA.getByRole("button", { name: "Pause bot" }).click();
  await ownerA.getByRole("button", { name: "Resume bot" }).waitFor();
  await customerSends({ from, name: customer, wamid: `wamid.browser.bot.${Date.now()}.2`, message: { type: "text", text: { body: "bot please" } } });
  await ownerA.locator(".bubble.inbound").nth(1).waitFor({ timeout: LIVE });
  await ownerA.waitForTimeout(2000);
  assert.equal(await badge.count(), 1, "paused: the second keyword got no answer");
  await shot(ownerA, "12-bot-badge-paused");
});

test("an agent sets a conversation's priority and the list and the head show it", async () => {
  await ownerA.getByRole("combobox", { name: "Priority" }).selectOption("high");
  await ownerA.locator("#conversation-meta", { hasText: "high priority" }).waitFor({ timeout: LIVE });
  await ownerA.locator(".conversation-item[aria-current=true] .meta", { hasText: "high priority" }).waitFor({ timeout: LIVE });
  await ownerA.getByRole("combobox", { name: "Priority" }).selectOption("");
  await ownerA.locator("#conversation-meta:not(:has-text('priority'))").waitFor({ timeout: LIVE });
  assert.deepEqual(ownerA.errors, [], "no script errors");
});

test("an AI agent's answer carries the AI badge, and Take over silences it for the conversation", async () => {
  const customer = "Ai Alvarez";
  const from = "15550006666";
  await customerSends({ from, name: customer, wamid: `wamid.browser.ai.${Date.now()}.1`, message: { type: "text", text: { body: "hello" } } });
  await listItem(ownerA, customer).waitFor({ timeout: LIVE });
  const listed = await api("GET", "/v1/conversations?limit=100");
  const conversation = listed.body.data.find((c) => c.contact_name === customer);
  const tagged = await api("PATCH", `/v1/contacts/${conversation.contact_id}`, { tags: ["ai"] });
  assert.equal(tagged.status, 200, JSON.stringify(tagged.body));
  await customerSends({ from, name: customer, wamid: `wamid.browser.ai.${Date.now()}.2`, message: { type: "text", text: { body: "Do you ship on Saturday?" } } });
  await openConversation(ownerA, customer);
  const badge = ownerA.locator('.bubble.outbound .origin[data-origin="ai"]');
  // The turn queue waits a few seconds for the customer to finish (AiReplyDelaySeconds).
  await badge.first().waitFor({ timeout: 3 * LIVE });
  assert.match(await ownerA.locator(".bubble.outbound", { hasText: "We ship on Saturdays too." }).textContent(), /AI/);
  await ownerA.locator("#ai-state", { hasText: "AI agent answering" }).waitFor({ timeout: LIVE });
  // An agent corrects the AI's answer: stored as the agent's example.
  await ownerA.locator(".bubble.outbound button.correct").first().click();
  await ownerA.getByLabel("What the AI agent should have answered (it learns from it)").fill("Yes, and Saturday delivery is free.");
  await ownerA.getByRole("button", { name: "Save correction" }).click();
  await ownerA.locator("#correction-status", { hasText: "Correction saved" }).waitFor({ timeout: LIVE });
  const corrections = await api("GET", `/v1/ai-evaluations?ai_agent_id=${aiAgentId}`);
  assert.equal(corrections.body.data[0].corrected_response, "Yes, and Saturday delivery is free.");
  await ownerA.getByRole("button", { name: "Take over from AI" }).click();
  await ownerA.locator("#ai-state", { hasText: "AI handed over: An agent took the conversation over" }).waitFor({ timeout: LIVE });
  assert.equal(await ownerA.getByRole("button", { name: "Take over from AI" }).isHidden(), true);
  await customerSends({ from, name: customer, wamid: `wamid.browser.ai.${Date.now()}.3`, message: { type: "text", text: { body: "still there?" } } });
  await ownerA.locator(".bubble.inbound", { hasText: "still there?" }).waitFor({ timeout: LIVE });
  await ownerA.waitForTimeout(6000);
  assert.equal(await badge.count(), 1, "taken over: the AI kept silent");
  await shot(ownerA, "14-ai-take-over");
  // The test chat: the API invokes the AI agents function (Lambda's Invoke, served by devstack).
  const tried = await api("POST", `/v1/ai-agents/${aiAgentId}/test-chat`, { messages: [{ role: "user", content: "Do you ship on Saturday?" }] });
  assert.equal(tried.status, 200, JSON.stringify(tried.body));
  assert.equal(tried.body.reply, "According to what we know: We ship on Saturdays too.");
  assert.deepEqual(ownerA.errors, [], "no script errors");
});

test("axe-core finds no serious or critical violations in the list and conversation views", async () => {
  const listViolations = await accessibilityViolations(ownerB);
  assert.deepEqual(listViolations, [], "list view (empty)");
  const conversationViolations = await accessibilityViolations(ownerA);
  assert.deepEqual(conversationViolations, [], "list and conversation view");
  const closedWindow = await accessibilityViolations(agentA);
  assert.deepEqual(closedWindow, [], "second agent's view");
  for (const page of [ownerA, agentA, ownerB]) assert.deepEqual(page.errors, [], "no script errors");
});
