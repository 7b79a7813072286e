// ui.js: the page frame: error and notice banners, breadcrumbs.
import { el } from './dom.js';

const $ = (id) => document.getElementById(id);

export function showError(e) {
  const box = $('error');
  box.textContent = typeof e === 'string' ? e : e.message;
  box.hidden = false;
}

export function showNotice(...parts) {
  const box = $('notice');
  box.replaceChildren(...parts);
  box.hidden = false;
}

// carried is a notice for the next page, when an action leaves the page it was taken on.
let carried = null;

export function noticeNext(...parts) {
  carried = parts;
}

// clearMessages empties the banners for a new page, and shows a notice carried to it.
export function clearMessages() {
  for (const id of ['error', 'notice']) {
    $(id).hidden = true;
    $(id).replaceChildren();
  }
  if (carried) showNotice(...carried);
  carried = null;
}

// setCrumbs shows where the page is: [label, href] pairs, the last one without a link.
export function setCrumbs(items) {
  const nav = $('crumbs');
  nav.replaceChildren(...items.map(([label, href], i) =>
    (href && i < items.length - 1 ? el('a', { href }, label) : el('span', {}, label))));
}

// guard runs an action from a button: the button is disabled while it runs, errors are shown.
export function guard(button, action) {
  return async (ev) => {
    if (ev) ev.preventDefault();
    button.disabled = true;
    try {
      await action();
    } catch (e) {
      showError(e);
    } finally {
      button.disabled = false;
    }
  };
}
