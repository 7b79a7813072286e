// api.js: the one place that calls hookd's JSON API. Every failure becomes an APIError whose
// message is the API's own, so pages can show it as it is. A development key may make 100
// requests an hour, so pages read through a short-lived cache (read) and the hourly quota
// left, from X-RateLimit-Remaining, is passed to whoever shows it (onQuota).

const tokenKey = 'hookd.token';

// The key lives in this tab's sessionStorage only: closing the tab or signing out forgets it.
export const token = () => sessionStorage.getItem(tokenKey);
export const setToken = (t) => {
  sessionStorage.setItem(tokenKey, t);
  newCredential();
};
export const clearToken = () => {
  sessionStorage.removeItem(tokenKey);
  newCredential();
};

// enc makes an id safe inside a path.
export const enc = encodeURIComponent;

export class APIError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// errorMessage reads any of hookd's error shapes: /api/v0 {message, details}, /v1 {detail},
// /api/v3 {errors: [{detail}]}.
function errorMessage(status, body, text) {
  if (body && typeof body === 'object') {
    if (typeof body.message === 'string') {
      return body.details ? `${body.message} (${body.details})` : body.message;
    }
    if (typeof body.detail === 'string') return body.detail;
    if (Array.isArray(body.errors) && body.errors[0] && body.errors[0].detail) return body.errors[0].detail;
  }
  const plain = (text || '').trim().slice(0, 200);
  return plain ? `HTTP ${status}: ${plain}` : `HTTP ${status}`;
}

// call sends one request and returns the decoded JSON body (null when there is none).
// tok overrides the signed-in key, for the sign-in check.
export async function call(method, path, body, tok = token()) {
  if (method !== 'GET') forgetReads(); // a change may show anywhere: nothing read before it is reused
  const headers = { Accept: 'application/json' };
  if (tok) headers.Authorization = `Bearer ${tok}`;
  const init = { method, headers, cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new APIError(0, `Request to hookd failed: ${e.message}`);
  }
  noteQuota(res.headers);
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    let message = errorMessage(res.status, data, text);
    const retry = res.headers.get('Retry-After');
    if (res.status === 429 && retry) message += ` (retry after ${retry} s)`;
    throw new APIError(res.status, message);
  }
  if (text && data === null) throw new APIError(res.status, `hookd answered ${method} ${path} with something that is not JSON`);
  return data;
}

let quotaListener = () => {};
let quota = null;

// onQuota sets the function told {limit, remaining} after each answer that carries them.
export const onQuota = (f) => { quotaListener = f; };

// noteQuota keeps the least remaining in the current window: answers to requests sent side by
// side may arrive in any order.
function noteQuota(h) {
  const [limit, remaining, reset] = ['Limit', 'Remaining', 'Reset'].map((n) => h.get(`X-RateLimit-${n}`));
  if (limit === null || remaining === null) return;
  const next = { limit: Number(limit), remaining: Number(remaining), reset };
  if (quota && quota.reset === reset && quota.limit === next.limit && quota.remaining <= next.remaining) return;
  quota = next;
  quotaListener(quota);
}

// Answers a page read are reused for reuseFor when the page is visited again, so moving
// between pages does not spend the quota twice; Refresh and every change read afresh.
const reuseFor = 30e3;
const cache = new Map(); // key → { at, data }

const forgetReads = () => cache.clear();

// newCredential forgets what the last one read and its quota.
function newCredential() {
  forgetReads();
  quota = null;
}

// read GETs path, or reuses the answer stored under key when it is younger than reuseFor
// and fresh is not asked for. key defaults to path; a page whose query holds the current
// time (a chart's "since") names a steadier one.
export async function read(path, { fresh = false, key = path } = {}) {
  const hit = cache.get(key);
  if (!fresh && hit && Date.now() - hit.at < reuseFor) return hit.data;
  const data = await call('GET', path);
  cache.set(key, { at: Date.now(), data });
  return data;
}

// readAt is when the answer stored under key was fetched (a Date), or null.
export const readAt = (key) => (cache.has(key) ? new Date(cache.get(key).at) : null);
