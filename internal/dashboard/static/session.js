// session.js: who the signed-in credential is, as GET /api/v0/me says: asked once per sign-in
// and kept beside the token in sessionStorage, so no page guesses and no page view pays for it.
// A portal link (…/ui/#token=…) signs in too: its token moves to sessionStorage and leaves the
// address bar at once.
import { call, clearToken, enc, setToken, token } from './api.js';

const meKey = 'hookd.me';

export function me() {
  try {
    return JSON.parse(sessionStorage.getItem(meKey));
  } catch {
    return null;
  }
}

// signIn asks /me about tok and keeps both; a refused token is not kept.
export async function signIn(tok) {
  const who = await call('GET', '/api/v0/me', undefined, tok);
  setToken(tok);
  sessionStorage.setItem(meKey, JSON.stringify(who));
  return who;
}

// ensureMe fills in /me for a token kept without it (a session from before /me was asked).
export async function ensureMe() {
  return me() || signIn(token());
}

// can says whether the credential holds scope; an operator key's admin holds every scope.
export function can(scope) {
  const who = me();
  if (!who) return false;
  return (who.operator && who.scopes.includes('admin')) || who.scopes.includes(scope);
}

export const portal = () => me()?.portal ?? null;

// takePortalToken moves a portal link's token from the address bar to sessionStorage and
// replaces the address (and its history entry) with the webhooks list. It returns the token,
// or null when the address holds none.
export function takePortalToken() {
  const m = location.hash.match(/^#token=([^&]+)/);
  if (!m) return null;
  history.replaceState(null, '', `${location.pathname}#/webhooks`);
  const tok = decodeURIComponent(m[1]);
  forget();
  setToken(tok);
  return tok;
}

// forget drops the token and what /me said, here only (a refused or expired credential).
export function forget() {
  clearToken();
  sessionStorage.removeItem(meKey);
}

// signOut forgets the credential; a portal session is also ended on the server, so its link
// stops working (best effort: the token is forgotten here either way).
export async function signOut() {
  const session = portal();
  if (session && token()) {
    await call('DELETE', `/api/v0/portal/sessions/${enc(session.id)}`).catch(() => {});
  }
  forget();
}
