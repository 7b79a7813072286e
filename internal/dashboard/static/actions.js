// actions.js: what the webhook page can do: send a test event, activate or deactivate, recover
// failed deliveries, rotate the signing secret, delete. Each shows its outcome and reloads the
// page. Only the actions the credential's scopes allow are shown.
import { call, enc } from './api.js';
import { el, fmtTime, localInput, section, sleep } from './dom.js';
import { can } from './session.js';
import { guard, noticeNext, showNotice } from './ui.js';

function testButton(hook, ctx) {
  const b = el('button', { type: 'button', class: 'btn-secondary', id: 'send-test' }, 'Send test event');
  b.addEventListener('click', guard(b, async () => {
    const ev = await call('POST', `${ctx.base}/test`);
    showNotice('Test event ', el('a', { href: `#/webhooks/${enc(hook.id)}/messages/${enc(ev.id)}`, id: 'test-event' }, ev.id),
      ` (${ev.event_type}) sent to this webhook.`);
    await ctx.reload();
  }));
  return b;
}

function activeButton(hook, ctx) {
  const b = el('button', { type: 'button', class: hook.isActive ? 'btn-danger' : 'btn-primary', id: 'toggle-active' },
    hook.isActive ? 'Deactivate' : 'Activate');
  b.addEventListener('click', guard(b, async () => {
    const got = await call('PATCH', ctx.base, { isActive: !hook.isActive });
    showNotice(got.isActive ? 'Webhook activated: queued deliveries resume.' : 'Webhook deactivated: deliveries wait until it is activated.');
    await ctx.reload();
  }));
  return b;
}

function recoverForm(ctx) {
  const since = el('input', { type: 'datetime-local', id: 'recover-since', step: '1', required: true,
    value: localInput(new Date(Date.now() - 24 * 3600e3)) });
  const until = el('input', { type: 'datetime-local', id: 'recover-until', step: '1' });
  const submit = el('button', { type: 'submit', class: 'btn-secondary', id: 'recover' }, 'Recover failed deliveries');
  const form = el('form', { class: 'inline-form', id: 'recover-form' },
    el('label', {}, 'Since ', since), el('label', {}, 'Until (optional) ', until), submit);
  form.addEventListener('submit', guard(submit, async () => {
    const body = { since: new Date(since.value).toISOString() };
    if (until.value) body.until = new Date(until.value).toISOString();
    let job = await call('POST', `${ctx.base}/recover`, body);
    const status = el('p', { id: 'recover-status' });
    const show = () => status.replaceChildren(`Recover job ${job.id}: `, el('strong', { class: 'job-status' }, job.status),
      `, ${job.requeued} of ${job.total} failed deliveries requeued (${job.progress}%).`);
    show();
    ctx.results.querySelector('#recover-status')?.remove();
    ctx.results.prepend(status);
    // The job runs in the background; follow it for about a minute, asking less often as it
    // goes on (0.5, 1, 2, 4, then every 5 s), so a long job costs a dozen requests, not a hundred.
    for (let i = 0, wait = 500; i < 16 && job.status !== 'completed' && status.isConnected; i++, wait = Math.min(wait * 2, 5000)) {
      await sleep(wait);
      job = await call('GET', `${ctx.base}/recover/${enc(job.id)}`);
      show();
    }
    await ctx.reload();
  }));
  return form;
}

function rotateForm(ctx) {
  const hours = el('input', { type: 'number', id: 'grace-hours', min: '0', max: '168', step: 'any', value: '24', required: true });
  const submit = el('button', { type: 'submit', class: 'btn-secondary', id: 'rotate-secret' }, 'Rotate signing secret');
  const form = el('form', { class: 'inline-form', id: 'rotate-form' },
    el('label', {}, 'Old secret keeps signing for (hours) ', hours), submit);
  form.addEventListener('submit', guard(submit, async () => {
    const got = await call('POST', `${ctx.base}/secret/rotate`, { grace_period: Number(hours.value) * 3600 });
    // Shown once: the secret lives in this element only, gone when the page is left.
    const hide = el('button', { type: 'button', class: 'btn-secondary' }, 'Hide');
    const box = el('div', { class: 'secret-box', id: 'secret-box' },
      el('p', {}, el('strong', {}, 'New signing secret'), ' (shown once: copy it to your receiver now)'),
      el('code', { id: 'new-secret', class: 'secret' }, got.signing_secret),
      el('p', { class: 'muted' }, got.previous_secret_expires_at
        ? ['The previous secret keeps signing beside it until ', fmtTime(got.previous_secret_expires_at), '.']
        : 'The previous secret no longer signs.'),
      hide);
    hide.addEventListener('click', () => box.remove());
    ctx.results.querySelector('#secret-box')?.remove();
    ctx.results.append(box);
    await ctx.reload();
  }));
  return form;
}

// deleteControl asks before it deletes: the first button only shows the confirm step.
function deleteControl(hook, ctx) {
  const start = el('button', { type: 'button', class: 'btn-danger', id: 'delete' }, 'Delete webhook');
  const confirm = el('button', { type: 'button', class: 'btn-danger', id: 'confirm-delete' }, 'Delete for good');
  const cancel = el('button', { type: 'button', class: 'btn-secondary', id: 'cancel-delete' }, 'Cancel');
  const ask = el('div', { class: 'confirm', id: 'delete-confirm', hidden: true },
    el('p', {}, 'Delete ', el('strong', {}, hook.name || hook.id), '? It stops receiving events at once. This cannot be undone.'),
    el('div', { class: 'buttons' }, confirm, cancel));
  const toggle = (asking) => {
    ask.hidden = !asking;
    start.hidden = asking;
  };
  start.addEventListener('click', () => toggle(true));
  cancel.addEventListener('click', () => toggle(false));
  confirm.addEventListener('click', guard(confirm, async () => {
    await call('DELETE', ctx.base);
    noticeNext('Webhook ', el('strong', {}, hook.name || hook.id), ' deleted.');
    location.hash = '#/webhooks';
  }));
  return el('div', {}, start, ask);
}

// actionsSection is null for a credential that may change nothing.
export function actionsSection(hook, ctx) {
  const write = can('webhook:write');
  const secret = can('webhook:secret');
  if (!write && !secret) return null;
  return section('Actions',
    write && [el('div', { class: 'buttons' }, testButton(hook, ctx), activeButton(hook, ctx)),
      el('h3', {}, 'Recover'),
      el('p', { class: 'muted' }, 'Requeue the failed deliveries created in a time window; they are sent again in the background.'),
      recoverForm(ctx)],
    secret && [el('h3', {}, 'Signing secret'),
      el('p', { class: 'muted' }, 'A new secret signs every delivery from now on; during the grace period the old one signs beside it.'),
      rotateForm(ctx)],
    write && [el('h3', {}, 'Delete'), deleteControl(hook, ctx)]);
}
