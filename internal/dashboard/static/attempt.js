// attempt.js: one attempt in full: what came back and the headers that were sent.
import { enc, read } from './api.js';
import { dl, el, fmtMs, fmtTime, pretty, section, table } from './dom.js';
import { statusBadge } from './health.js';
import { setCrumbs } from './ui.js';

const headers = (id, h) => {
  const names = Object.keys(h).sort();
  return names.length
    ? table(['Header', 'Value'], names.map((n) => [el('span', { class: 'mono' }, n), el('span', { class: 'mono' }, h[n])]), { id })
    : el('p', { class: 'muted', id }, 'None.');
};

export async function attemptPage(page, [hookID, msgID, attemptID]) {
  page.id = 'attempt-page';
  const a = await read(`/v1/webhooks/${enc(hookID)}/messages/${enc(msgID)}/attempts/${enc(attemptID)}`);
  setCrumbs([['Webhooks', '#/webhooks'], [hookID, `#/webhooks/${enc(hookID)}`],
    [msgID, `#/webhooks/${enc(hookID)}/messages/${enc(msgID)}`], [`Attempt #${a.attemptNumber}`]]);
  page.append(
    el('div', { class: 'page-head' }, el('h1', {}, `Attempt #${a.attemptNumber}`),
      el('div', { class: 'status-badges' }, statusBadge(a.status))),
    section('Attempt', dl([
      ['Response code', a.responseStatusCode || '–', 'response-code'],
      ['Duration', fmtMs(a.responseDurationMs)],
      ['Error class', a.errorClass ?? '–'],
      ['Error', a.error ?? '–', 'attempt-error'],
      ['Trigger', a.trigger, 'attempt-trigger'],
      ['Time', fmtTime(a.timestamp)],
      ['ID', el('span', { class: 'mono' }, a.id)],
    ])),
    section('Response body',
      a.responseTruncated ? el('p', { class: 'muted' }, 'Truncated: hookd keeps the first 64 KiB.') : null,
      a.responseEncoding ? el('p', { class: 'muted', id: 'response-encoding' }, `Not text: shown ${a.responseEncoding}-encoded.`) : null,
      el('pre', { id: 'response', class: 'code' }, a.response && !a.responseEncoding ? pretty(a.response) : a.response)),
    section('Response headers', headers('response-headers', a.responseHeaders)),
    section('Request headers', headers('request-headers', a.requestHeaders)));
}
