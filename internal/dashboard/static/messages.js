// messages.js: the webhook's recent deliveries (GET /v1/webhooks/{id}/messages), newest first.
import { call, enc } from './api.js';
import { el, fmtTime, section, table } from './dom.js';
import { statusBadge } from './health.js';
import { guard } from './ui.js';

function row(hookID, m) {
  return el('tr', { 'data-message': m.id },
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
  const status = el('select', { id: 'delivery-status', 'aria-label': 'Status' },
    ['', 'pending', 'retrying', 'delivered', 'failed'].map((s) => el('option', { value: s }, s || 'Any status')));
  const list = table(['Message', 'Event type', 'Status', 'Attempts', 'Response', 'Created', 'Last attempt'], [], { id: 'deliveries' });
  const tbody = list.querySelector('tbody');
  const empty = el('p', { class: 'muted', hidden: true }, 'No deliveries.');
  const more = el('button', { type: 'button', class: 'btn-secondary', hidden: true }, 'Load more');
  let iterator = '';
  async function page(reset) {
    const q = new URLSearchParams({ limit: '20' });
    if (status.value) q.set('status', status.value);
    if (!reset && iterator) q.set('iterator', iterator);
    const res = await call('GET', `/v1/webhooks/${enc(hookID)}/messages?${q}`);
    const rows = res.data.map((m) => row(hookID, m));
    if (reset) tbody.replaceChildren(...rows);
    else tbody.append(...rows);
    iterator = res.iterator || '';
    more.hidden = res.done;
    empty.hidden = tbody.children.length > 0;
  }
  more.addEventListener('click', guard(more, () => page(false)));
  status.addEventListener('change', guard(status, () => page(true)));
  const node = section('Recent deliveries', el('div', { class: 'section-tools' }, status), list, empty, more);
  return { node, load: () => page(true) };
}
