// The open conversation: its messages, notes, contact and actions; the reply box is reply.js's.

import { query } from "./api.js";
import { contactLabel, contactPanel, el, messageBubble, noteItem, transferItem, triageLabels } from "./render.js";
import { ReplyBox } from "./reply.js";

const $ = (id) => document.getElementById(id);
const MESSAGE_PAGE = 50;

export class ConversationPane {
  constructor(api, hooks) {
    this.api = api;
    this.hooks = hooks;
    this.conversation = null;
    this.reply = new ReplyBox(api, { conversation: () => this.conversation, sent: () => this.loadMessages() });
    this.messages = []; // newest first, as the API pages them
    this.olderCursor = null; // where the page before the earliest shown starts
    this.mediaChecks = 0;
    this.mediaTimer = null;
    this.messagesGeneration = 0;
    this.notesGeneration = 0;
    this.loads = 0; // loads running: the pane is aria-busy until none is
    this.wire();
  }

  get currentId() {
    return this.conversation ? this.conversation.id : null;
  }

  async open(conversation) {
    this.conversation = conversation;
    this.mediaChecks = 0;
    $("conversation-pane").hidden = false;
    $("contact-panel").hidden = true;
    $("contact-toggle").setAttribute("aria-expanded", "false");
    $("action-error").textContent = "";
    $("correction-form").hidden = true;
    $("correction-status").textContent = "";
    this.reply.clear();
    // Busy until its messages and notes are in; what can be laid out from the conversation itself
    // (head, window state, reply box) is laid out first, so nothing moves under the agent's pointer.
    this.renderHead();
    this.reply.render();
    this.messages = [];
    this.olderCursor = null;
    this.renderMessages();
    $("note-list").replaceChildren(el("li", { class: "muted" }, "Loading notes…"));
    await Promise.all([this.loadMessages(), this.loadNotes(), this.loadAi()]);
    await this.markRead();
    // Where the agent goes on: the reply box, or the templates when only a template may be sent.
    this.reply.focus();
  }

  async refresh(conversation) {
    this.conversation = { ...conversation, ai: this.conversation && this.conversation.id === conversation.id ? this.conversation.ai : undefined };
    this.renderHead();
    await Promise.all([this.loadMessages(), this.loadNotes(), this.loadAi()]);
    await this.markRead();
    this.reply.render();
  }

  async markRead() {
    if (!this.conversation || this.conversation.unread_count <= 0) return;
    await this.api.post(`/v1/conversations/${encodeURIComponent(this.conversation.id)}/read`).catch(() => {});
    this.conversation = { ...this.conversation, unread_count: 0 };
    this.hooks.onChanged(this.conversation);
  }

  renderHead() {
    const c = this.conversation;
    $("conversation-title").textContent = contactLabel(c);
    const assignee = c.assigned_agent_id ? `assigned to ${this.hooks.agentName(c.assigned_agent_id)}` : "unassigned";
    $("conversation-meta").textContent = [c.contact_phone ? `+${c.contact_phone}` : null, c.status, assignee, ...triageLabels(c)].filter(Boolean).join(" · ");
    $("priority").value = c.priority || "";
    const resolved = c.status === "resolved";
    $("resolve").hidden = resolved;
    $("reopen").hidden = !resolved;
    const me = this.hooks.me();
    $("assign-me").hidden = Boolean(me && c.assigned_agent_id === me.id);
    // An AI agent answering here, or why it handed over; "Take over" silences it for good.
    const ai = c.ai;
    $("ai-state").hidden = !ai;
    $("ai-state").textContent = !ai ? "" : ai.silenced || ai.handed_off ? `AI handed over: ${ai.handoff_reason}` : `✨ AI agent answering (${ai.turns} ${ai.turns === 1 ? "turn" : "turns"})`;
    $("take-over").hidden = !ai || ai.silenced;
    // The keyword bot answers here unless an agent paused it.
    $("bot-toggle").textContent = c.bot_paused ? "Resume bot" : "Pause bot";
    $("bot-toggle").setAttribute("aria-pressed", c.bot_paused ? "true" : "false");
  }

  /// The conversation's AI state (only the single conversation carries it).
  async loadAi() {
    const id = this.currentId;
    if (!id) return;
    const full = await this.api.get(`/v1/conversations/${encodeURIComponent(id)}`).catch(() => null);
    if (!full || this.currentId !== id) return;
    this.conversation = { ...this.conversation, ai: full.ai };
    this.renderHead();
  }

  /// Opens the correction form for an AI agent's message, prefilled with what it said.
  openCorrection(messageId) {
    const message = this.messages.find((m) => m.id === messageId);
    this.correcting = messageId;
    $("correction-text").value = (message && message.content && message.content.body) || "";
    $("correction-status").textContent = "";
    $("correction-form").hidden = false;
    $("correction-text").focus();
  }

  async saveCorrection(event) {
    event.preventDefault();
    const text = $("correction-text").value.trim();
    if (!text || !this.correcting) return;
    try {
      await this.api.post("/v1/ai-evaluations", { conversation_id: this.conversation.id, message_id: this.correcting, corrected_response: text });
      $("correction-form").hidden = true;
      $("correction-status").textContent = "Correction saved: the AI agent will answer like it.";
    } catch (error) {
      $("action-error").textContent = `Could not save the correction: ${error.message}`;
    }
  }

  async takeOver() {
    const id = this.conversation.id;
    try {
      const taken = await this.api.post(`/v1/conversations/${encodeURIComponent(id)}/take-over`);
      this.conversation = taken;
      this.hooks.onChanged(taken);
      this.renderHead();
      await this.loadNotes();
    } catch (error) {
      $("action-error").textContent = `Could not take over: ${error.message}`;
    }
  }

  messagesPath(cursor) {
    return `/v1/conversations/${encodeURIComponent(this.conversation.id)}/messages${query({ limit: MESSAGE_PAGE, cursor })}`;
  }

  /// The pane is `aria-busy` while any load runs, the agent's or a live update's: a load that a
  /// newer one makes stale ends without showing anything, and the newer one is still coming.
  async tracked(load) {
    const pane = $("conversation-pane");
    this.loads += 1;
    pane.setAttribute("aria-busy", "true");
    try {
      return await load();
    } finally {
      this.loads -= 1;
      if (this.loads === 0) pane.setAttribute("aria-busy", "false");
    }
  }

  loadMessages() {
    return this.tracked(() => this.latestMessages());
  }

  loadEarlier() {
    return this.tracked(() => this.earlierMessages());
  }

  loadNotes() {
    return this.tracked(() => this.notesAndTransfers());
  }

  /// The latest page of messages, keeping the earlier pages the agent loaded.
  async latestMessages() {
    const id = this.conversation.id;
    // Loads overlap (a notice, the agent's own send): only the latest one is shown.
    const generation = ++this.messagesGeneration;
    const page = await this.api.get(this.messagesPath());
    if (this.currentId !== id || generation !== this.messagesGeneration) return;
    const latest = page.data || [];
    // Newest first, as the API pages them: what was shown after the latest page's oldest stays.
    const oldest = latest.at(-1);
    const at = oldest ? this.messages.findIndex((m) => m.id === oldest.id) : -1;
    if (at >= 0 && at + 1 < this.messages.length) {
      this.messages = [...latest, ...this.messages.slice(at + 1)];
    } else {
      this.messages = latest;
      this.olderCursor = page.next_cursor || null;
    }
    const list = $("message-list");
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    this.renderMessages();
    if (nearBottom) list.lastElementChild?.scrollIntoView({ block: "end" });
    // A file being copied from Meta has no link yet, and its arrival sends no notice: look again.
    const copying = latest.some((m) => m.media && m.media.state === "pending" && !m.media_url);
    clearTimeout(this.mediaTimer);
    if (copying && this.mediaChecks < 10) {
      this.mediaChecks += 1;
      this.mediaTimer = setTimeout(() => this.currentId === id && this.loadMessages().catch(() => {}), 2000);
    }
  }

  /// The page of messages before the earliest shown, keeping the agent's place in the list.
  async earlierMessages() {
    const id = this.conversation.id;
    if (!this.olderCursor) return;
    const page = await this.api.get(this.messagesPath(this.olderCursor));
    if (this.currentId !== id) return;
    const shown = new Set(this.messages.map((m) => m.id));
    this.messages = [...this.messages, ...(page.data || []).filter((m) => !shown.has(m.id))];
    this.olderCursor = page.next_cursor || null;
    const list = $("message-list");
    const fromBottom = list.scrollHeight - list.scrollTop;
    this.renderMessages();
    list.scrollTop = list.scrollHeight - fromBottom;
  }

  renderMessages() {
    $("message-list").replaceChildren(...this.messages.slice().reverse().map(messageBubble));
    $("earlier-messages").hidden = !this.olderCursor;
  }

  async notesAndTransfers() {
    const id = this.conversation.id;
    const generation = ++this.notesGeneration;
    const path = `/v1/conversations/${encodeURIComponent(id)}`;
    const [notes, transfers] = await Promise.all([
      this.api.get(`${path}/notes?limit=50`).catch(() => ({ data: [] })),
      this.api.get(`${path}/transfers?limit=50`).catch(() => ({ data: [] })),
    ]);
    if (this.currentId !== id || generation !== this.notesGeneration) return;
    // Notes and transfers (with the note the transferring agent left), oldest first.
    const entries = [
      ...(notes.data || []).map((note) => ({ at: note.created_at, item: noteItem(note) })),
      ...(transfers.data || []).map((transfer) => ({ at: transfer.created_at, item: transferItem(transfer) })),
    ].sort((a, b) => (a.at || "").localeCompare(b.at || ""));
    $("note-list").replaceChildren(...(entries.length ? entries.map((e) => e.item) : [el("li", { class: "muted" }, "No notes yet.")]));
  }

  wire() {
    $("back").addEventListener("click", () => {
      this.conversation = null;
      $("conversation-pane").hidden = true;
      this.hooks.onClosed();
    });
    $("assign-me").addEventListener("click", () => this.act("assign", { agent_id: this.hooks.me().id }));
    $("take-over").addEventListener("click", () => this.takeOver());
    $("message-list").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-correct]");
      if (button) this.openCorrection(button.dataset.correct);
    });
    $("correction-form").addEventListener("submit", (event) => this.saveCorrection(event));
    $("correction-cancel").addEventListener("click", () => { $("correction-form").hidden = true; });
    $("resolve").addEventListener("click", () => this.act("resolve", {}));
    $("reopen").addEventListener("click", () => this.act("reopen", {}));
    $("bot-toggle").addEventListener("click", () => this.toggleBot());
    $("priority").addEventListener("change", () => this.setPriority($("priority").value || null));
    $("transfer").addEventListener("click", () => this.openTransfer());
    $("transfer-form").addEventListener("submit", (event) => this.submitTransfer(event));
    $("contact-toggle").addEventListener("click", () => this.toggleContact());
    $("note-form").addEventListener("submit", (event) => this.addNote(event));
    $("earlier-messages").addEventListener("click", () => this.loadEarlier().catch((error) => {
      $("action-error").textContent = `Could not load earlier messages: ${error.message}`;
    }));
  }

  async setPriority(priority) {
    const id = this.conversation.id;
    try {
      const conversation = await this.api.call("PATCH", `/v1/conversations/${encodeURIComponent(id)}`, { priority });
      this.hooks.onChanged(conversation);
      this.conversation = conversation;
      this.renderHead();
    } catch (error) {
      $("action-error").textContent = `Could not change the priority: ${error.message}`;
    }
  }

  async toggleBot() {
    const id = this.conversation.id;
    try {
      await this.api.call("PUT", `/v1/conversations/${encodeURIComponent(id)}/bot`, { paused: !this.conversation.bot_paused });
      const conversation = await this.api.get(`/v1/conversations/${encodeURIComponent(id)}`);
      this.hooks.onChanged(conversation);
      await this.refresh(conversation);
    } catch (error) {
      $("action-error").textContent = `Could not change the bot: ${error.message}`;
    }
  }

  async act(action, body) {
    const id = this.conversation.id;
    try {
      await this.api.post(`/v1/conversations/${encodeURIComponent(id)}/${action}`, body);
      const conversation = await this.api.get(`/v1/conversations/${encodeURIComponent(id)}`);
      this.hooks.onChanged(conversation);
      await this.refresh(conversation);
    } catch (error) {
      $("action-error").textContent = `Could not ${action}: ${error.message}`;
    }
  }

  openTransfer() {
    const me = this.hooks.me();
    const others = this.hooks.agents().filter((a) => a.is_active && a.id !== me.id);
    $("transfer-agent").replaceChildren(...others.map((a) => el("option", { value: a.id }, a.full_name)));
    $("transfer-note").value = "";
    $("transfer-dialog").showModal();
  }

  async submitTransfer(event) {
    if (event.submitter && event.submitter.value === "cancel") return;
    const to = $("transfer-agent").value;
    if (!to) return;
    const note = $("transfer-note").value.trim();
    await this.act("transfer", note ? { to_agent_id: to, note } : { to_agent_id: to });
  }

  async toggleContact() {
    const panel = $("contact-panel");
    const opening = panel.hidden;
    $("contact-toggle").setAttribute("aria-expanded", String(opening));
    panel.hidden = !opening;
    if (!opening) return;
    const contact = await this.api.get(`/v1/contacts/${encodeURIComponent(this.conversation.contact_id)}`).catch(() => null);
    panel.replaceChildren(...contactPanel(contact, this.conversation).filter(Boolean));
  }

  async addNote(event) {
    event.preventDefault();
    const text = $("note-text").value.trim();
    if (!text) return;
    // One note per press, however often the button is pressed while it is being stored.
    const button = event.submitter || $("note-form").querySelector("button");
    button.disabled = true;
    try {
      await this.api.post(`/v1/conversations/${encodeURIComponent(this.conversation.id)}/notes`, { content: text });
      $("note-text").value = "";
      await this.loadNotes();
    } catch (error) {
      $("action-error").textContent = `Could not add the note: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  }
}
