// app.js: the router. Pages live at hash routes, so the server serves one static page and
// every link is a plain anchor. The header shows what /me said: the pages this credential may
// open, whether it is a portal session, and the hourly quota it has left.
import { onQuota, token } from './api.js';
import { el } from './dom.js';
import { can, ensureMe, forget, me, portal, signIn, signOut, takePortalToken } from './session.js';
import { clearMessages, showError } from './ui.js';
import { signinPage } from './signin.js';
import { webhooksPage } from './webhooks.js';
import { createPage } from './create.js';
import { webhookPage } from './webhook.js';
import { editPage } from './edit.js';
import { deliveryPage } from './delivery.js';
import { attemptPage } from './attempt.js';
import { eventsPage } from './events.js';

const routes = [
  [/^#\/signin$/, signinPage],
  [/^#\/webhooks$/, webhooksPage],
  [/^#\/webhooks\/new$/, createPage],
  [/^#\/webhooks\/([^/]+)$/, webhookPage],
  [/^#\/webhooks\/([^/]+)\/edit$/, editPage],
  [/^#\/webhooks\/([^/]+)\/messages\/([^/]+)$/, deliveryPage],
  [/^#\/webhooks\/([^/]+)\/messages\/([^/]+)\/attempts\/([^/]+)$/, attemptPage],
  [/^#\/events(?:\?(.*))?$/, eventsPage],
];

const $ = (id) => document.getElementById(id);

// carried is an error to show on the next page, when a failure sends the user elsewhere.
let carried = null;

function toSignin(e) {
  forget();
  carried = e.message;
  if (location.hash === '#/signin') route(); // no hashchange would come
  else location.hash = '#/signin';
}

// header shows the menu and who is signed in; portal sessions see their app's webhooks only.
function header() {
  const who = token() ? me() : null;
  $('signout').hidden = !who;
  const links = [['Webhooks', '#/webhooks', 'menu-webhooks']];
  if (can('event:read') && !portal()) links.push(['Event log', '#/events', 'menu-events']);
  $('menu').replaceChildren(...(who ? links.map(([label, href, id]) => el('a', { href, id }, label)) : []));
  $('who').replaceChildren(...(who ? [
    el('span', { id: 'who-app' }, who.app.name),
    who.portal ? el('span', { class: 'badge badge-pending', id: 'portal-badge' }, 'Portal') : null,
    can('webhook:write') ? null : el('span', { class: 'badge', id: 'read-only-badge' }, 'Read-only'),
  ] : []));
}

async function route() {
  clearMessages();
  if (carried) {
    showError(carried);
    carried = null;
  }
  const portalToken = takePortalToken();
  if (portalToken) {
    try {
      await signIn(portalToken);
    } catch (e) {
      toSignin(e);
      return;
    }
  }
  const hash = location.hash || '#/webhooks';
  if (!token() && hash !== '#/signin') {
    location.hash = '#/signin';
    return;
  }
  if (token()) {
    try {
      await ensureMe();
    } catch (e) {
      toSignin(e);
      return;
    }
  }
  header();
  // Each visit renders into a fresh element; a slow answer for a page left behind lands in a
  // detached element and shows nothing.
  const page = el('div', { class: 'page' });
  $('view').replaceChildren(page);
  for (const [re, render] of routes) {
    const m = hash.match(re);
    if (!m) continue;
    try {
      await render(page, m.slice(1).map((p) => (p === undefined ? '' : decodeURIComponent(p))));
    } catch (e) {
      if (!page.isConnected) return;
      if (e.status === 401) { // the credential is gone, wrong or expired: sign in again
        toSignin(e);
        return;
      }
      showError(e);
    }
    return;
  }
  showError(`There is no page at ${hash}`);
}

function showQuota({ limit, remaining }) {
  const q = $('quota');
  q.textContent = `${remaining}/${limit} requests left this hour`;
  q.dataset.remaining = String(remaining);
  q.hidden = false;
}

onQuota(showQuota);
$('signout').addEventListener('click', async () => {
  await signOut();
  $('quota').hidden = true;
  location.hash = '#/signin';
});
window.addEventListener('hashchange', route);
route();
