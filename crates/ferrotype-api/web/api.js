// The web UI's one API client. Every request goes through it, and each must be an operation of
// the contract (spec/, listed at build time in /api-operations.js): a request the server does not
// promise is a bug in the app, thrown at once rather than sent.

import { OPERATIONS } from "/api-operations.js";

/// Each operation with its path as a pattern (`{param}` matches one segment).
const ROUTES = Object.entries(OPERATIONS).map(([id, [method, template]]) => ({
  id,
  method,
  pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
}));

/// The operationId of `method path` (path after `/api`, query ignored), or null.
export function operationOf(method, path) {
  const bare = path.split("?")[0];
  return ROUTES.find((r) => r.method === method && r.pattern.test(bare))?.id ?? null;
}

/// The raw response of `method /api<path>`, for bodies that are not JSON (archives).
export function request(method, path, init = {}) {
  if (!operationOf(method, path)) {
    return Promise.reject(new Error(`${method} /api${path} is not an operation of the API`));
  }
  return fetch(`/api${path}`, { ...init, method, credentials: "same-origin" });
}

/// `method /api<path>` with a JSON body; the JSON answer, or an Error with Immich's message (a
/// validation failure names the first field and what was wrong with it) and `status`.
export async function api(method, path, body) {
  const init = { headers: {} };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await request(method, path, init);
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) {
    const issue = data && Array.isArray(data.errors) && data.errors[0];
    const detail = issue ? `: ${issue.path.join(".")} ${issue.message}` : "";
    const err = new Error(((data && data.message) || `${r.status} ${r.statusText}`) + detail);
    err.status = r.status;
    // Pages may react to a credential that no longer suffices (the locked folder's unlock).
    if (r.status === 401) window.dispatchEvent(new CustomEvent("api-unauthorized", { detail: data?.message }));
    throw err;
  }
  return data;
}
