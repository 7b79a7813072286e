// create.js: a new webhook (POST /api/v0/webhooks). The answer is the only one that carries
// the signing secret: it is shown here once, in this page's elements only, and gone when the
// page is left.
import { call, enc } from './api.js';
import { csv, el, section } from './dom.js';
import { can } from './session.js';
import { guard, setCrumbs } from './ui.js';

function created(hook) {
  const link = `#/webhooks/${enc(hook.id)}`;
  return section('Webhook created',
    el('p', {}, el('a', { href: link, id: 'created-link' }, hook.name), ' now receives ',
      hook.event_types.length ? hook.event_types.join(', ') : 'every event type', '.'),
    el('div', { class: 'secret-box', id: 'secret-box' },
      el('p', {}, el('strong', {}, 'Signing secret'), ' (shown once: copy it to your receiver now)'),
      el('code', { id: 'new-secret', class: 'secret' }, hook.signing_secret),
      hook.encryption_key ? [el('p', {}, el('strong', {}, 'Encryption key'), ' (shown once)'),
        el('code', { id: 'new-encryption-key', class: 'secret' }, hook.encryption_key)] : null),
    el('div', { class: 'buttons' }, el('a', { href: link, class: 'btn btn-primary' }, 'Open the webhook'),
      el('a', { href: '#/webhooks', class: 'btn btn-secondary' }, 'Back to the list')));
}

export async function createPage(page) {
  page.id = 'create-page';
  setCrumbs([['Webhooks', '#/webhooks'], ['New webhook']]);
  page.append(el('div', { class: 'page-head' }, el('h1', {}, 'New webhook')));
  if (!can('webhook:write')) {
    page.append(el('p', { class: 'muted', id: 'read-only' }, 'This session is read-only: it cannot create webhooks.'));
    return;
  }
  const input = (name, attrs = {}) => el('input', { id: `create-${name}`, name, ...attrs });
  const f = {
    url: input('url', { required: true, placeholder: 'https://example.com/webhooks' }),
    name: input('name', { required: true }),
    description: el('textarea', { id: 'create-description', name: 'description', rows: '3' }),
    event_types: input('event_types', { placeholder: 'all (or e.g. invoice.*, user.created)' }),
  };
  const save = el('button', { type: 'submit', class: 'btn-primary', id: 'create' }, 'Create webhook');
  const label = (text, field) => el('label', { for: field.id }, text);
  const form = el('form', { class: 'edit-form', id: 'create-form' },
    label('URL', f.url), f.url,
    label('Name', f.name), f.name,
    label('Description', f.description), f.description,
    label('Event types (comma-separated; empty for all)', f.event_types), f.event_types,
    el('div', { class: 'buttons' }, save, el('a', { href: '#/webhooks', class: 'btn btn-secondary' }, 'Cancel')));
  const box = section('Settings', form);
  form.addEventListener('submit', guard(save, async () => {
    const hook = await call('POST', '/api/v0/webhooks', {
      url: f.url.value.trim(), name: f.name.value.trim(), description: f.description.value, event_types: csv(f.event_types.value),
    });
    box.replaceWith(created(hook));
  }));
  page.append(box);
  f.url.focus();
}
