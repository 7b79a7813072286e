// edit.js: change a webhook's settings with PATCH; only the fields that changed are sent.
import { call, enc, read } from './api.js';
import { csv, el, section } from './dom.js';
import { can } from './session.js';
import { guard, setCrumbs } from './ui.js';

export async function editPage(page, [id]) {
  page.id = 'edit-page';
  const base = `/api/v0/webhooks/${enc(id)}`;
  const hook = await read(base); // usually the webhook page's answer, just read
  setCrumbs([['Webhooks', '#/webhooks'], [hook.name || hook.id, `#/webhooks/${enc(id)}`], ['Edit']]);
  if (!can('webhook:write')) {
    page.append(el('p', { class: 'muted', id: 'read-only' }, 'This session is read-only: it cannot change webhooks.'));
    return;
  }
  const input = (name, value, attrs = {}) => el('input', { id: `edit-${name}`, name, value, ...attrs });
  const f = {
    name: input('name', hook.name, { required: true }),
    url: input('url', hook.url, { required: true }), // plain text: the API's own message explains a bad URL
    description: el('textarea', { id: 'edit-description', name: 'description', rows: '3' }, hook.description),
    event_types: input('event_types', hook.event_types.join(', '), { placeholder: 'all (or e.g. invoice.*, user.created)' }),
    rate_limit: input('rate_limit', hook.rate_limit, { type: 'number', min: '0', step: '1' }),
    timeout: input('timeout', hook.timeout, { type: 'number', min: '1', step: 'any' }),
    retry_schedule: input('retry_schedule', (hook.retry_schedule || []).join(', '), { placeholder: 'seconds, e.g. 0, 5, 300' }),
    ordered: input('ordered', undefined, { type: 'checkbox', checked: hook.ordered }),
  };
  // The value each field sends, in the API's types.
  const values = () => ({
    name: f.name.value.trim(),
    url: f.url.value.trim(),
    description: f.description.value,
    event_types: csv(f.event_types.value),
    rate_limit: Number(f.rate_limit.value),
    timeout: Number(f.timeout.value),
    retry_schedule: csv(f.retry_schedule.value).map(Number),
    ordered: f.ordered.checked,
  });
  const original = JSON.parse(JSON.stringify({ ...values() }));
  const save = el('button', { type: 'submit', class: 'btn-primary', id: 'save' }, 'Save');
  const label = (text, field) => el('label', { for: field.id }, text);
  const form = el('form', { class: 'edit-form', id: 'edit-form' },
    label('Name', f.name), f.name,
    label('URL', f.url), f.url,
    label('Description', f.description), f.description,
    label('Event types (comma-separated; empty for all)', f.event_types), f.event_types,
    label('Rate limit (deliveries/s, 0 for none)', f.rate_limit), f.rate_limit,
    label('Timeout (seconds)', f.timeout), f.timeout,
    label('Retry schedule (seconds between retries)', f.retry_schedule), f.retry_schedule,
    el('label', { class: 'check' }, f.ordered, ' Ordered: one delivery at a time, in event order'),
    el('div', { class: 'buttons' }, save, el('a', { href: `#/webhooks/${enc(id)}`, class: 'btn btn-secondary' }, 'Cancel')));
  form.addEventListener('submit', guard(save, async () => {
    const now = values();
    const changed = {};
    for (const k of Object.keys(now)) {
      if (JSON.stringify(now[k]) !== JSON.stringify(original[k])) changed[k] = now[k];
    }
    if (Object.keys(changed).length > 0) await call('PATCH', base, changed);
    location.hash = `#/webhooks/${enc(id)}`;
  }));
  page.append(el('div', { class: 'page-head' }, el('h1', {}, 'Edit webhook')), section('Settings', form));
}
