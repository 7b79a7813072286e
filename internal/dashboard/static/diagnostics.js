// diagnostics.js: GET …/diagnostics as the server computes it: status, score, the breaker,
// tiers, failures by cause with advice, issues and recommendations.
import { dl, el, fmtMs, fmtTime, section, table } from './dom.js';
import { healthBadge } from './health.js';

const list = (id, items, none) => (items.length
  ? el('ul', { id }, items.map((i) => el('li', {}, i)))
  : el('p', { id, class: 'muted' }, none));

export function diagnosticsSection(d) {
  const m = d.metrics;
  const causes = d.failures.by_cause;
  return section('Diagnostics',
    el('div', { class: 'diag-head' }, healthBadge({ status: d.status }),
      el('span', { class: 'score' }, 'Health score ', el('strong', { id: 'health-score' }, d.health_score), '/100')),
    dl([
      ['Status', d.status, 'diag-status'],
      ['Circuit breaker', d.circuit_state, 'diag-circuit'],
      ['Consecutive failures', d.consecutive_failures, 'diag-consecutive-failures'],
      ['Success rate tier', d.tiers.success_rate || '–', 'tier-success-rate'],
      ['Response time tier', d.tiers.response_time || '–', 'tier-response-time'],
      ['Activity', d.tiers.activity, 'tier-activity'],
      ['Failure rate', `${m.failure_rate}%`, 'diag-failure-rate'],
      ['Average response time', fmtMs(m.average_response_time)],
      ['Hours since last delivery', m.hours_since_last_delivery ?? '–'],
      ['Checked', fmtTime(d.checked_at)],
    ]),
    el('h3', {}, 'Failures by cause'),
    causes.length
      ? [el('p', { class: 'muted' }, `${d.failures.failed} failed among the latest ${d.failures.sampled_attempts} attempts.`),
        table(['Cause', 'Count', 'Advice'], causes.map((c) => el('tr', { 'data-cause': c.cause },
          el('td', { class: 'mono' }, c.cause), el('td', { class: 'num' }, c.count), el('td', {}, c.advice))), { id: 'failure-causes' })]
      : el('p', { class: 'muted', id: 'failure-causes' }, `No failures among the latest ${d.failures.sampled_attempts} attempts.`),
    el('h3', {}, 'Issues'), list('issues', d.issues, 'None.'),
    el('h3', {}, 'Recommendations'), list('recommendations', d.recommendations, 'None.'));
}
