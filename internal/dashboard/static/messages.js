// messages.js: the webhook's recent deliveries (GET /v1/webhooks/{id}/messages), newest first.
// A credential that may write picks failed ones here for bulk retry (retry.js).
import { enc, read } from './api.js';
import { el, fmtTime, section, table } from './dom.js';
import { statusBadge } from './health.js';
import { bulkRetry, pickBox } from './retry.js';
import { can } from './session.js';
import { guard } from './ui.js';

function row(hookID, m, picking) {
  return el('tr', { 'data-message': m.id },
    picking ? el('td', { class: 'pick-cell' }, m.status === 'failed' ? pickBox(m.id) : null) : null,
    el('td', {}, el('a', { href: `#/webhooks/${enc(hookID)}/messages/${enc(m.id)}`, class: 'mono message-link' }, m.id)),
    el('td', {}, m.eventType),
    el('td', {}, statusBadge(m.status)),
    el('td', { class: 'num' }, m.attempts),
    el('td', { class: 'num' }, m.responseStatusCode ?? '–'),
    el('td', {}, fmtTime(m.timestamp)),
    el('td', {}, fmtTime(m.lastAttempt, '–')));
}

// deliveriesSection returns the section and its load function, which starts from the newest.
export function deliveriesSection(hookID) {
  const picking = can('webhook:write');
  const status = el('select', { id: 'delivery-status', 'aria-label': 'Status' },
    ['', 'pending', 'retrying', 'delivered', 'failed'].map((s) => el('option', { value: s }, s || 'Any status')));
  const head = ['Message', 'Event type', 'Status', 'Attempts', 'Response', 'Created', 'Last attempt'];
  const list = table(picking ? ['', ...head] : head, [], { id: 'deliveries' });
  const tbody = list.querySelector('tbody');
  const empty = el('p', { class: 'muted', hidden: true }, 'No deliveries.');
  const more = el('button', { type: 'button', class: 'btn-secondary', hidden: true }, 'Load more');
  const bulk = picking ? bulkRetry(hookID, tbody, () => page(true, true)) : null;
  let iterator = '';
  async function page(reset, fresh) {
    const q = new URLSearchParams({ limit: '20' });
    if (status.value) q.set('status', status.value);
    if (!reset && iterator) q.set('iterator', iterator);
    const res = await read(`/v1/webhooks/${enc(hookID)}/messages?${q}`, { fresh });
    const rows = res.data.map((m) => row(hookID, m, picking));
    if (reset) tbody.replaceChildren(...rows);
    else tbody.append(...rows);
    iterator = res.iterator || '';
    more.hidden = res.done;
    empty.hidden = tbody.children.length > 0;
    bulk?.reset();
  }
  more.addEventListener('click', guard(more, () => page(false, true)));
  status.addEventListener('change', guard(status, () => page(true, false)));
  const node = section('Recent deliveries', el('div', { class: 'section-tools' }, status), bulk?.node,
    el('div', { class: 'scroll' }, list), empty, more);
  return { node, load: (fresh) => page(true, fresh) };
}
