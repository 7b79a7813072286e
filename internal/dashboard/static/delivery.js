// delivery.js: one event as delivered to one webhook: its payload, its attempts, and Retry.
import { call, enc, read } from './api.js';
import { dl, el, fmtMs, fmtTime, section, sleep, table } from './dom.js';
import { statusBadge } from './health.js';
import { can } from './session.js';
import { guard, setCrumbs, showNotice } from './ui.js';

function attemptRow(hookID, msgID, a) {
  return el('tr', { 'data-attempt': a.id },
    el('td', {}, el('a', { href: `#/webhooks/${enc(hookID)}/messages/${enc(msgID)}/attempts/${enc(a.id)}`, class: 'attempt-link' }, `#${a.attemptNumber}`)),
    el('td', {}, statusBadge(a.status)),
    el('td', { class: 'num' }, a.responseStatusCode || '–'),
    el('td', { class: 'num' }, fmtMs(a.responseDurationMs)),
    el('td', { class: 'mono' }, a.errorClass ?? ''),
    el('td', {}, a.error ?? ''),
    el('td', { class: 'trigger' }, a.trigger),
    el('td', {}, fmtTime(a.timestamp)));
}

export async function deliveryPage(page, [hookID, msgID]) {
  page.id = 'delivery-page';
  const path = `/v1/webhooks/${enc(hookID)}/messages/${enc(msgID)}`;
  const summary = el('div');
  const attempts = el('div');
  let current = null;

  // show draws the delivery m and its attempts list.
  function show(m, list) {
    current = m;
    setCrumbs([['Webhooks', '#/webhooks'], [hookID, `#/webhooks/${enc(hookID)}`], [m.id]]);
    summary.replaceChildren(
      el('div', { class: 'page-head' }, el('h1', {}, 'Delivery ', el('span', { class: 'mono' }, m.id)),
        el('div', { class: 'status-badges', id: 'delivery-status' }, statusBadge(m.status)),
        el('div', { class: 'buttons' }, refresh, retry)),
      section('Delivery', dl([
        ['Event type', m.eventType, 'event-type'],
        ['Status', m.status],
        ['Attempts', m.attempts, 'attempt-count'],
        ['Response code', m.responseStatusCode ?? '–'],
        ['Created', fmtTime(m.timestamp)],
        ['Last attempt', fmtTime(m.lastAttempt, '–')],
        ['Next attempt', fmtTime(m.nextAttempt, '–')],
        ['Delivery ID', el('span', { class: 'mono' }, m.deliveryId)],
      ])),
      section('Payload', el('pre', { id: 'payload', class: 'code' }, JSON.stringify(m.payload, null, 2))));
    attempts.replaceChildren(section('Attempts',
      list.data.length
        ? table(['Attempt', 'Status', 'Response', 'Duration', 'Error class', 'Error', 'Trigger', 'Time'],
          list.data.map((a) => attemptRow(hookID, msgID, a)), { id: 'attempts' })
        : el('p', { class: 'muted', id: 'attempts' }, 'No attempts yet.')));
  }

  async function load(fresh) {
    const [m, list] = await Promise.all([read(path, { fresh }), read(`${path}/attempts?limit=250`, { fresh })]);
    show(m, list);
  }

  const refresh = el('button', { type: 'button', class: 'btn-secondary', id: 'refresh' }, 'Refresh');
  refresh.addEventListener('click', guard(refresh, () => load(true)));
  const retry = can('webhook:write') ? el('button', { type: 'button', class: 'btn-primary', id: 'retry' }, 'Retry now') : null;
  retry?.addEventListener('click', guard(retry, async () => {
    const before = current ? current.attempts : 0;
    const got = await call('POST', `/api/v0/webhooks/${enc(hookID)}/events/${enc(msgID)}/retry`);
    showNotice(`Retry queued: the delivery is ${got.status}; the next attempt is manual.`);
    // Follow the new attempt for about 20 s, so its outcome shows without a refresh: only the
    // delivery is asked, less often as time goes on (0.3, 0.6, 1.2, 2.4, then every 4 s); its
    // attempts once the new one is done.
    for (let i = 0, wait = 300; i < 9 && page.isConnected; i++, wait = Math.min(wait * 2, 4000)) {
      await sleep(wait);
      const m = await read(path, { fresh: true });
      if (m.attempts > before && m.status !== 'pending') {
        show(m, await read(`${path}/attempts?limit=250`, { fresh: true }));
        return;
      }
    }
    await load(true);
  }));
  page.append(summary, attempts);
  await load(false);
}
