// Typed provider actions end to end (issue 4): the real binary's admin API runs each provider's
// actions through its pipeline against the provider simulator (`wharf mock`); the simulator's
// journal shows what the provider would have received. Anthropic's event stream is relayed to the
// caller as it arrives.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

import { Wharf } from './lib/harness.mjs';
import { Mock } from './lib/mock.mjs';

let mock;
let wharf;

before(async () => {
  mock = await Mock.start();
  const at = (path) => `${mock.baseUrl}${path}`;
  wharf = await Wharf.start({
    config: {
      providers: {
        stripe: { base_url: at('/v1'), credentials: { type: 'bearer', value: 'sk_test_x' } },
        sendgrid: { base_url: at('/v3'), credentials: { type: 'bearer', value: 'SG.simulated-key' } },
        apollo: { base_url: at('/v1'), credentials: { type: 'api_key', in: 'body', name: 'api_key', value: 'apollo_x' } },
        anthropic: {
          base_url: at('/v1'),
          credentials: { type: 'api_key', in: 'header', name: 'x-api-key', value: 'sk-ant-x' },
          retry: { max_attempts: 1 },
        },
        slack: { base_url: at('/api'), credentials: { type: 'bearer', value: 'xoxb-x' } },
        neverbounce: { base_url: at('/v4'), credentials: { type: 'api_key', in: 'query', name: 'key', value: 'nb_x' } },
        gmail: { base_url: at('/gmail/v1'), credentials: { type: 'bearer', value: 'ya29.x' } },
        google_calendar: { base_url: at('/calendar/v3'), credentials: { type: 'bearer', value: 'ya29.x' } },
      },
    },
  });
});

after(async () => {
  await wharf?.stop();
  await mock?.stop();
});

const action = (provider, name, input) => wharf.api(`/providers/${provider}/actions/${name}`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input),
});

test('GET /providers lists every provider with its kind and actions', async () => {
  const r = await wharf.api('/providers');
  assert.equal(r.status, 200);
  const byName = Object.fromEntries(r.json.providers.map((p) => [p.name, p]));
  assert.deepEqual(byName.stripe.actions.map((a) => a.name).sort(), ['customer_create', 'subscription_cancel', 'subscription_create']);
  assert.equal(byName.anthropic.actions.find((a) => a.name === 'messages').streams, true);
  assert.equal(byName.google_calendar.kind, 'google_calendar');
  assert.equal(byName.sendgrid.credentials, 'bearer');
  assert.equal(byName.sendgrid.breaker.state, 'closed');
});

test('SendGrid mail_send carries the outreach id in custom_args and X-Outreach-ID', async () => {
  await mock.clearRequests();
  const r = await action('sendgrid', 'mail_send', {
    from: { email: 'ana@roleferry.example', name: 'Ana' }, to: 'hiring@acme.example', subject: 'Hello',
    html: '<p>Hi</p>', reply_to: 'ana@reply.roleferry.example', outreach_id: 'out_42',
  });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.message_id);
  const [seen] = await mock.requests('POST /v3/mail/send');
  const body = JSON.parse(seen.body);
  assert.equal(body.custom_args.outreach_id, 'out_42');
  assert.equal(body.headers['X-Outreach-ID'], 'out_42');
  assert.equal(seen.headers['x-outreach-id'], 'out_42');
  assert.equal(body.from.email, 'ana@roleferry.example');
  assert.equal(body.reply_to.email, 'ana@reply.roleferry.example');
  assert.equal(seen.headers.authorization, 'Bearer SG.simulated-key');
});

test('Stripe: customer, subscription (default_incomplete, expanded invoice), cancel at period end', async () => {
  await mock.clearRequests();
  const customer = await action('stripe', 'customer_create', { email: 'ana@roleferry.example', name: 'Ana', metadata: { user_id: 'u1' } });
  assert.equal(customer.status, 200, customer.text);
  assert.match(customer.json.id, /^cus_/);
  const sub = await action('stripe', 'subscription_create', { customer: customer.json.id, price: 'price_pro' });
  assert.equal(sub.status, 200, sub.text);
  assert.match(sub.json.id, /^sub_/);
  assert.equal(sub.json.status, 'incomplete');
  const cancel = await action('stripe', 'subscription_cancel', { id: sub.json.id });
  assert.equal(cancel.status, 200, cancel.text);
  assert.equal(cancel.json.cancel_at_period_end, true);
  const seen = await mock.requests('POST /v1/*');
  assert.equal(seen.length, 3);
  const form = new URLSearchParams(seen[1].body);
  assert.equal(form.get('payment_behavior'), 'default_incomplete');
  assert.ok(form.getAll('expand[]').some((e) => e.startsWith('latest_invoice')));
  assert.equal(new URLSearchParams(seen[2].body).get('cancel_at_period_end'), 'true');
  for (const s of seen) {
    assert.match(s.headers['content-type'], /application\/x-www-form-urlencoded/);
    assert.match(s.headers['idempotency-key'], /^[0-9a-f-]{36}$/);
  }
  assert.equal(new Set(seen.map((s) => s.headers['idempotency-key'])).size, 3, 'one key per logical call');
});

test('Apollo people_search sends the key in the body and returns people', async () => {
  await mock.clearRequests();
  const r = await action('apollo', 'people_search', { domain: 'acme.example', person_titles: ['VP Engineering'], per_page: 5 });
  assert.equal(r.status, 200, r.text);
  assert.ok(Array.isArray(r.json.people) && r.json.people.length > 0);
  const [seen] = await mock.requests('POST /v1/mixed_people/search');
  const body = JSON.parse(seen.body);
  assert.equal(body.api_key, 'apollo_x');
  assert.deepEqual(body.person_titles, ['VP Engineering']);
});

test('Anthropic messages: whole, and streamed to the caller as the events arrive', async () => {
  const input = { model: 'claude-sonnet-4-5', max_tokens: 200, messages: [{ role: 'user', content: 'Draft an intro' }] };
  const whole = await action('anthropic', 'messages', input);
  assert.equal(whole.status, 200, whole.text);
  assert.ok(whole.json.text.length > 0);

  await mock.addFault({ route: 'POST /v1/messages', stream_delay_ms: 60, times: 1 });
  const t0 = Date.now();
  const res = await fetch(wharf.url('/api/v1/providers/anthropic/actions/messages'), {
    method: 'POST',
    headers: { authorization: `Bearer ${wharf.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...input, stream: true }),
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/event-stream/);
  const arrivals = [];
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    arrivals.push(Date.now() - t0);
    text += decoder.decode(chunk, { stream: true });
  }
  assert.ok(text.startsWith('event: message_start'), text.slice(0, 80));
  assert.ok(text.trimEnd().endsWith('data: {"type":"message_stop"}'));
  const events = text.split('\n\n').filter((e) => e.startsWith('event: '));
  assert.ok(events.length >= 8, `${events.length} events`);
  assert.ok(arrivals.length >= 5, `arrived in ${arrivals.length} reads`);
  // Relayed as they come: the first event well before the last one was produced.
  assert.ok(arrivals.at(-1) - arrivals[0] >= 60 * (events.length - 2), JSON.stringify(arrivals));
});

test('a streamed action that fails before its first byte is a JSON error', async () => {
  await mock.addFault({ route: 'POST /v1/messages', status: 529, times: 1, body: JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }) });
  const r = await action('anthropic', 'messages', { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], stream: true });
  assert.equal(r.status, 502, r.text);
  assert.equal(r.json.provider, 'anthropic');
  assert.equal(r.json.upstream_status, 529);
  assert.doesNotMatch(r.text, /Overloaded/);
});

test('Slack chat_post_message, and Slack\'s ok:false as a clear rejection', async () => {
  const ok = await action('slack', 'chat_post_message', { channel: '#alerts', text: 'spam report on out_42' });
  assert.equal(ok.status, 200, ok.text);
  assert.ok(ok.json.ts);
  await mock.addFault({ route: 'POST /api/chat.postMessage', status: 200, times: 1, body: JSON.stringify({ ok: false, error: 'channel_not_found' }) });
  const bad = await action('slack', 'chat_post_message', { channel: '#nope', text: 'x' });
  assert.equal(bad.status, 502, bad.text);
  assert.equal(bad.json.kind, 'rejected');
  assert.match(bad.json.error, /channel_not_found/);
});

test('NeverBounce bulk_verify creates a job, polls it and pages the results', async () => {
  const r = await action('neverbounce', 'bulk_verify', {
    emails: ['ana@acme.example', 'invalid.person@acme.example', 'catchall@acme.example'], poll_interval_ms: 20,
  });
  assert.equal(r.status, 200, r.text);
  const results = Object.fromEntries(r.json.results.map((x) => [x.email, x.result]));
  assert.equal(results['ana@acme.example'], 'valid');
  assert.equal(results['invalid.person@acme.example'], 'invalid');
  assert.equal(results['catchall@acme.example'], 'catchall');
});

test('Gmail send builds a base64url RFC 2822 message', async () => {
  await mock.clearRequests();
  const r = await action('gmail', 'send', { from: 'ana@roleferry.example', to: 'hiring@acme.example', subject: 'Following up', text: 'Hello again', in_reply_to: '<m1@acme.example>' });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.id);
  const [seen] = await mock.requests('POST /gmail/v1/users/me/messages/send');
  const raw = Buffer.from(JSON.parse(seen.body).raw, 'base64url').toString('utf8');
  assert.match(raw, /^Subject: Following up\r$/m);
  assert.match(raw, /^In-Reply-To: <m1@acme.example>\r$/m);
  const injected = await action('gmail', 'send', { from: 'a@b.example', to: 'c@d.example', subject: 'x\r\nBcc: evil@x.example', text: 'y' });
  assert.equal(injected.status, 400, injected.text);
  assert.match(injected.json.error, /^subject/);
});

test('Google Calendar events_list follows every page', async () => {
  const r = await action('google_calendar', 'events_list', { max_results: 10 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.items.length, 25);
  assert.equal(new Set(r.json.items.map((e) => e.id)).size, 25);
  assert.ok(r.json.next_sync_token);
  // Stopped by max_pages, then resumed from its token.
  const first = await action('google_calendar', 'events_list', { max_results: 10, max_pages: 1 });
  assert.equal(first.json.items.length, 10);
  assert.ok(first.json.next_page_token);
  const rest = await action('google_calendar', 'events_list', { max_results: 10, page_token: first.json.next_page_token });
  assert.equal(rest.json.items.length, 15);
  assert.deepEqual([...first.json.items, ...rest.json.items].map((e) => e.id), r.json.items.map((e) => e.id));
});

test('bad input names its field; unknown providers and actions are 404', async () => {
  const r = await action('stripe', 'subscription_create', { customer: 'cus_1' });
  assert.equal(r.status, 400);
  assert.match(r.json.error, /^price/);
  const typo = await action('sendgrid', 'mail_send', { from: 'a@b.example', to: 'c@d.example', subject: 's', html: 'h', colour: 1 });
  assert.equal(typo.status, 400);
  assert.match(typo.json.error, /colour/);
  const notJson = await wharf.api('/providers/stripe/actions/customer_create', { method: 'POST', body: '[1]' });
  assert.equal(notJson.status, 400);
  assert.equal((await action('stripe', 'refund_everything', {})).status, 404);
  assert.equal((await action('nobody', 'x', {})).status, 404);
  const get = await wharf.api('/providers/stripe/actions/customer_create');
  assert.equal(get.status, 405);
});

test('the caller\'s Idempotency-Key makes a resent action return the first result', async () => {
  await mock.clearRequests();
  const send = () => wharf.api('/providers/stripe/actions/customer_create', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': 'signup-u77' },
    body: JSON.stringify({ email: 'u77@example.com' }),
  });
  const first = await send();
  const again = await send();
  assert.equal(first.status, 200, first.text);
  assert.equal(again.json.id, first.json.id, 'one customer, not two');
  const seen = await mock.requests('POST /v1/customers');
  assert.deepEqual(seen.map((s) => s.headers['idempotency-key']), ['signup-u77', 'signup-u77']);
  assert.equal(seen[1].idempotent_replayed, true);
  // Through the proxy too.
  const proxied = await wharf.api('/providers/stripe/proxy/customers', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': 'signup-u77' },
    body: 'email=u77%40example.com',
  });
  assert.equal(proxied.json.id, first.json.id);
  const bad = await wharf.api('/providers/stripe/actions/customer_create', {
    method: 'POST', headers: { 'idempotency-key': 'x'.repeat(300) }, body: '{"email":"a@b.example"}',
  });
  assert.equal(bad.status, 400);
});

test('a provider\'s message that quotes its key reaches the caller redacted', async () => {
  await mock.addFault({ route: 'POST /v3/mail/send', status: 401, times: 1, body: JSON.stringify({ errors: [{ message: 'bad key SG.simulated-key', field: null }] }) });
  const r = await action('sendgrid', 'mail_send', { from: 'a@b.example', to: 'c@d.example', subject: 's', html: 'h' });
  assert.equal(r.status, 502, r.text);
  assert.equal(r.json.kind, 'rejected');
  assert.doesNotMatch(r.text, /SG\.simulated-key/);
  assert.match(r.json.error, /bad key REDACTED/);
});

test('an HTTP/1.0 caller asking for a stream gets a clear 400, and no call is made', async () => {
  await mock.clearRequests();
  const body = JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], stream: true });
  const raw = await new Promise((resolve, reject) => {
    const socket = net.connect(wharf.port, wharf.host, () => {
      socket.write(`POST /api/v1/providers/anthropic/actions/messages HTTP/1.0\r\nHost: x\r\n` +
        `Authorization: Bearer ${wharf.adminToken}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
    let data = '';
    socket.on('data', (d) => { data += d; });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
  assert.match(raw, /^HTTP\/1\.[01] 400/);
  assert.match(raw, /stream: this client cannot receive a stream/);
  assert.equal((await mock.requests('POST /v1/messages')).length, 0);
});
