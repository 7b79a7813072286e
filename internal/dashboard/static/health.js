// health.js: the active and health badges.
import { badge } from './dom.js';

// healthOf is seed 001's status rule (analyzeWebhookPerformance), the one /diagnostics applies
// on the server. The list has no diagnostics per webhook, so it applies the rule to each
// webhook's delivery_stats rather than making one request per row.
export function healthOf(w) {
  const s = w.delivery_stats;
  if (!w.isActive) return 'inactive';
  if (!s || s.total_events === 0) return 'no_activity';
  const failureRate = (s.failed_deliveries / s.total_events) * 100;
  if (failureRate > 20) return 'critical';
  if (failureRate > 5) return 'warning';
  return 'healthy';
}

const labels = { healthy: 'Healthy', warning: 'Warning', critical: 'Critical', inactive: 'Inactive', no_activity: 'No activity' };

export const healthBadge = (status) => badge(labels[status] || status, status, 'health-badge');

export const activeBadge = (active) => badge(active ? 'Active' : 'Inactive', active ? 'active' : 'inactive', 'status-badge');

// successRate is the API's success_rate, or N/A before the first event, as 001's WebhookDetails shows it.
export const successRate = (s) => (s.total_events === 0 ? 'N/A' : `${s.success_rate}%`);

// statusBadge shows a delivery's or attempt's status.
export const statusBadge = (status) => badge(status, status, 'delivery-badge');
