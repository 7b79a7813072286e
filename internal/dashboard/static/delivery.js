// delivery.js: one event as delivered to one webhook: its payload, its attempts, and Retry.
import { call, enc } from './api.js';
import { dl, el, fmtMs, fmtTime, section, table } from './dom.js';
import { statusBadge } from './health.js';
import { guard, setCrumbs, showNotice } from './ui.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
  let listed = 0; // attempts in the list last loaded

  async function load() {
    const [m, list] = await Promise.all([call('GET', path), call('GET', `${path}/attempts?limit=250`)]);
    current = m;
    listed = list.data.length;
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

  const refresh = el('button', { type: 'button', class: 'btn-secondary', id: 'refresh' }, 'Refresh');
  refresh.addEventListener('click', guard(refresh, load));
  const retry = el('button', { type: 'button', class: 'btn-primary', id: 'retry' }, 'Retry now');
  retry.addEventListener('click', guard(retry, async () => {
    const before = current ? current.attempts : 0;
    const got = await call('POST', `/api/v0/webhooks/${enc(hookID)}/events/${enc(msgID)}/retry`);
    showNotice(`Retry queued: the delivery is ${got.status}; the next attempt is manual.`);
    // Follow the new attempt (for up to about 20 s), so its outcome shows without a refresh.
    for (let i = 0; i < 60 && page.isConnected; i++) {
      await load();
      // The two reads run side by side: the list may predate the attempt the summary counts.
      if (current.attempts > before && current.status !== 'pending' && listed >= current.attempts) return;
      await sleep(300);
    }
  }));
  page.append(summary, attempts);
  await load();
}
