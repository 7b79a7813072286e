# The Python WebhookInspector of the webhook monitoring guide, as printed there (its indentation
# restored), and a driver that runs analyze_webhook_health on each webhook id it is given and
# prints the results as one JSON object. Usage: webhook_inspector.py BASE_URL KEY SECRET ID...
import requests
from typing import Dict, Any, Optional
from datetime import datetime, timedelta


class WebhookInspector:
    def __init__(self, client_key: str, client_secret: str, base_url: str):
        self.client_key = client_key
        self.client_secret = client_secret
        self.base_url = base_url

    def _get_headers(self) -> Dict[str, str]:
        return {
            'x-client-key': self.client_key,
            'x-client-secret': self.client_secret
        }

    def get_webhook(self, webhook_id: str) -> Optional[Dict[str, Any]]:
        """Fetch a specific webhook by ID"""
        try:
            response = requests.get(
                f"{self.base_url}/api/v0/webhooks/{webhook_id}",
                headers=self._get_headers()
            )
            if response.status_code == 200:
                return response.json()
            elif response.status_code == 404:
                return None
            else:
                response.raise_for_status()
        except requests.exceptions.RequestException as e:
            print(f"Error fetching webhook {webhook_id}: {e}")
            raise

    def analyze_webhook_health(self, webhook_id: str) -> Dict[str, Any]:
        """Analyze webhook health and performance"""
        webhook = self.get_webhook(webhook_id)
        if not webhook:
            return {
                'webhook_id': webhook_id,
                'status': 'not_found',
                'health_score': 0,
                'issues': ['Webhook not found'],
                'recommendations': ['Verify webhook ID is correct']
            }
        stats = webhook['delivery_stats']
        issues = []
        recommendations = []
        health_score = 100  # Start with perfect score
        # Check if webhook is active
        if not webhook['isActive']:
            issues.append('Webhook is inactive')
            recommendations.append('Activate webhook to receive events')
            health_score -= 50
        # Check delivery success rate
        if stats['total_events'] > 0:
            failure_rate = stats['failed_deliveries'] / stats['total_events']
            if failure_rate > 0.2:  # > 20% failure rate
                issues.append(f"High failure rate: {failure_rate*100:.1f}%")
                recommendations.append('Check endpoint availability and response codes')
                health_score -= 30
            elif failure_rate > 0.05:  # > 5% failure rate
                issues.append(f"Moderate failure rate: {failure_rate*100:.1f}%")
                recommendations.append('Monitor endpoint performance')
                health_score -= 15
        # Check for recent activity
        if stats['last_delivery']:
            last_delivery = datetime.fromisoformat(stats['last_delivery'].replace('Z', '+00:00'))
            hours_since_last = (datetime.now().astimezone() - last_delivery).total_seconds() / 3600
            if hours_since_last > 48:
                issues.append(f"No activity for {int(hours_since_last)} hours")
                recommendations.append('Verify events are being triggered')
                health_score -= 10
        # Check URL security
        if not webhook['url'].startswith('https://'):
            issues.append('Using insecure HTTP protocol')
            recommendations.append('Use HTTPS for webhook URLs')
            health_score -= 10
        # Determine overall status
        if health_score >= 90:
            status = 'excellent'
        elif health_score >= 70:
            status = 'good'
        elif health_score >= 50:
            status = 'warning'
        else:
            status = 'critical'
        return {
            'webhook_id': webhook_id,
            'webhook_name': webhook['name'],
            'status': status,
            'health_score': max(0, health_score),
            'is_active': webhook['isActive'],
            'encrypted': webhook['encrypted'],
            'total_events': stats['total_events'],
            'success_rate': (stats['successful_deliveries'] / max(stats['total_events'], 1)) * 100,
            'failure_rate': (stats['failed_deliveries'] / max(stats['total_events'], 1)) * 100,
            'last_delivery': stats['last_delivery'],
            'issues': issues,
            'recommendations': recommendations
        }


if __name__ == '__main__':
    import json
    import sys
    base_url, key, secret = sys.argv[1:4]
    inspector = WebhookInspector(key, secret, base_url)
    print(json.dumps({wid: inspector.analyze_webhook_health(wid) for wid in sys.argv[4:]}))
