// webhook.js: one webhook: header with active and health badges (hookd's verdict), the circuit
// breaker when it holds deliveries, Refresh and Edit, configuration, delivery statistics; then
// actions, the chart, diagnostics and recent deliveries. A view costs four requests (the
// webhook, diagnostics, the chart's stats, recent deliveries); visiting it again within half a
// minute costs none (api.js read), Refresh and actions read afresh.
import { enc, read, readAt } from './api.js';
import { dl, el, fmtMs, fmtTime, section } from './dom.js';
import { activeBadge, breakerNote, healthBadge, successRate } from './health.js';
import { actionsSection } from './actions.js';
import { chartSection } from './chart.js';
import { diagnosticsSection } from './diagnostics.js';
import { deliveriesSection } from './messages.js';
import { can } from './session.js';
import { guard, setCrumbs } from './ui.js';

function header(hook, reload) {
  const refresh = el('button', { type: 'button', class: 'btn-secondary', id: 'refresh' }, 'Refresh');
  refresh.addEventListener('click', guard(refresh, reload));
  const edit = can('webhook:write')
    ? el('a', { href: `#/webhooks/${enc(hook.id)}/edit`, class: 'btn btn-primary', id: 'edit' }, 'Edit webhook')
    : null;
  const breaker = breakerNote(hook);
  return el('div', {},
    el('div', { class: 'page-head' },
      el('h1', { id: 'webhook-name' }, hook.name || hook.id),
      el('div', { class: 'status-badges' }, activeBadge(hook.isActive), healthBadge(hook.health)),
      el('div', { class: 'buttons' }, refresh, edit)),
    breaker && el('p', { id: 'breaker', class: 'breaker-line' }, breaker));
}

function configSection(hook) {
  const yes = (b) => (b ? 'Yes' : 'No');
  // Custom header values can be the receiver's credentials: the page names them only.
  const headerNames = Object.keys(hook.headers || {});
  return section('Configuration', dl([
    ['ID', el('span', { class: 'mono' }, hook.id), 'config-id'],
    ['Numeric ID', hook.numeric_id],
    ['URL', el('span', { class: 'mono url' }, hook.url), 'config-url'],
    ['Description', hook.description || el('span', { class: 'muted' }, 'none'), 'config-description'],
    ['Event types', hook.event_types.length ? hook.event_types.join(', ') : 'All', 'config-event-types'],
    ['Encrypted', yes(hook.encrypted), 'config-encrypted'],
    ['Ordered', yes(hook.ordered)],
    ['Rate limit', hook.rate_limit ? `${hook.rate_limit} deliveries/s` : 'None'],
    ['Timeout', `${hook.timeout} s`],
    ['Retry schedule', (hook.retry_schedule || []).map((s) => `${s} s`).join(', ') || 'none'],
    ['Custom headers', headerNames.length ? headerNames.join(', ') : 'none'],
    ['Circuit breaker', hook.circuit_state, 'config-circuit'],
    ['Consecutive failures', hook.consecutive_failures, 'config-consecutive-failures'],
    ['Disabled reason', hook.disabled_reason || el('span', { class: 'muted' }, 'none')],
    ['App', hook.app ? `${hook.app.name} (${hook.app.id})` : ''],
    ['Created', fmtTime(hook.created_at)],
    ['Last updated', fmtTime(hook.updated_at)],
  ]));
}

function statsSection(s) {
  const tile = (field, label, value) => el('div', { class: 'stat-item' },
    el('div', { class: 'stat-value', id: `stat-${field}` }, value), el('div', { class: 'stat-label' }, label));
  return section('Delivery statistics', el('div', { class: 'stats-grid' },
    tile('total_events', 'Sent', s.total_events),
    tile('successful_deliveries', 'Successful', s.successful_deliveries),
    tile('failed_deliveries', 'Failed', s.failed_deliveries),
    tile('pending_deliveries', 'Pending (not sent yet)', s.pending_deliveries),
    tile('success_rate', 'Success rate', successRate(s)),
    tile('average_response_time', 'Average response time', fmtMs(s.average_response_time)),
    tile('last_24h_events', 'Events, last 24 h', s.last_24h_events),
    tile('last_24h_failures', 'Failures, last 24 h', s.last_24h_failures),
    tile('last_delivery', 'Last delivery', fmtTime(s.last_delivery))));
}

export async function webhookPage(page, [id]) {
  const base = `/api/v0/webhooks/${enc(id)}`;
  page.id = 'webhook-page';
  const parts = { head: el('div'), config: el('div'), stats: el('div'), actions: el('div'), diagnostics: el('div') };
  // Results of actions live outside what a reload redraws: a rotated secret is shown once, here.
  const results = el('div', { id: 'action-results' });
  const chart = chartSection(base);
  const deliveries = deliveriesSection(id);
  const updated = el('p', { class: 'muted', id: 'updated' });
  let loads = 0;

  async function load(fresh) {
    const [hook, diag] = await Promise.all([read(base, { fresh }), read(`${base}/diagnostics`, { fresh })]);
    const reload = () => load(true);
    setCrumbs([['Webhooks', '#/webhooks'], [hook.name || hook.id]]);
    parts.head.replaceChildren(header(hook, reload));
    parts.config.replaceChildren(configSection(hook));
    parts.stats.replaceChildren(statsSection(hook.delivery_stats));
    parts.actions.replaceChildren(actionsSection(hook, { base, reload, results }) ?? '');
    parts.diagnostics.replaceChildren(diagnosticsSection(diag));
    await Promise.all([chart.load(fresh), deliveries.load(fresh)]);
    loads++;
    page.dataset.loads = String(loads); // lets a watcher tell a finished refresh from a running one
    updated.replaceChildren('Updated ', fmtTime(readAt(base).toISOString()));
  }

  page.append(parts.head, updated, el('div', { class: 'columns' }, parts.config, parts.stats), parts.actions, results,
    chart.node, parts.diagnostics, deliveries.node);
  await load(false);
}
