// events.js: the event log (GET /api/v0/events): the app's events, newest first, searched by
// event id, event type, delivery status and time; each row links to its deliveries' pages.
// The search lives in the address (#/events?event_type=…), so Back returns to it.
import { enc, read } from './api.js';
import { el, fmtTime, localInput, table } from './dom.js';
import { statusBadge } from './health.js';
import { can, portal } from './session.js';
import { guard, setCrumbs } from './ui.js';

function deliveryLink(ev, d) {
  return el('li', { 'data-webhook': d.webhook_id },
    el('a', { href: `#/webhooks/${enc(d.webhook_id)}/messages/${enc(ev.id)}`, class: 'delivery-link mono' }, d.webhook_id),
    ' ', statusBadge(d.status), ` ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`);
}

function row(ev) {
  return el('tr', { 'data-event': ev.id },
    el('td', { class: 'mono event-id' }, ev.id),
    el('td', { class: 'event-type' }, ev.event_type),
    el('td', {}, fmtTime(ev.created_at)),
    el('td', {}, ev.deliveries.length
      ? el('ul', { class: 'plain' }, ev.deliveries.map((d) => deliveryLink(ev, d)))
      : el('span', { class: 'muted' }, 'No webhook matched')));
}

// searchForm shows the search q holds and, when submitted, puts the new one in the address.
function searchForm(q, search) {
  const input = (name, attrs) => el('input', { id: `events-${name}`, name, value: q.get(name) ?? '', ...attrs });
  const time = (name) => el('input', { type: 'datetime-local', step: '1', id: `events-${name}`, name,
    value: q.get(name) ? localInput(new Date(q.get(name))) : '' });
  const f = {
    id: input('id', { placeholder: 'msg_…', spellcheck: 'false' }),
    event_type: input('event_type', { placeholder: 'invoice.paid, user.created' }),
    status: el('select', { id: 'events-status', name: 'status' },
      ['', 'pending', 'retrying', 'delivered', 'failed'].map((s) => el('option', { value: s, selected: s === (q.get('status') ?? '') }, s || 'Any'))),
    since: time('since'),
    until: time('until'),
  };
  const submit = el('button', { type: 'submit', class: 'btn-primary', id: 'events-search' }, 'Search');
  const form = el('form', { class: 'inline-form card', id: 'events-form' },
    el('label', {}, 'Event ID ', f.id), el('label', {}, 'Event type ', f.event_type),
    el('label', {}, 'Delivery status ', f.status), el('label', {}, 'After ', f.since), el('label', {}, 'Before ', f.until),
    el('div', { class: 'buttons' }, submit, el('a', { href: '#/events', class: 'btn btn-secondary', id: 'events-clear' }, 'Clear')));
  form.addEventListener('submit', guard(submit, async () => {
    const next = new URLSearchParams();
    for (const [name, field] of Object.entries(f)) {
      const v = field.value.trim();
      if (v) next.set(name, field.type === 'datetime-local' ? new Date(v).toISOString() : v);
    }
    const before = location.hash;
    location.hash = next.toString() ? `#/events?${next}` : '#/events';
    if (location.hash === before) await search(true); // the same search again: read afresh
  }));
  return form;
}

export async function eventsPage(page) {
  page.id = 'events-page';
  setCrumbs([['Event log']]);
  page.append(el('div', { class: 'page-head' }, el('h1', {}, 'Event log')));
  if (portal() || !can('event:read')) {
    page.append(el('p', { class: 'muted', id: 'no-events' }, portal()
      ? 'The event log is not part of the portal.'
      : 'This key cannot read events: the event log needs the event:read scope.'));
    return;
  }
  const q = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const list = table(['Event', 'Type', 'Created', 'Deliveries'], [], { id: 'events' });
  const tbody = list.querySelector('tbody');
  const empty = el('p', { class: 'muted', hidden: true, id: 'events-empty' }, 'No events match.');
  const older = el('button', { type: 'button', class: 'btn-secondary', id: 'events-older', hidden: true }, 'Older');
  let cursor = '';
  let loads = 0;
  async function load(reset, fresh) {
    const api = new URLSearchParams(q);
    api.set('limit', '50');
    if (!reset) api.set('cursor', cursor);
    const res = await read(`/api/v0/events?${api}`, { fresh });
    if (reset) tbody.replaceChildren();
    tbody.append(...res.data.map(row));
    cursor = res.next_cursor || '';
    older.hidden = !res.has_more;
    empty.hidden = tbody.children.length > 0;
    page.dataset.loads = String(++loads); // lets a watcher tell a finished search from a running one
  }
  older.addEventListener('click', guard(older, () => load(false, false)));
  page.append(searchForm(q, (fresh) => load(true, fresh)), el('div', { class: 'card' }, list, empty, older));
  await load(true, false);
}
