// A platform's own page that lists a customer's endpoints and messages with svix-react's hooks,
// as svix-react's README shows, talking to hookd instead of Svix. TestSvixReact builds it with
// esbuild, which sets process.env.HOOKD_SERVER_URL, HOOKD_PORTAL_TOKEN and HOOKD_APP_ID.
import { createRoot } from 'react-dom/client';
import { SvixProvider, useEndpoints, useMessages } from 'svix-react';

// Made once: SvixProvider makes a new Svix client whenever its options object changes.
const options = { serverUrl: process.env.HOOKD_SERVER_URL };

// state is where a list hook stands, for the test to wait on.
function state(list) {
  if (list.loading) return 'loading';
  if (list.error) return 'error';
  return list.data ? 'loaded' : 'waiting';
}

// describe names a hook's error: the SDK's ApiException carries the HTTP status as code; a
// request the browser refused is a TypeError.
function describe(e) {
  return e.code ? `HTTP ${e.code}` : String(e);
}

function Endpoints() {
  const endpoints = useEndpoints();
  return (
    <section id="endpoints" data-state={state(endpoints)}>
      <h2>Endpoints</h2>
      {endpoints.error && <p className="error">{describe(endpoints.error)}</p>}
      <ul>
        {endpoints.data?.map((ep) => (
          <li key={ep.id} className="endpoint">{ep.url}</li>
        ))}
      </ul>
    </section>
  );
}

function Messages() {
  const messages = useMessages({ limit: 2 });
  return (
    <section id="messages" data-state={state(messages)}>
      <h2>Messages</h2>
      {messages.error && <p className="error">{describe(messages.error)}</p>}
      <ul>
        {messages.data?.map((m) => (
          <li key={m.id} className="message" data-event-type={m.eventType}>{m.id}</li>
        ))}
      </ul>
      <button id="prev" disabled={!messages.hasPrevPage} onClick={messages.prevPage}>Previous page</button>
      <button id="next" disabled={!messages.hasNextPage} onClick={messages.nextPage}>Next page</button>
    </section>
  );
}

createRoot(document.getElementById('root')).render(
  <SvixProvider token={process.env.HOOKD_PORTAL_TOKEN} appId={process.env.HOOKD_APP_ID} options={options}>
    <Endpoints />
    <Messages />
  </SvixProvider>,
);
