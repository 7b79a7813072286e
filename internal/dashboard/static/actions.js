// actions.js: what the webhook page can do: send a test event, activate or deactivate, recover
// failed deliveries, rotate the signing secret. Each shows its outcome and reloads the page.
import { call, enc } from './api.js';
import { el, fmtTime, section } from './dom.js';
import { guard, showNotice } from './ui.js';

// localInput formats a time for a datetime-local input, in the viewer's zone.
function localInput(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
  const since = el('input', { type: 'datetime-local', id: 'recover-since', required: true, value: localInput(new Date(Date.now() - 24 * 3600e3)) });
  const until = el('input', { type: 'datetime-local', id: 'recover-until' });
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
    // The job runs in the background; follow it for up to a minute.
    for (let i = 0; i < 120 && job.status !== 'completed' && status.isConnected; i++) {
      await sleep(500);
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

export function actionsSection(hook, ctx) {
  return section('Actions',
    el('div', { class: 'buttons' }, testButton(hook, ctx), activeButton(hook, ctx)),
    el('h3', {}, 'Recover'),
    el('p', { class: 'muted' }, 'Requeue the failed deliveries created in a time window; they are sent again in the background.'),
    recoverForm(ctx),
    el('h3', {}, 'Signing secret'),
    el('p', { class: 'muted' }, 'A new secret signs every delivery from now on; during the grace period the old one signs beside it.'),
    rotateForm(ctx));
}
