// health.js: badges for a webhook's state as hookd reports it (active, health, circuit breaker)
// and for a delivery's status. The health verdict is the server's `health`, shown as it comes:
// the dashboard never judges a webhook itself, so it cannot disagree with the API.
import { badge, el, fmtTime } from './dom.js';

const labels = { healthy: 'Healthy', warning: 'Warning', critical: 'Critical', inactive: 'Inactive', no_activity: 'No activity' };

// healthBadge shows a verdict: the status, and the score when given (diagnostics shows it apart).
export function healthBadge({ status, score }) {
  return el('span', { class: 'health' }, badge(labels[status] || status, status, 'health-badge'),
    score === undefined ? null : el('span', { class: 'health-score', title: 'Health score, 0–100' }, `${score}/100`));
}

export const activeBadge = (active) => badge(active ? 'Active' : 'Inactive', active ? 'active' : 'inactive', 'status-badge');

// breakerNote says that a webhook's circuit breaker holds its deliveries, until when and after
// how many failures; while the breaker is closed there is nothing to say.
export function breakerNote(hook) {
  const state = hook.circuit_state;
  if (!state || state === 'closed') return null;
  const n = hook.consecutive_failures;
  return el('span', { class: `breaker breaker-${state}` }, 'Circuit breaker: ', state.replace('_', '-'),
    hook.circuit_until ? [' until ', fmtTime(hook.circuit_until)] : null,
    ` (${n} consecutive failure${n === 1 ? '' : 's'})`);
}

// successRate is the API's success_rate, or N/A before the first delivery is sent.
export const successRate = (s) => (s.total_events === 0 ? 'N/A' : `${s.success_rate}%`);

// statusBadge shows a delivery's or attempt's status.
export const statusBadge = (status) => badge(status, status, 'delivery-badge');
