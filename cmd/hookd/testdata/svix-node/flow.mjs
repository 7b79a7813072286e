// A Node service moving from Svix to hookd, with Svix's own JavaScript SDK pointed at hookd
// (serverUrl) and nothing else changed: the catalog, an application with a uid, an endpoint,
// messages, pages of messages and attempts, resend, stats, recover, secret rotation, a portal token.
//
// The environment names hookd (HOOKD_URL), an operator's token (HOOKD_TOKEN) and the
// receiver the endpoint points at (RECEIVER_URL). Each request the receiver gets arrives on
// stdin as one JSON line, {"headers": {...}, "body": "..."}, and is checked here with Svix's
// verifier. On success one JSON line of results goes to stdout; on failure a message goes to
// stderr and the exit status is 1.
import { createInterface } from "node:readline";
import { Svix, Webhook, ApiException } from "svix";

const serverUrl = need("HOOKD_URL");
const svix = new Svix(need("HOOKD_TOKEN"), { serverUrl });
const receiver = need("RECEIVER_URL");

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

function check(cond, what, got) {
  if (!cond) throw new Error(`${what}: got ${JSON.stringify(got)}`);
}

// deliveries yields what the receiver got, in order.
const deliveries = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function nextDelivery(what) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing delivered within 15s`)), 15000);
  });
  try {
    const { value, done } = await Promise.race([deliveries.next(), late]);
    if (done) throw new Error(`${what}: stdin closed before a delivery`);
    return JSON.parse(value);
  } finally {
    clearTimeout(timer);
  }
}

// verified waits for the next delivery, checks it with Svix's verifier and returns its payload
// and the message id hookd signed it with.
async function verified(what, secret) {
  const d = await nextDelivery(what);
  try {
    new Webhook(secret).verify(d.body, d.headers);
  } catch (e) {
    throw new Error(`${what}: Svix's Webhook.verify refuses the delivery (${e.message}); headers ${JSON.stringify(d.headers)}`);
  }
  return { id: d.headers["svix-id"] ?? d.headers["webhook-id"], payload: JSON.parse(d.body) };
}

// status is the HTTP status of a call that should fail, as the SDK reports it.
async function status(call) {
  try {
    await call();
  } catch (e) {
    if (e instanceof ApiException) return { code: e.code, body: e.body };
    throw e;
  }
  return { code: 0 };
}

// pages lists everything with list({limit, iterator}), page by page, until done, and returns
// key of each item and the number of pages.
async function pages(list, limit, key = (x) => x.id) {
  const ids = [];
  let iterator;
  let n = 0;
  for (;;) {
    const page = await list({ limit, iterator });
    n++;
    check(page.data.length <= limit, `a page of at most ${limit}`, page.data.length);
    ids.push(...page.data.map(key));
    if (page.done) return { ids, pages: n };
    check(page.iterator, "an iterator on a page that is not done", page);
    check(n < 20, "fewer than 20 pages", n);
    iterator = page.iterator;
  }
}

async function main() {
  const eventType = await svix.eventType.create({ name: "invoice.paid", description: "An invoice was paid" });
  const app = await svix.application.create({ name: "Customer 1", uid: "customer-1", metadata: { plan: "pro" } });
  const endpoint = await svix.endpoint.create("customer-1", { url: `${receiver}/hook`, uid: "main", description: "Billing" });
  const secret = await svix.endpoint.getSecret("customer-1", "main");

  // Four messages, each delivered and verified before the next is sent.
  const first = await svix.message.create("customer-1", { eventType: "invoice.paid", eventId: "evt-0", payload: { n: 0 } });
  const delivered = [await verified("the first message", secret.key)];
  const sent = [first.id];
  for (let n = 1; n <= 3; n++) {
    const msg = await svix.message.create("customer-1", { eventType: "invoice.paid", payload: { n } });
    sent.push(msg.id);
    delivered.push(await verified(`message ${n}`, secret.key));
  }

  const messages = await pages((o) => svix.message.list("customer-1", o), 3);
  const attempts = await pages((o) => svix.messageAttempt.listByEndpoint("customer-1", "main", o), 3, (a) => a.msgId);

  // Resend the first message: a manual attempt, delivered again.
  await svix.messageAttempt.resend("customer-1", first.id, "main");
  delivered.push(await verified("the resend", secret.key));
  let byMsg;
  for (let i = 0; i < 200; i++) {
    byMsg = await svix.messageAttempt.listByMsg("customer-1", first.id);
    if (byMsg.data.length === 2) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  check(byMsg.data.length === 2, "two attempts of the first message after the resend", byMsg.data);

  const stats = await svix.endpoint.getStats("customer-1", "main");
  // Recover: send again what failed in the last hour (nothing did), as a background task.
  const recovered = await svix.endpoint.recover("customer-1", "main", { since: new Date(Date.now() - 3600_000) });

  // Rotate: the next delivery verifies with the new secret.
  await svix.endpoint.rotateSecret("customer-1", "main", {});
  const rotated = await svix.endpoint.getSecret("customer-1", "main");
  const last = await svix.message.create("customer-1", { eventType: "invoice.paid", payload: { n: 9 } });
  sent.push(last.id);
  delivered.push(await verified("the message after rotation", rotated.key));

  // A portal token sees its own application's endpoints, and another application not at all.
  const other = await svix.application.create({ name: "Customer 2", uid: "customer-2" });
  const access = await svix.authentication.appPortalAccess("customer-1", {});
  const portal = new Svix(access.token, { serverUrl });
  const portalEndpoints = await portal.endpoint.list(app.id);
  const portalOther = await status(() => portal.endpoint.list(other.id));

  const missing = await status(() => svix.application.get("no-such-app"));

  console.log(JSON.stringify({
    eventType: eventType.name,
    app: { id: app.id, uid: app.uid, metadata: app.metadata },
    endpoint: { id: endpoint.id, uid: endpoint.uid, url: endpoint.url },
    secret: secret.key,
    rotatedSecret: rotated.key,
    firstMessage: { id: first.id, eventId: first.eventId, eventType: first.eventType },
    sent,
    delivered,
    messages,
    attempts, // the message of each attempt
    resend: byMsg.data.map((a) => ({ msgId: a.msgId, endpointId: a.endpointId, triggerType: a.triggerType, status: a.status, responseStatusCode: a.responseStatusCode })),
    stats,
    recover: { id: recovered.id, status: recovered.status, task: recovered.task },
    portal: { url: access.url, endpoints: portalEndpoints.data.map((e) => e.id), otherApp: portalOther.code },
    missingApp: { code: missing.code, error: missing.body?.code },
  }));
}

main().then(
  () => process.exit(0),
  (e) => {
    const body = e instanceof ApiException ? ` ${JSON.stringify(e.body)}` : "";
    console.error(`flow.mjs: ${e.stack ?? e}${body}`);
    process.exit(1);
  },
);
