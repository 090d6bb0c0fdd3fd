// Live updates: one WebSocket per page, opened with the session token. Notices only name what
// changed; the page fetches the rest. After any gap (a reconnect) the page re-fetches its views,
// since notices sent meanwhile are not replayed.

const FIRST_DELAY_MS = 1000;
const LONGEST_DELAY_MS = 30000;

export class Live {
  constructor(url, token, { onNotice, onState, onReconnected, onRefused }) {
    this.url = url;
    this.token = token;
    this.onNotice = onNotice;
    this.onState = onState;
    this.onReconnected = onReconnected;
    this.onRefused = onRefused;
    this.attempt = 0;
    this.stopped = false;
    this.everOpened = false;
    this.socket = null;
    this.timer = null;
  }

  start() {
    if (!this.url || this.url.includes("{{")) {
      this.onState("no live updates");
      return;
    }
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000);
  }

  open() {
    const separator = this.url.includes("?") ? "&" : "?";
    const socket = new WebSocket(`${this.url}${separator}token=${encodeURIComponent(this.token)}`);
    this.socket = socket;
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
      const gap = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.onState("live", true);
      if (gap) this.onReconnected();
    });
    socket.addEventListener("message", (event) => {
      let notice;
      try {
        notice = JSON.parse(event.data);
      } catch {
        return;
      }
      if (notice && typeof notice.type === "string") this.onNotice(notice);
    });
    socket.addEventListener("close", () => {
      if (this.stopped) return;
      this.onState("reconnecting");
      // Refused before opening, twice in a row: the session may have ended; the API will tell.
      if (!opened && this.attempt >= 2) this.onRefused();
      this.retry();
    });
  }

  retry() {
    const base = Math.min(LONGEST_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
    this.attempt += 1;
    const delay = base / 2 + Math.random() * (base / 2);
    this.timer = setTimeout(() => this.open(), delay);
  }
}
