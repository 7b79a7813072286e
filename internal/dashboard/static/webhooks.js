// webhooks.js: the list of the key's webhooks, with active and health badges and any breaker
// that holds deliveries; and the way to create one.
import { enc, read, readAt } from './api.js';
import { el, fmtTime, table } from './dom.js';
import { activeBadge, breakerNote, healthBadge, successRate } from './health.js';
import { can } from './session.js';
import { guard, setCrumbs } from './ui.js';

function row(w) {
  const s = w.delivery_stats;
  return el('tr', { 'data-webhook': w.id },
    el('td', {}, el('a', { href: `#/webhooks/${enc(w.id)}`, class: 'webhook-link' }, w.name || w.id)),
    el('td', { class: 'mono url' }, w.url),
    el('td', {}, activeBadge(w.isActive)),
    el('td', {}, healthBadge(w.health), breakerNote(w)),
    el('td', { class: 'num' }, s.total_events),
    el('td', { class: 'num' }, successRate(s)),
    el('td', {}, fmtTime(s.last_delivery)));
}

export async function webhooksPage(page) {
  page.id = 'webhooks-page';
  setCrumbs([['Webhooks']]);
  const list = table(['Name', 'URL', 'Status', 'Health', 'Sent', 'Success rate', 'Last delivery'], [], { id: 'webhooks' });
  const tbody = list.querySelector('tbody');
  const more = el('button', { type: 'button', class: 'btn-secondary', hidden: true }, 'Load more');
  const empty = el('p', { class: 'muted', hidden: true }, 'No webhooks yet.');
  const refresh = el('button', { type: 'button', class: 'btn-secondary', id: 'refresh' }, 'Refresh');
  const updated = el('p', { class: 'muted', id: 'updated' });
  const first = '/api/v0/webhooks?limit=50';
  let cursor = '';
  async function load(fresh) {
    const q = new URLSearchParams({ limit: '50' });
    if (cursor) q.set('cursor', cursor);
    const res = await read(`/api/v0/webhooks?${q}`, { fresh });
    tbody.append(...res.data.map(row));
    cursor = res.next_cursor || '';
    more.hidden = !res.has_more;
    empty.hidden = tbody.children.length > 0;
  }
  async function reload(fresh) {
    cursor = '';
    tbody.replaceChildren();
    await load(fresh);
    updated.replaceChildren('Updated ', fmtTime(readAt(first).toISOString()));
  }
  more.addEventListener('click', guard(more, () => load(true)));
  refresh.addEventListener('click', guard(refresh, () => reload(true)));
  const create = can('webhook:write')
    ? el('a', { href: '#/webhooks/new', class: 'btn btn-primary', id: 'new-webhook' }, 'New webhook')
    : null;
  page.append(el('div', { class: 'page-head' }, el('h1', {}, 'Webhooks'), el('div', { class: 'buttons' }, refresh, create)),
    updated, el('div', { class: 'card' }, list, empty, more));
  await reload(false);
}
