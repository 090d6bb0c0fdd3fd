// The agents' inbox: sign-in, the conversation list with its filters and paging, and live
// updates. The open conversation is conversation.js's.

import { Api, ApiError, query } from "./api.js";
import { Live } from "./live.js";
import { conversationItem, el } from "./render.js";
import { ConversationPane } from "./conversation.js";

const $ = (id) => document.getElementById(id);
const PAGE_SIZE = 25;

const state = {
  me: null,
  agents: new Map(),
  conversations: [],
  cursor: null,
  live: null,
  waiting: new Set(),
  generations: new Map(),
};

const api = new Api(() => showLogin("Your session ended. Sign in again."));
const pane = new ConversationPane(api, {
  agentName,
  agents: () => [...state.agents.values()],
  me: () => state.me,
  onChanged: (conversation) => upsert(conversation),
  onClosed: () => {
    $("inbox-view").classList.remove("reading");
    renderList();
  },
});

function agentName(id) {
  const agent = state.agents.get(id);
  if (agent) return agent.full_name;
  return state.me && id === state.me.id ? state.me.full_name : "an agent";
}

function filters() {
  return {
    assignee: $("filter-assignee").value,
    status: $("filter-status").value,
    division: $("filter-division").value,
  };
}

function matchesFilters(conversation) {
  const { assignee, status, division } = filters();
  if (status && conversation.status !== status) return false;
  if (division && conversation.division_id !== division) return false;
  if (assignee === "me" && conversation.assigned_agent_id !== state.me.id) return false;
  if (assignee === "none" && conversation.assigned_agent_id) return false;
  return true;
}

// ---- sign-in ----

function showLogin(message) {
  if (state.live) state.live.stop();
  state.live = null;
  $("inbox-view").hidden = true;
  $("login-view").hidden = false;
  $("login-error").textContent = message || "";
  $("login-email").focus();
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = event.submitter || $("login-form").querySelector("button");
  button.disabled = true;
  $("login-error").textContent = "";
  try {
    await api.login($("login-email").value.trim(), $("login-password").value);
    $("login-password").value = "";
    await startInbox();
  } catch (error) {
    $("login-error").textContent =
      error instanceof ApiError && error.status === 429
        ? "Too many attempts. Wait a few minutes and try again."
        : error instanceof ApiError && error.status === 401
          ? "The e-mail or password is not right."
          : `Could not sign in: ${error.message}`;
  } finally {
    button.disabled = false;
  }
});

$("logout").addEventListener("click", async () => {
  try {
    await api.logout();
  } catch {
    // Signed out locally either way.
  }
  showLogin("Signed out.");
});

// ---- the list ----

async function loadList(reset) {
  const parameters = { ...filters(), limit: PAGE_SIZE, cursor: reset ? "" : state.cursor };
  const page = await api.get(`/v1/conversations${query(parameters)}`);
  $("list-error").textContent = "";
  const items = page.data || [];
  if (reset) state.conversations = [];
  for (const conversation of items) {
    state.conversations = state.conversations.filter((c) => c.id !== conversation.id);
    state.conversations.push(conversation);
  }
  state.cursor = page.next_cursor || null;
  renderList();
}

// Stable: conversations with the same time keep their order, which upsert sets.
function sortList() {
  state.conversations.sort((a, b) => (b.last_message_at || "").localeCompare(a.last_message_at || ""));
}

function renderList() {
  const list = $("conversation-list");
  const focused = document.activeElement && document.activeElement.closest("#conversation-list li");
  const focusedId = focused ? focused.dataset.id : null;
  sortList();
  list.replaceChildren(
    ...state.conversations.map((conversation) =>
      conversationItem(conversation, { agentName, current: conversation.id === pane.currentId }),
    ),
  );
  $("list-empty").hidden = state.conversations.length > 0;
  $("load-more").hidden = !state.cursor;
  if (focusedId) {
    const again = list.querySelector(`li[data-id="${CSS.escape(focusedId)}"] button`);
    if (again) again.focus();
  }
}

/// A conversation as it is now: into the list (at its place by last activity) if the filters
/// take it, out of it if not. Meta's timestamps are whole seconds, so a conversation with a new
/// message goes ahead of those with the same time; one without keeps its place.
function upsert(conversation) {
  const index = state.conversations.findIndex((c) => c.id === conversation.id);
  const before = index >= 0 ? state.conversations.splice(index, 1)[0] : null;
  const newMessage = !before || before.last_message_at !== conversation.last_message_at || before.message_count !== conversation.message_count;
  if (matchesFilters(conversation)) {
    if (newMessage) state.conversations.unshift(conversation);
    else state.conversations.splice(index, 0, conversation);
  }
  renderList();
}

/// Fetches a conversation again after a notice. Notices in a burst share one fetch; a notice that
/// comes while a fetch runs starts another (the running one may have read too early), and only the
/// latest fetch's answer is shown.
function refreshConversation(id) {
  if (state.waiting.has(id)) return;
  state.waiting.add(id);
  setTimeout(async () => {
    state.waiting.delete(id);
    const generation = (state.generations.get(id) || 0) + 1;
    state.generations.set(id, generation);
    const latest = () => state.generations.get(id) === generation;
    try {
      const conversation = await api.get(`/v1/conversations/${encodeURIComponent(id)}`);
      if (!latest()) return;
      upsert(conversation);
      if (pane.currentId === id) await pane.refresh(conversation);
    } catch (error) {
      if (latest() && error instanceof ApiError && error.status === 404) {
        state.conversations = state.conversations.filter((c) => c.id !== id);
        renderList();
      }
    }
  }, 100);
}

$("conversation-list").addEventListener("click", (event) => {
  const button = event.target.closest("button.conversation-item");
  if (!button) return;
  const conversation = state.conversations.find((c) => c.id === button.dataset.id);
  if (!conversation) return;
  $("inbox-view").classList.add("reading");
  pane.open(conversation)
    .catch((error) => {
      $("action-error").textContent = `Could not open the conversation: ${error.message}`;
    })
    .then(renderList);
});

$("conversation-list").addEventListener("keydown", (event) => {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const buttons = [...$("conversation-list").querySelectorAll("button.conversation-item")];
  const index = buttons.indexOf(document.activeElement);
  if (index < 0) return;
  event.preventDefault();
  const next = buttons[index + (event.key === "ArrowDown" ? 1 : -1)];
  if (next) next.focus();
});

/// The list again (or its next page), saying so when it could not be fetched.
function reloadList(reset) {
  loadList(reset).catch((error) => {
    $("list-error").textContent = `Could not load the conversations: ${error.message}`;
  });
}

$("load-more").addEventListener("click", () => reloadList(false));
$("filters").addEventListener("change", () => reloadList(true));

// ---- live updates ----

function onNotice(notice) {
  if (notice.conversation_id) refreshConversation(notice.conversation_id);
}

function startLive() {
  const url = document.querySelector('meta[name="live-url"]').content;
  state.live = new Live(url, api.token, {
    onNotice,
    onState: (text, on) => {
      $("live-state").textContent = text;
      $("live-state").classList.toggle("on", Boolean(on));
    },
    // Notices sent while disconnected are gone: fetch what is shown again.
    onReconnected: () => {
      reloadList(true);
      if (pane.currentId) refreshConversation(pane.currentId);
    },
    onRefused: () => api.get("/v1/me").catch(() => {}),
  });
  state.live.start();
}

// ---- start ----

async function loadDirectory() {
  const [agents, divisions] = await Promise.all([
    api.get("/v1/agents?limit=100").catch(() => ({ data: [] })),
    api.get("/v1/divisions?limit=100").catch(() => ({ data: [] })),
  ]);
  state.agents = new Map((agents.data || []).map((agent) => [agent.id, agent]));
  const select = $("filter-division");
  select.replaceChildren(el("option", { value: "" }, "All divisions"), ...(divisions.data || []).map((d) => el("option", { value: d.id }, d.name)));
}

async function startInbox() {
  // One round trip: who is signed in, the agents and divisions, and the first page of the list.
  const [me] = await Promise.all([api.get("/v1/me"), loadDirectory(), loadList(true)]);
  state.me = me.agent;
  $("me-name").textContent = state.me.full_name;
  $("login-view").hidden = true;
  $("inbox-view").hidden = false;
  renderList();
  pane.reply.loadQuickReplies();
  startLive();
  const first = document.querySelector("#conversation-list button");
  (first || $("filter-assignee")).focus();
}

if (api.signedIn) {
  startInbox().catch(() => showLogin());
} else {
  showLogin();
}
