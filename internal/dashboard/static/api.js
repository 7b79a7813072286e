// api.js: the one place that calls hookd's JSON API. Every failure becomes an APIError whose
// message is the API's own, so pages can show it as it is.

const tokenKey = 'hookd.token';

// The key lives in this tab's sessionStorage only: closing the tab or signing out forgets it.
export const token = () => sessionStorage.getItem(tokenKey);
export const setToken = (t) => sessionStorage.setItem(tokenKey, t);
export const clearToken = () => sessionStorage.removeItem(tokenKey);

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
