// Appended to WebhookDetails.jsx to make the bundle's one entry, as an app's own code would:
// renders the component for the webhook whose id follows the page URL's '#'.
import { createRoot } from 'react-dom/client';

createRoot(document.getElementById('root')).render(<WebhookDetails webhookId={location.hash.slice(1)} />);
