// The reply box of the open conversation: text, quick replies by /shortcut, attachments, and the
// approved templates once the 24-hour window is closed. Each draft is sent with an
// Idempotency-Key kept until it is stored, so pressing Send again after a lost answer sends it once.

import { ApiError, query } from "./api.js";
import { el } from "./render.js";

const $ = (id) => document.getElementById(id);

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

export class ReplyBox {
  /// `conversation()` is the open conversation; `sent()` runs after a message is stored.
  constructor(api, { conversation, sent }) {
    this.api = api;
    this.conversation = conversation;
    this.sent = sent;
    this.quickReplies = [];
    this.found = [];
    this.selected = -1;
    this.templates = null;
    this.templatesShownFor = null; // the conversation whose template form is shown
    this.draft = null; // { key, mediaId } of the draft being sent, until it is stored
    this.sending = false;
    this.wire();
  }

  async loadQuickReplies() {
    const page = await this.api.get("/v1/quick-replies?limit=100").catch(() => ({ data: [] }));
    this.quickReplies = page.data || [];
  }

  /// A new conversation: an empty box.
  clear() {
    $("reply-text").value = "";
    $("reply-file").value = "";
    $("attachment-name").textContent = "";
    $("reply-error").textContent = "";
    $("template-error").textContent = "";
    $("quick-replies").hidden = true;
    this.draft = null;
    this.templatesShownFor = null;
  }

  focus() {
    if (!$("reply-form").hidden) $("reply-text").focus();
    else $("template-select").focus();
  }

  windowOpen() {
    const until = this.conversation().window_expires_at;
    return Boolean(until) && new Date(until).getTime() > Date.now();
  }

  /// The reply box while the window is open, else the templates. Rendered again on every live
  /// update of the conversation: a template form already shown keeps what the agent typed.
  render() {
    const conversation = this.conversation();
    const open = this.windowOpen();
    const state = $("window-state");
    state.classList.toggle("closed", !open);
    $("reply-form").hidden = !open;
    $("template-form").hidden = open;
    if (open) {
      this.templatesShownFor = null;
      const until = new Date(conversation.window_expires_at).toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
      state.textContent = `Free-form replies are open until ${until} (24 hours after the customer's last message).`;
      return;
    }
    state.textContent = "The 24-hour window is closed: the customer has not written for a day, so WhatsApp only allows an approved template.";
    if (this.templatesShownFor === conversation.id) return;
    this.templatesShownFor = conversation.id;
    this.renderTemplates();
  }

  async renderTemplates() {
    if (this.templates === null) {
      const page = await this.api.get(`/v1/templates${query({ status: "APPROVED", limit: 100 })}`).catch(() => ({ data: [] }));
      this.templates = (page.data || []).filter((t) => t.status === "APPROVED");
    }
    const select = $("template-select");
    const accountId = this.conversation().account_id;
    const usable = this.templates.filter((t) => !t.account_id || t.account_id === accountId);
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
    $("reply-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    $("reply-file").addEventListener("change", () => {
      this.draft = null;
      const file = $("reply-file").files[0];
      $("attachment-name").textContent = file ? `${file.name} will be sent` : "";
    });
    $("reply-text").addEventListener("input", () => {
      this.draft = null;
      this.suggest();
    });
    $("reply-text").addEventListener("keydown", (event) => this.replyKeys(event));
    $("quick-replies").addEventListener("mousedown", (event) => {
      const item = event.target.closest("li");
      if (!item) return;
      event.preventDefault();
      this.choose(Number(item.dataset.index));
    });
    $("template-select").addEventListener("change", () => {
      this.draft = null;
      this.renderTemplateVariables();
    });
    $("template-variables").addEventListener("input", () => {
      this.draft = null;
    });
    $("template-form").addEventListener("submit", (event) => this.sendTemplate(event));
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
    const chosen = this.found[index];
    if (!chosen) return;
    $("reply-text").value = chosen.content;
    this.draft = null;
    $("quick-replies").hidden = true;
    this.found = [];
    $("reply-text").focus();
  }

  replyKeys(event) {
    const open = !$("quick-replies").hidden && this.found.length;
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

  // ---- sending ----

  /// Posts a message of the open conversation under the draft's key; the draft ends once stored.
  async post(body) {
    const id = this.conversation().id;
    await this.api.post(`/v1/conversations/${encodeURIComponent(id)}/messages`, body, { "idempotency-key": this.draft.key });
    this.draft = null;
  }

  async send() {
    const text = $("reply-text").value.trim();
    const file = $("reply-file").files[0];
    if ((!text && !file) || this.sending) return;
    this.sending = true;
    let stored = false;
    $("reply-error").textContent = "";
    this.draft ||= { key: crypto.randomUUID(), mediaId: null };
    try {
      let body;
      if (file) {
        // Uploaded once per draft: a retry sends the same request under the same key.
        this.draft.mediaId ||= (await this.api.upload(file)).media_id;
        const content = { media_id: this.draft.mediaId };
        if (text) content.caption = text;
        if (mediaTypeOf(file) === "document") content.filename = file.name;
        body = { type: mediaTypeOf(file), content };
      } else {
        body = { type: "text", content: { text } };
      }
      await this.post(body);
      this.clear();
      stored = true;
    } catch (error) {
      $("reply-error").textContent = !(error instanceof ApiError)
        ? "No answer came: it may have been sent. Press Send again; it will not be sent twice."
        : error.code === "window_closed"
          ? "The 24-hour window has closed: send an approved template instead."
          : `Not sent: ${error.message}`;
    } finally {
      this.sending = false;
    }
    if (!stored) return;
    await this.sent().catch(() => {});
    $("message-list").lastElementChild?.scrollIntoView({ block: "end" });
  }

  async sendTemplate(event) {
    event.preventDefault();
    const template = this.selectedTemplate();
    if (!template || this.sending) return;
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
    this.sending = true;
    $("template-error").textContent = "";
    // A template send is its own draft: a new key unless the last one failed unanswered.
    this.draft ||= { key: crypto.randomUUID(), mediaId: null };
    try {
      await this.post({ type: "template", content: { name: template.name, language: template.language, components } });
    } catch (error) {
      $("template-error").textContent = `Not sent: ${error.message}`;
      return;
    } finally {
      this.sending = false;
    }
    await this.sent().catch(() => {});
  }
}
