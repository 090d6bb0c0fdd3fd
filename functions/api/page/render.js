// Views built from API data. Every piece of data becomes a text node or an attribute value, never
// markup: a customer's `<img src=x onerror=...>` is shown as those characters.

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function timeLabel(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return "";
  const now = new Date();
  if (when.toDateString() === now.toDateString()) {
    return when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }
  return when.toLocaleDateString([], { month: "short", day: "numeric" });
}

export function contactLabel(conversation) {
  return conversation.contact_name || conversation.contact_phone || "Unknown contact";
}

/// The priority and the snooze, as short phrases for a meta line (none set: nothing).
export function triageLabels(conversation) {
  return [
    conversation.priority ? `${conversation.priority} priority` : null,
    conversation.snoozed_until ? `snoozed until ${timeLabel(conversation.snoozed_until)}` : null,
  ].filter(Boolean);
}

export function conversationItem(conversation, { agentName, current }) {
  const unread = conversation.unread_count > 0;
  const assignee = conversation.assigned_agent_id ? agentName(conversation.assigned_agent_id) : "Unassigned";
  const meta = [conversation.contact_phone ? `+${conversation.contact_phone}` : null, conversation.status, assignee, ...triageLabels(conversation)]
    .filter(Boolean)
    .join(" · ");
  const button = el(
    "button",
    { type: "button", class: "conversation-item", "aria-current": current ? "true" : null, dataset: { id: conversation.id } },
    el("span", { class: "name" }, contactLabel(conversation)),
    el("span", { class: "time" }, el("time", { datetime: conversation.last_message_at }, timeLabel(conversation.last_message_at))),
    el("span", { class: "preview" }, conversation.last_message_preview || ""),
    unread ? el("span", { class: "badge", dataset: { unread: conversation.unread_count } }, String(conversation.unread_count), el("span", { class: "visually-hidden" }, " unread")) : el("span"),
    el("span", { class: "meta" }, meta),
  );
  return el("li", { dataset: { id: conversation.id } }, button);
}

const TICKS = {
  queued: "🕓 queued",
  sending: "🕓 sending",
  sent: "✓ sent",
  delivered: "✓✓ delivered",
  read: "✓✓ read",
  played: "✓✓ played",
  failed: "⚠ failed",
};

function failureReason(message) {
  const errors = Array.isArray(message.errors) ? message.errors : [];
  const first = errors[0] || {};
  return first.title || first.message || (first.error_data && first.error_data.details) || "";
}

function mediaView(content, message) {
  const url = message.media_url;
  const caption = content.caption ? el("span", { class: "caption" }, content.caption) : null;
  switch (content.media_kind) {
    case "image":
    case "sticker":
      return url
        ? [el("img", { src: url, alt: content.caption || `${content.media_kind} ${message.direction === "outbound" ? "sent to" : "from"} the customer`, loading: "lazy" }), caption]
        : [el("span", { class: "kind" }, `[${content.media_kind}]`), " ", caption];
    case "audio":
      return url ? [el("audio", { controls: true, src: url, "aria-label": "Voice or audio message" })] : [el("span", { class: "kind" }, "[audio]")];
    case "video":
      return url ? [el("video", { controls: true, src: url, "aria-label": content.caption || "Video" }), caption] : [el("span", { class: "kind" }, "[video]"), " ", caption];
    default:
      return [
        url ? el("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, content.filename || "Document") : el("span", { class: "kind" }, `[document] ${content.filename || ""}`),
        caption ? [" ", caption] : null,
      ];
  }
}

function contactsView(contacts) {
  const list = Array.isArray(contacts) ? contacts : [];
  return list.map((contact) => {
    const name = (contact.name && (contact.name.formatted_name || contact.name.first_name)) || "Contact";
    const phones = (contact.phones || []).map((p) => p.phone || p.wa_id).filter(Boolean).join(", ");
    return el("span", { class: "contact-card" }, `👤 ${name}${phones ? ` (${phones})` : ""}`);
  });
}

export function contentView(content, message) {
  if (!content || typeof content !== "object") return ["(empty)"];
  switch (content.kind) {
    case "text":
      return [content.body];
    case "media":
      return mediaView(content, message);
    case "location": {
      const place = [content.name, content.address].filter(Boolean).join(", ");
      const href = `https://www.openstreetmap.org/?mlat=${encodeURIComponent(content.latitude)}&mlon=${encodeURIComponent(content.longitude)}`;
      return [el("a", { href, rel: "noopener noreferrer", target: "_blank" }, `📍 ${place || "Location"} (${content.latitude}, ${content.longitude})`)];
    }
    case "contacts":
      return contactsView(content.contacts);
    case "interactive":
      return [el("span", { class: "kind" }, "Chose: "), content.title || content.id || "", content.description ? ` (${content.description})` : ""];
    case "button":
      return [el("span", { class: "kind" }, "Tapped: "), content.text || content.payload || ""];
    case "reaction":
      return [content.emoji ? `Reacted ${content.emoji}` : "Removed a reaction"];
    case "order":
      return [`🛒 Order of ${(content.product_items || []).length} item(s)`, content.text ? ` — ${content.text}` : ""];
    case "system":
      return [el("span", { class: "kind" }, content.body || "System message")];
    case "list": {
      const rows = (content.rows || []).concat(...(content.sections || []).map((s) => s.rows || []));
      return [content.body, el("span", { class: "kind" }, ` [${rows.map((r) => r.title).join(" / ")}]`)];
    }
    case "buttons":
      return [content.body, " ", (content.buttons || []).map((b) => el("span", { class: "choice" }, b.title))];
    case "product":
      return [el("span", { class: "kind" }, "Product: "), content.product_retailer_id, content.body ? ` — ${content.body}` : ""];
    case "product_list": {
      const count = (content.sections || []).reduce((n, s) => n + (s.product_retailer_ids || []).length, 0);
      return [el("span", { class: "kind" }, `Products (${count}): `), content.header, ` — ${content.body}`];
    }
    case "catalog":
      return [el("span", { class: "kind" }, "Catalog: "), content.body];
    case "media_link":
      return [el("a", { href: content.link, rel: "noopener noreferrer", target: "_blank" }, `[${content.media_kind}] ${content.caption || content.filename || content.link}`)];
    case "template":
      return [el("span", { class: "kind" }, "Template: "), content.name];
    case "revoke":
      return [el("span", { class: "deleted" }, "This message was deleted")];
    case "unsupported":
      return [el("span", { class: "kind" }, `Unsupported message (${content.original_type || "unknown"})`)];
    default:
      return [el("span", { class: "kind" }, `[${content.kind}]`)];
  }
}

const ORIGINS = { bot: "🤖 bot", automation: "⚙ automation", campaign: "campaign", ai: "✨ AI", system: "system" };

export function messageBubble(message) {
  const outbound = message.direction === "outbound";
  const deleted = Boolean(message.revoked_at) || (message.content && message.content.kind === "revoke");
  const foot = el("span", { class: "foot" },
    el("time", { datetime: message.timestamp }, timeLabel(message.timestamp)),
    message.edited_at && !deleted ? el("span", { class: "edited" }, "edited") : null,
    // Who sent it when not a person: the bot, a rule, a campaign (shown before the reply it
    // drew), the AI or Switchboard itself.
    ORIGINS[message.origin] ? el("span", { class: "origin", dataset: { origin: message.origin } }, ORIGINS[message.origin]) : null,
    // An AI agent's reply can be corrected: its newest corrections are its examples.
    message.origin === "ai" ? el("button", { type: "button", class: "correct", dataset: { correct: message.id } }, "Correct") : null,
    outbound ? el("span", { class: `ticks ${message.status}`, dataset: { status: message.status } },
      TICKS[message.status] || message.status,
      message.status === "failed" && failureReason(message) ? `: ${failureReason(message)}` : "") : null,
  );
  const body = deleted ? [el("span", { class: "deleted" }, "This message was deleted")] : contentView(message.content, message);
  return el("li", { class: `bubble ${outbound ? "outbound" : "inbound"}`, dataset: { id: message.id, status: message.status } },
    el("span", { class: "visually-hidden" }, outbound ? "You: " : "Customer: "),
    el("span", { class: "content" }, body),
    foot);
}

export function noteItem(note) {
  return el("li", { dataset: { id: note.id } }, el("strong", {}, note.agent_name || "Agent"), ": ", note.content, " ",
    el("time", { class: "muted", datetime: note.created_at }, timeLabel(note.created_at)));
}

export function transferItem(transfer) {
  const to = transfer.to_agent_name || transfer.to_division_name || "the queue";
  return el("li", { class: "transfer", dataset: { id: transfer.id } },
    el("strong", {}, transfer.transferred_by_name || "An agent"), ` transferred it to ${to}`,
    transfer.note ? [": ", transfer.note] : "", " ",
    el("time", { class: "muted", datetime: transfer.created_at }, timeLabel(transfer.created_at)));
}

export function contactPanel(contact, conversation) {
  const tags = (contact && contact.tags) || [];
  return [
    el("h3", {}, (contact && (contact.name || contact.profile_name)) || contactLabel(conversation)),
    el("p", { class: "muted" }, conversation.contact_phone ? `+${conversation.contact_phone}` : ""),
    contact && contact.email ? el("p", { class: "muted" }, contact.email) : null,
    tags.length ? el("ul", { class: "tags", "aria-label": "Tags" }, tags.map((t) => el("li", {}, t))) : el("p", { class: "muted" }, "No tags"),
  ];
}
