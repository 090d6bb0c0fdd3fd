// The agent API from the page: same origin, the session token as a bearer token.

const TOKEN_KEY = "switchboard.session";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class Api {
  constructor(onSignedOut) {
    this.token = sessionStorage.getItem(TOKEN_KEY);
    this.onSignedOut = onSignedOut;
  }

  get signedIn() {
    return Boolean(this.token);
  }

  async login(email, password) {
    const session = await this.call("POST", "/v1/auth/login", { email, password });
    this.token = session.token;
    sessionStorage.setItem(TOKEN_KEY, session.token);
    return session;
  }

  async logout() {
    try {
      await this.call("POST", "/v1/auth/logout");
    } finally {
      this.forget();
    }
  }

  forget() {
    this.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
  }

  async call(method, path, body, options = {}) {
    const headers = { accept: "application/json", ...(options.headers || {}) };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let payload;
    if (options.raw) {
      payload = body;
      headers["content-type"] = options.contentType || "application/octet-stream";
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["content-type"] = "application/json";
    }
    const response = await fetch(path, { method, headers, body: payload });
    if (response.status === 204) return null;
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!response.ok) {
      const error = (json && json.error) || {};
      if (response.status === 401 && path !== "/v1/auth/login") {
        this.forget();
        this.onSignedOut();
      }
      throw new ApiError(response.status, error.code || "error", error.message || `HTTP ${response.status}`);
    }
    return json;
  }

  get(path) {
    return this.call("GET", path);
  }

  post(path, body, headers) {
    return this.call("POST", path, body === undefined ? {} : body, { headers });
  }

  upload(file) {
    const query = file.name ? `?filename=${encodeURIComponent(file.name.slice(0, 240))}` : "";
    return this.call("POST", `/v1/media${query}`, file, { raw: true, contentType: file.type || "application/octet-stream" });
  }
}

/// Query string from an object, skipping empty values.
export function query(parameters) {
  const pairs = Object.entries(parameters).filter(([, v]) => v !== undefined && v !== null && v !== "");
  return pairs.length ? "?" + pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&") : "";
}
