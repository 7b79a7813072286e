// retry.js: bulk retry on a webhook's recent deliveries: pick failed deliveries (or all failed
// ones listed), then retry each with the single-delivery retry call. The outcome names how many
// were queued and every delivery that was not, with the API's reason.
import { call, enc } from './api.js';
import { el } from './dom.js';
import { guard } from './ui.js';

// pickBox is the checkbox a failed delivery's row carries.
export const pickBox = (msgID) => el('input', { type: 'checkbox', class: 'pick', value: msgID, 'aria-label': `Select ${msgID}` });

// retryAll retries each id in turn; a rate limit stops the rest, which would be refused too.
async function retryAll(hookID, ids) {
  let queued = 0;
  const failed = [];
  for (const [i, id] of ids.entries()) {
    try {
      await call('POST', `/api/v0/webhooks/${enc(hookID)}/events/${enc(id)}/retry`);
      queued++;
    } catch (e) {
      failed.push([id, e.message]);
      if (e.status === 429) {
        for (const rest of ids.slice(i + 1)) failed.push([rest, 'not sent: the rate limit was reached']);
        break;
      }
    }
  }
  return { queued, failed };
}

function outcome(total, { queued, failed }) {
  return [
    el('p', { id: 'bulk-queued' }, `${queued} of ${total} retr${total === 1 ? 'y' : 'ies'} queued.`),
    failed.length ? el('ul', { id: 'bulk-errors', class: 'error' },
      failed.map(([id, msg]) => el('li', { 'data-message': id }, el('span', { class: 'mono' }, id), `: ${msg}`))) : null,
  ];
}

// bulkRetry returns the toolbar for the rows in tbody, and reset, to call when the rows change.
// reload reads the list again after the retries.
export function bulkRetry(hookID, tbody, reload) {
  const all = el('input', { type: 'checkbox', id: 'select-failed' });
  const go = el('button', { type: 'button', class: 'btn-primary', id: 'retry-selected', disabled: true }, 'Retry selected');
  const result = el('div', { id: 'bulk-result', role: 'status' });
  const picked = () => [...tbody.querySelectorAll('input.pick:checked')].map((b) => b.value);
  const count = () => {
    const n = picked().length;
    go.disabled = n === 0;
    go.textContent = n ? `Retry selected (${n})` : 'Retry selected';
  };
  all.addEventListener('change', () => {
    for (const b of tbody.querySelectorAll('input.pick')) b.checked = all.checked;
    count();
  });
  tbody.addEventListener('change', count);
  go.addEventListener('click', guard(go, async () => {
    const ids = picked();
    result.replaceChildren(el('p', { class: 'muted' }, `Retrying ${ids.length}…`));
    const got = await retryAll(hookID, ids);
    result.replaceChildren(...outcome(ids.length, got));
    await reload();
  }));
  const node = el('div', {},
    el('div', { class: 'inline-form bulk' }, el('label', { class: 'check' }, all, ' Select all failed'), go), result);
  const reset = () => {
    all.checked = false;
    count();
  };
  return { node, reset };
}
