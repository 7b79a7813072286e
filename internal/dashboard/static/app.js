// app.js: the router. Pages live at hash routes, so the server serves one static page and
// every link is a plain anchor.
import { clearToken, token } from './api.js';
import { el } from './dom.js';
import { clearMessages, showError } from './ui.js';
import { signinPage } from './signin.js';
import { webhooksPage } from './webhooks.js';
import { webhookPage } from './webhook.js';
import { editPage } from './edit.js';
import { deliveryPage } from './delivery.js';
import { attemptPage } from './attempt.js';

const routes = [
  [/^#\/signin$/, signinPage],
  [/^#\/webhooks$/, webhooksPage],
  [/^#\/webhooks\/([^/]+)$/, webhookPage],
  [/^#\/webhooks\/([^/]+)\/edit$/, editPage],
  [/^#\/webhooks\/([^/]+)\/messages\/([^/]+)$/, deliveryPage],
  [/^#\/webhooks\/([^/]+)\/messages\/([^/]+)\/attempts\/([^/]+)$/, attemptPage],
];

// carried is an error to show on the next page, when a failure sends the user elsewhere.
let carried = null;

async function route() {
  clearMessages();
  if (carried) {
    showError(carried);
    carried = null;
  }
  const hash = location.hash || '#/webhooks';
  if (!token() && hash !== '#/signin') {
    location.hash = '#/signin';
    return;
  }
  document.getElementById('signout').hidden = !token();
  // Each visit renders into a fresh element; a slow answer for a page left behind lands in a
  // detached element and shows nothing.
  const page = el('div', { class: 'page' });
  document.getElementById('view').replaceChildren(page);
  for (const [re, render] of routes) {
    const m = hash.match(re);
    if (!m) continue;
    try {
      await render(page, m.slice(1).map(decodeURIComponent));
    } catch (e) {
      if (!page.isConnected) return;
      if (e.status === 401) { // the key is gone or wrong: sign in again
        clearToken();
        carried = e.message;
        location.hash = '#/signin';
        return;
      }
      showError(e);
    }
    return;
  }
  showError(`There is no page at ${hash}`);
}

function signOut() {
  clearToken();
  location.hash = '#/signin';
}

document.getElementById('signout').addEventListener('click', signOut);
window.addEventListener('hashchange', route);
route();
