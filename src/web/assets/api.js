// Every data call of the dashboard: the /api/v1 JSON API with the user's token, so a page
// shows exactly what the API gives that identity. The token lives in sessionStorage (gone
// when the tab closes) and is sent only as an Authorization header, never in a URL.

const TOKEN = 'rotguard.token';
const TEAM = 'rotguard.team';

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN);
  },
  set token(v) {
    if (v) sessionStorage.setItem(TOKEN, v);
    else sessionStorage.removeItem(TOKEN);
  },
  get team() {
    return sessionStorage.getItem(TEAM);
  },
  set team(v) {
    if (v) sessionStorage.setItem(TEAM, v);
    else sessionStorage.removeItem(TEAM);
  },
  clear() {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(TEAM);
  },
};

export function authHeaders() {
  const h = { authorization: `Bearer ${session.token ?? ''}` };
  if (session.team) h['x-rotguard-team'] = session.team;
  return h;
}

async function request(path, { method = 'GET', body, signal } = {}) {
  const headers = authHeaders();
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  if (!res.ok) {
    let err = { code: 'http_' + res.status, message: res.statusText };
    try {
      err = (await res.json()).error ?? err;
    } catch {
      // not JSON: keep the status text
    }
    if (res.status === 401) window.dispatchEvent(new CustomEvent('rotguard:unauthenticated', { detail: err.message }));
    throw new ApiError(res.status, err.code, err.message, err.field);
  }
  return res;
}

export async function api(path, options) {
  return (await request(path, options)).json();
}

export async function apiText(path, options) {
  return (await request(path, options)).text();
}

export async function apiBlob(path, options) {
  return (await request(path, options)).blob();
}
