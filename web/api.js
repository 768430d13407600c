// Talks to Hub's JSON API: credentials (JWT bearer or HTTP Basic), one fetch wrapper that turns
// every error answer into an ApiError with a sentence a person can read, uploads with progress.

const TOKEN_KEY = 'hub.token';

const state = {
  mode: 'bearer',            // 'bearer' | 'basic'
  token: sessionStorage.getItem(TOKEN_KEY) || '',
  basic: '',                 // base64 of user:password, kept in memory only
};

/** Fires 'unauthorized' when Hub refuses the credentials the page sent (revoked, expired). */
export const events = new EventTarget();

export class ApiError extends Error {
  constructor(status, code, message, detail) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

/** One line per problem of a 422 list detail (pydantic form): "body.name: Field required". */
function describeDetailList(list) {
  return list.map((item) => {
    if (item === null || typeof item !== 'object') return String(item);
    const loc = Array.isArray(item.loc) ? item.loc.join('.') : '';
    const msg = item.msg || item.message || JSON.stringify(item);
    return loc ? `${loc}: ${msg}` : msg;
  }).join('; ');
}

/** Builds an ApiError from a failed Response, whatever its body looks like. */
export async function errorFromResponse(res) {
  let text = '';
  try { text = await res.text(); } catch { /* body unreadable: status alone */ }
  return errorFromBody(res.status, res.statusText, text);
}

export function errorFromBody(status, statusText, text) {
  let code = '';
  let message = '';
  let detail;
  try {
    const body = JSON.parse(text);
    detail = body.detail;
    if (body.error && typeof body.error === 'object') {
      code = body.error.code || '';
      message = body.error.message || '';
    }
    if (Array.isArray(body.detail)) message = describeDetailList(body.detail);
    else if (typeof body.detail === 'string' && !message) message = body.detail;
    else if (body.detail && typeof body.detail === 'object' && !message) message = JSON.stringify(body.detail);
  } catch {
    message = text.trim().slice(0, 300);
  }
  if (!message) message = statusText || 'request failed';
  return new ApiError(status, code, `${message} (HTTP ${status}${code ? `, ${code}` : ''})`, detail);
}

export function setBearer(token) {
  state.mode = 'bearer';
  state.token = token || '';
  state.basic = '';
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function setBasic(username, password) {
  state.mode = 'basic';
  state.token = '';
  sessionStorage.removeItem(TOKEN_KEY);
  // btoa takes Latin-1 only: encode UTF-8 first so any password works.
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  state.basic = btoa(String.fromCharCode(...bytes));
}

export function clearCredentials() { setBearer(''); }

export function authMode() { return state.mode; }

export function hasCredentials() { return state.mode === 'basic' ? !!state.basic : !!state.token; }

export function authHeaders() {
  if (state.mode === 'basic' && state.basic) return { Authorization: `Basic ${state.basic}` };
  if (state.token) return { Authorization: `Bearer ${state.token}` };
  return {};
}

/** "docs/a b.txt" → "docs/a%20b.txt": each segment encoded, slashes kept. */
export function encodePath(path) {
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * fetch with credentials; resolves to the parsed JSON (or the Response when `raw`), throws
 * ApiError for any non-2xx answer and for network failures.
 */
export async function request(method, path, { json, body, headers = {}, raw = false, signal, anonymous = false } = {}) {
  const h = { ...(anonymous ? {} : authHeaders()), ...headers };
  let payload = body;
  if (json !== undefined) {
    h['Content-Type'] = 'application/json';
    payload = JSON.stringify(json);
  }
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: payload, signal, cache: 'no-store' });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', `Hub could not be reached: ${e.message}`);
  }
  if (!res.ok) {
    if (res.status === 401 && h.Authorization) events.dispatchEvent(new Event('unauthorized'));
    throw await errorFromResponse(res);
  }
  if (raw) return res;
  const text = await res.text();
  if (!text) return null;
  const type = res.headers.get('Content-Type') || '';
  return type.includes('json') ? JSON.parse(text) : text;
}

export const get = (path, opts) => request('GET', path, opts);
export const post = (path, json, opts = {}) => request('POST', path, { ...opts, json });
export const put = (path, json, opts = {}) => request('PUT', path, { ...opts, json });
export const patch = (path, json, opts = {}) => request('PATCH', path, { ...opts, json });
export const del = (path, opts) => request('DELETE', path, opts);

/**
 * Sends `body` with XMLHttpRequest so upload progress can be shown; onProgress(loaded, total).
 * `headers` are added; `anonymous` sends no credentials. Resolves to the parsed JSON answer.
 */
export function xhrSend(method, path, body, { contentType, onProgress, signal, headers = {}, anonymous = false } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    for (const [k, v] of Object.entries({ ...(anonymous ? {} : authHeaders()), ...headers })) xhr.setRequestHeader(k, v);
    if (contentType) xhr.setRequestHeader('Content-Type', contentType);
    xhr.upload.onprogress = (e) => { if (onProgress && e.lengthComputable) onProgress(e.loaded, e.total); };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try { resolve(xhr.responseText ? JSON.parse(xhr.responseText) : null); } catch { resolve(xhr.responseText); }
      } else {
        reject(errorFromBody(xhr.status, xhr.statusText, xhr.responseText));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'The upload failed: Hub could not be reached'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'The upload was cancelled'));
    if (signal) signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

/** Hands `blob` to the browser as a download named `filename` (an object URL, never a server URL). */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/** Downloads `path` with credentials and hands the bytes to the browser as `filename`. */
export async function download(path, filename) {
  const res = await request('GET', path, { raw: true });
  saveBlob(await res.blob(), filename);
}
