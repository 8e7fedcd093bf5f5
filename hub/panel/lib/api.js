// REST calls with the session cookie and the CSRF token; errors carry the field paths.
let csrf = null;

export function setCsrf(token) { csrf = token; }

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
  get fields() { return (this.body.errors || []).map((e) => `${e.field}: ${e.message}`); }
}

export async function api(method, path, body, contentType = "application/json") {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = contentType;
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  const payload = body === undefined || contentType !== "application/json" ? body : JSON.stringify(body);
  const resp = await fetch(path, { method, headers, credentials: "same-origin", body: payload });
  let data = null;
  if (resp.status !== 204) {
    try { data = await resp.json(); } catch { data = null; }
  }
  if (!resp.ok) {
    const err = new ApiError(resp.status, data);
    if (resp.status === 401 && !path.endsWith("/login")) window.dispatchEvent(new CustomEvent("logged-out"));
    throw err;
  }
  return data;
}

export async function callService(domain, service, data = {}) {
  const out = await api("POST", `/api/services/${domain}/${service}`, data);
  return out.result;
}
