// Seed 001 (the document of GET /api/v0/webhooks/{id}): its React WebhookDetails example, exactly as printed there.
import React, { useState, useEffect } from 'react';
function WebhookDetails({ webhookId }) {
const [webhook, setWebhook] = useState(null);
const [loading, setLoading] = useState(true);
const [error, setError] = useState(null);
useEffect(() => {
if (webhookId) {
loadWebhook();
}
}, [webhookId]);
const loadWebhook = async () => {
try {
setLoading(true);
setError(null);
const response = await fetch(`/api/v0/webhooks/${webhookId}`, {
headers: {
'x-client-key': process.env.REACT_APP_CLIENT_KEY,
'x-client-secret': process.env.REACT_APP_CLIENT_SECRET
}
});
if (!response.ok) {
if (response.status === 404) {
throw new Error('Webhook not found');
}
throw new Error(`Failed to load webhook: ${response.statusText}`);
}
const webhookData = await response.json();
setWebhook(webhookData);
} catch (err) {
setError(err.message);
} finally {
setLoading(false);
}
};
const getStatusColor = (isActive) => {
return isActive ? '#28a745' : '#6c757d';
};
const getSuccessRate = (stats) => {
if (stats.total_events === 0) return 'N/A';
return `${((stats.successful_deliveries / stats.total_events) * 100).toFixed(1)}%`;
};
const getHealthStatus = (webhook) => {
if (!webhook.isActive) return { status: 'Inactive', color: '#6c757d' };
const stats = webhook.delivery_stats;
if (stats.total_events === 0) return { status: 'No Activity', color: '#ffc107' };
const failureRate = stats.failed_deliveries / stats.total_events;
if (failureRate > 0.1) return { status: 'Unhealthy', color: '#dc3545' };
if (failureRate > 0.05) return { status: 'Warning', color: '#fd7e14' };
return { status: 'Healthy', color: '#28a745' };
};
if (loading) return <div className="loading">Loading webhook details...</div>;
if (error) return <div className="error">Error: {error}</div>;
if (!webhook) return <div className="not-found">Webhook not found</div>;
const health = getHealthStatus(webhook);
return (
<div className="webhook-details">
<div className="webhook-header">
<h2>{webhook.name}</h2>
<div className="status-badges">
<span
className="status-badge"
style={{ backgroundColor: getStatusColor(webhook.isActive) }}
>
{webhook.isActive ? 'Active' : 'Inactive'}
</span>
<span
className="health-badge"
style={{ backgroundColor: health.color }}
>
{health.status}
</span>
</div>
</div>
<div className="webhook-info">
<div className="info-section">
<h3>Configuration</h3>
<div className="info-grid">
<div className="info-item">
<label>ID:</label>
<span className="monospace">{webhook.id}</span>
</div>
<div className="info-item">
<label>URL:</label>
<span className="url">{webhook.url}</span>
</div>
<div className="info-item">
<label>Encrypted:</label>
<span>{webhook.encrypted ? 'Yes' : 'No'}</span>
</div>
<div className="info-item">
<label>Created:</label>
<span>{new Date(webhook.created_at).toLocaleString()}</span>
</div>
<div className="info-item">
<label>Last Updated:</label>
<span>{new Date(webhook.updated_at).toLocaleString()}</span>
</div>
</div>
</div>
<div className="info-section">
<h3>Delivery Statistics</h3>
<div className="stats-grid">
<div className="stat-item">
<div className="stat-value">{webhook.delivery_stats.total_events}</div>
<div className="stat-label">Total Events</div>
</div>
<div className="stat-item">
<div className="stat-value">{webhook.delivery_stats.successful_deliveries}</div>
<div className="stat-label">Successful</div>
</div>
<div className="stat-item">
<div className="stat-value">{webhook.delivery_stats.failed_deliveries}</div>
<div className="stat-label">Failed</div>
</div>
<div className="stat-item">
<div className="stat-value">{getSuccessRate(webhook.delivery_stats)}</div>
<div className="stat-label">Success Rate</div>
</div>
<div className="stat-item">
<div className="stat-value">
{webhook.delivery_stats.last_delivery
? new Date(webhook.delivery_stats.last_delivery).toLocaleDateString()
: 'Never'
}
</div>
<div className="stat-label">Last Delivery</div>
</div>
</div>
</div>
</div>
<div className="webhook-actions">
<button onClick={loadWebhook} className="btn-secondary">
Refresh
</button>
<button
onClick={() => window.open(`/webhooks/${webhook.id}/edit`, '_blank')}
className="btn-primary"
>
Edit Webhook
</button>
</div>
</div>
);
}
