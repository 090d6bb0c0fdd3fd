// The open conversation: its messages, notes, contact, actions and the reply box (text, quick
// replies by /shortcut, attachments, and approved templates once the 24-hour window is closed).

import { ApiError, query } from "./api.js";
import { contactLabel, contactPanel, el, messageBubble, noteItem, transferItem } from "./render.js";

const $ = (id) => document.getElementById(id);
const MESSAGE_PAGE = 50;

function mediaTypeOf(file) {
  const type = file.type || "";
  if (type.startsWith("image/")) return "image";
  if (type.startsWith("video/")) return "video";
  if (type.startsWith("audio/")) return "audio";
  return "document";
}

/// `{{1}}` / `{{name}}` placeholders of a template's body and text header, in order.
function templateVariables(template) {
  const found = [];
  for (const component of template.components || []) {
    const kind = (component.type || "").toUpperCase();
    if (kind !== "BODY" && !(kind === "HEADER" && (component.format || "TEXT").toUpperCase() === "TEXT")) continue;
    for (const match of (component.text || "").matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)) {
      found.push({ component: kind, name: match[1] });
    }
  }
  return found;
}

function hasMediaHeader(template) {
  return (template.components || []).some(
    (c) => (c.type || "").toUpperCase() === "HEADER" && (c.format || "TEXT").toUpperCase() !== "TEXT",
  );
}

export class ConversationPane {
  constructor(api, hooks) {
    this.api = api;
    this.hooks = hooks;
    this.conversation = null;
    this.quickReplies = [];
    this.templates = null;
    this.selected = -1;
    this.mediaChecks = 0;
    this.mediaTimer = null;
    this.messagesGeneration = 0;
    this.notesGeneration = 0;
    this.wire();
  }

  get currentId() {
    return this.conversation ? this.conversation.id : null;
  }

  async loadQuickReplies() {
    const page = await this.api.get("/v1/quick-replies?limit=100").catch(() => ({ data: [] }));
    this.quickReplies = page.data || [];
  }

  async open(conversation) {
    this.conversation = conversation;
    this.mediaChecks = 0;
    $("conversation-pane").hidden = false;
    $("contact-panel").hidden = true;
    $("contact-toggle").setAttribute("aria-expanded", "false");
    $("reply-error").textContent = "";
    $("reply-text").value = "";
    // Busy until its messages and notes are in; what can be laid out from the conversation itself
    // (head, window state, reply box) is laid out first, so nothing moves under the agent's pointer.
    const pane = $("conversation-pane");
    pane.setAttribute("aria-busy", "true");
    this.renderHead();
    this.renderReplyState();
    $("message-list").replaceChildren();
    $("note-list").replaceChildren(el("li", { class: "muted" }, "Loading notes…"));
    try {
      await Promise.all([this.loadMessages(), this.loadNotes()]);
      await this.markRead();
    } finally {
      if (this.currentId === conversation.id) pane.setAttribute("aria-busy", "false");
    }
    // Where the agent goes on: the reply box, or the templates when only a template may be sent.
    if (!$("reply-form").hidden) $("reply-text").focus();
    else $("template-select").focus();
  }

  async refresh(conversation) {
    this.conversation = conversation;
    this.renderHead();
    await Promise.all([this.loadMessages(), this.loadNotes()]);
    await this.markRead();
    this.renderReplyState();
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
    $("conversation-meta").textContent = [c.contact_phone ? `+${c.contact_phone}` : null, c.status, assignee].filter(Boolean).join(" · ");
    const resolved = c.status === "resolved";
    $("resolve").hidden = resolved;
    $("reopen").hidden = !resolved;
    const me = this.hooks.me();
    $("assign-me").hidden = Boolean(me && c.assigned_agent_id === me.id);
  }

  async loadMessages() {
    const id = this.conversation.id;
    // Loads overlap (a notice, the agent's own send): only the latest one is shown.
    const generation = ++this.messagesGeneration;
    const page = await this.api.get(`/v1/conversations/${encodeURIComponent(id)}/messages?limit=${MESSAGE_PAGE}`);
    if (this.currentId !== id || generation !== this.messagesGeneration) return;
    const list = $("message-list");
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    list.replaceChildren(...(page.data || []).slice().reverse().map(messageBubble));
    if (nearBottom) list.lastElementChild?.scrollIntoView({ block: "end" });
    // A file being copied from Meta has no link yet, and its arrival sends no notice: look again.
    const copying = (page.data || []).some((m) => m.media && m.media.state === "pending" && !m.media_url);
    clearTimeout(this.mediaTimer);
    if (copying && this.mediaChecks < 10) {
      this.mediaChecks += 1;
      this.mediaTimer = setTimeout(() => this.currentId === id && this.loadMessages().catch(() => {}), 2000);
    }
  }

  async loadNotes() {
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

  windowOpen() {
    const until = this.conversation.window_expires_at;
    return Boolean(until) && new Date(until).getTime() > Date.now();
  }

  renderReplyState() {
    const open = this.windowOpen();
    const state = $("window-state");
    state.classList.toggle("closed", !open);
    $("reply-form").hidden = !open;
    $("template-form").hidden = open;
    if (open) {
      const until = new Date(this.conversation.window_expires_at).toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
      state.textContent = `Free-form replies are open until ${until} (24 hours after the customer's last message).`;
      return;
    }
    state.textContent = "The 24-hour window is closed: the customer has not written for a day, so WhatsApp only allows an approved template.";
    this.renderTemplates();
  }

  async renderTemplates() {
    if (this.templates === null) {
      const page = await this.api.get(`/v1/templates${query({ status: "APPROVED", limit: 100 })}`).catch(() => ({ data: [] }));
      this.templates = (page.data || []).filter((t) => t.status === "APPROVED");
    }
    const select = $("template-select");
    const usable = this.templates.filter((t) => !t.account_id || t.account_id === this.conversation.account_id);
    if (!usable.length) {
      select.replaceChildren(el("option", { value: "" }, "No approved templates"));
      select.disabled = true;
      $("template-variables").replaceChildren(el("p", { class: "muted" }, "There are no approved templates yet. An admin creates them (Templates in the API); Meta reviews each before it can be sent."));
      return;
    }
    select.disabled = false;
    select.replaceChildren(...usable.map((t) => el("option", { value: t.id }, `${t.name} (${t.language})`)));
    this.renderTemplateVariables();
  }

  selectedTemplate() {
    return (this.templates || []).find((t) => t.id === $("template-select").value);
  }

  renderTemplateVariables() {
    const template = this.selectedTemplate();
    if (!template) return;
    const inputs = templateVariables(template).map((variable, index) => {
      const id = `template-var-${index}`;
      return el("div", {},
        el("label", { for: id }, `${variable.component === "HEADER" ? "Header" : "Body"} variable {{${variable.name}}}`),
        el("input", { id, type: "text", required: true, maxlength: 1024, dataset: { component: variable.component, name: variable.name } }));
    });
    const notes = hasMediaHeader(template) ? [el("p", { class: "muted" }, "This template has a media header; send it through the API.")] : [];
    $("template-variables").replaceChildren(...inputs, ...notes);
  }

  wire() {
    $("back").addEventListener("click", () => {
      this.conversation = null;
      $("conversation-pane").hidden = true;
      this.hooks.onClosed();
    });
    $("assign-me").addEventListener("click", () => this.act("assign", { agent_id: this.hooks.me().id }));
    $("resolve").addEventListener("click", () => this.act("resolve", {}));
    $("reopen").addEventListener("click", () => this.act("reopen", {}));
    $("transfer").addEventListener("click", () => this.openTransfer());
    $("transfer-form").addEventListener("submit", (event) => this.submitTransfer(event));
    $("contact-toggle").addEventListener("click", () => this.toggleContact());
    $("note-form").addEventListener("submit", (event) => this.addNote(event));
    $("reply-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    $("reply-file").addEventListener("change", () => {
      const file = $("reply-file").files[0];
      $("attachment-name").textContent = file ? `${file.name} will be sent` : "";
    });
    $("reply-text").addEventListener("input", () => this.suggest());
    $("reply-text").addEventListener("keydown", (event) => this.replyKeys(event));
    $("quick-replies").addEventListener("mousedown", (event) => {
      const item = event.target.closest("li");
      if (!item) return;
      event.preventDefault();
      this.choose(Number(item.dataset.index));
    });
    $("template-select").addEventListener("change", () => this.renderTemplateVariables());
    $("template-form").addEventListener("submit", (event) => this.sendTemplate(event));
  }

  async act(action, body) {
    const id = this.conversation.id;
    try {
      await this.api.post(`/v1/conversations/${encodeURIComponent(id)}/${action}`, body);
      const conversation = await this.api.get(`/v1/conversations/${encodeURIComponent(id)}`);
      this.hooks.onChanged(conversation);
      await this.refresh(conversation);
    } catch (error) {
      $("reply-error").textContent = `Could not ${action}: ${error.message}`;
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
      $("reply-error").textContent = `Could not add the note: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  }

  // ---- quick replies: "/" then the shortcut ----

  matches() {
    const text = $("reply-text").value;
    if (!text.startsWith("/") || text.includes("\n")) return [];
    const wanted = text.slice(1).toLowerCase();
    return this.quickReplies.filter((q) => (q.shortcut || "").toLowerCase().replace(/^\//, "").startsWith(wanted)).slice(0, 8);
  }

  suggest() {
    const found = this.matches();
    const list = $("quick-replies");
    this.selected = found.length ? 0 : -1;
    list.hidden = !found.length;
    list.replaceChildren(...found.map((q, index) =>
      el("li", { role: "option", id: `quick-reply-${index}`, "aria-selected": index === this.selected ? "true" : "false", dataset: { index } }, `/${(q.shortcut || "").replace(/^\//, "")} — ${q.title}: ${q.content}`)));
    this.found = found;
    $("reply-text").setAttribute("aria-activedescendant", this.selected >= 0 ? "quick-reply-0" : "");
  }

  choose(index) {
    const chosen = (this.found || [])[index];
    if (!chosen) return;
    $("reply-text").value = chosen.content;
    $("quick-replies").hidden = true;
    this.found = [];
    $("reply-text").focus();
  }

  replyKeys(event) {
    const open = !$("quick-replies").hidden && (this.found || []).length;
    if (open && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      const count = this.found.length;
      this.selected = (this.selected + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
      for (const item of $("quick-replies").children) item.setAttribute("aria-selected", String(Number(item.dataset.index) === this.selected));
      $("reply-text").setAttribute("aria-activedescendant", `quick-reply-${this.selected}`);
      return;
    }
    if (open && (event.key === "Enter" || event.key === "Tab")) {
      event.preventDefault();
      this.choose(this.selected);
      return;
    }
    if (open && event.key === "Escape") {
      $("quick-replies").hidden = true;
      return;
    }
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      this.send();
    }
  }

  async send() {
    const text = $("reply-text").value.trim();
    const file = $("reply-file").files[0];
    if (!text && !file) return;
    const id = this.conversation.id;
    $("reply-error").textContent = "";
    try {
      let body;
      if (file) {
        const uploaded = await this.api.upload(file);
        const content = { media_id: uploaded.media_id };
        if (text) content.caption = text;
        if (mediaTypeOf(file) === "document") content.filename = file.name;
        body = { type: mediaTypeOf(file), content };
      } else {
        body = { type: "text", content: { text } };
      }
      await this.api.post(`/v1/conversations/${encodeURIComponent(id)}/messages`, body);
      $("reply-text").value = "";
      $("reply-file").value = "";
      $("attachment-name").textContent = "";
      await this.loadMessages();
      $("message-list").lastElementChild?.scrollIntoView({ block: "end" });
    } catch (error) {
      $("reply-error").textContent =
        error instanceof ApiError && error.code === "window_closed"
          ? "The 24-hour window has closed: send an approved template instead."
          : `Not sent: ${error.message}`;
    }
  }

  async sendTemplate(event) {
    event.preventDefault();
    const template = this.selectedTemplate();
    if (!template) return;
    const named = (template.parameter_format || "").toUpperCase() === "NAMED";
    const components = [];
    for (const kind of ["HEADER", "BODY"]) {
      const inputs = [...$("template-variables").querySelectorAll(`input[data-component="${kind}"]`)];
      if (!inputs.length) continue;
      components.push({
        type: kind.toLowerCase(),
        parameters: inputs.map((input) => (named ? { type: "text", parameter_name: input.dataset.name, text: input.value } : { type: "text", text: input.value })),
      });
    }
    $("template-error").textContent = "";
    try {
      await this.api.post(`/v1/conversations/${encodeURIComponent(this.conversation.id)}/messages`, {
        type: "template",
        content: { name: template.name, language: template.language, components },
      });
      await this.loadMessages();
    } catch (error) {
      $("template-error").textContent = `Not sent: ${error.message}`;
    }
  }
}
