// `wharf mock`: the provider simulator over real HTTP: provider answers, fault injection (503
// twice then 200, reset), the journal, and its own rate limit (429 + Retry-After).

import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Mock } from './lib/mock.mjs';

const mail = {
  personalizations: [{ to: [{ email: 'to@example.com' }] }],
  from: { email: 'from@example.com' },
  subject: 'Hello',
  content: [{ type: 'text/html', value: '<p>hi</p>' }],
};

describe('wharf mock', () => {
  let mock;
  before(async () => { mock = await Mock.start(); });
  after(async () => {
    const r = await mock.stop();
    assert.equal(r.code, 0, `exit ${JSON.stringify(r)}`);
  });
  beforeEach(async () => {
    await mock.clearFaults();
    await mock.clearRateLimits();
    await mock.clearRequests();
  });

  const sendMail = (key = 'idem-1') => fetch(`${mock.baseUrl}/v3/mail/send`, {
    method: 'POST',
    headers: { authorization: 'Bearer SG.test', 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(mail),
  });

  it('answers SendGrid mail/send with 202 and X-Message-Id', async () => {
    const res = await sendMail();
    assert.equal(res.status, 202);
    assert.ok(res.headers.get('x-message-id'));
    assert.equal(await res.text(), '');
  });

  it('creates a Stripe customer from a form body', async () => {
    const res = await fetch(`${mock.baseUrl}/v1/customers`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_x', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'a@b.com', 'metadata[user]': 'u1' }),
    });
    assert.equal(res.status, 200);
    const customer = await res.json();
    assert.match(customer.id, /^cus_/);
    assert.equal(customer.email, 'a@b.com');
    assert.deepEqual(customer.metadata, { user: 'u1' });
  });

  it('injects 503 for two calls, then answers 200-class, and journals every attempt', async () => {
    await mock.addFault({ route: 'POST /v3/mail/send', status: 503, retry_after: '2', times: 2 });
    const first = await sendMail();
    assert.equal(first.status, 503);
    assert.equal(first.headers.get('retry-after'), '2');
    assert.equal((await sendMail()).status, 503);
    assert.equal((await sendMail()).status, 202);

    const seen = await mock.requests('POST /v3/mail/send');
    assert.deepEqual(seen.map((r) => r.status), [503, 503, 202]);
    assert.ok(seen.every((r) => r.headers['idempotency-key'] === 'idem-1'));
    assert.deepEqual(JSON.parse(seen[0].body), mail);
  });

  it('drops the connection on a reset fault', async () => {
    await mock.addFault({ route: '/v3/mail/send', reset: true, times: 1 });
    await assert.rejects(sendMail());
    assert.equal((await sendMail()).status, 202);
  });

  it('never answers on a timeout fault (and still stops cleanly with the request pending)', async () => {
    await mock.addFault({ route: 'POST /v3/mail/send', timeout: true, times: 1 });
    const pending = fetch(`${mock.baseUrl}/v3/mail/send`, {
      method: 'POST',
      headers: { authorization: 'Bearer SG.test', 'content-type': 'application/json' },
      body: JSON.stringify(mail),
      signal: AbortSignal.timeout(300),
    });
    await assert.rejects(pending, { name: 'TimeoutError' });
    const [entry] = await mock.requests('POST /v3/mail/send');
    assert.equal(entry.timeout, true);
    assert.equal(entry.status, null);
  });

  it('enforces its own rate limit with 429 and Retry-After', async () => {
    await mock.addRateLimit({ route: 'POST /v3/mail/send', limit: 3, per_ms: 60000 });
    const statuses = [];
    let retryAfter = null;
    for (let i = 0; i < 5; i++) {
      const res = await sendMail(`k${i}`);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    assert.deepEqual(statuses, [202, 202, 202, 429, 429]);
    assert.ok(Number(retryAfter) >= 59 && Number(retryAfter) <= 60, `Retry-After ${retryAfter}`);
  });

  it('streams an Anthropic message as server-sent events', async () => {
    const res = await fetch(`${mock.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'sk-ant-x', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/event-stream/);
    const events = [...(await res.text()).matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    assert.equal(events[0], 'message_start');
    assert.equal(events.at(-1), 'message_stop');
    assert.ok(events.filter((e) => e === 'content_block_delta').length >= 2);
  });

  // The events arrive one by one, a pause apart (a stream_delay_ms rule sets the pause).
  it('paces the Anthropic event stream chunk by chunk', async () => {
    await mock.addFault({ route: 'POST /v1/messages', stream_delay_ms: 60, times: 1 });
    const started = Date.now();
    const res = await fetch(`${mock.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'sk-ant-x', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('transfer-encoding'), 'chunked');
    const arrivals = [];
    let text = '';
    const decoder = new TextDecoder();
    for await (const piece of res.body) {
      text += decoder.decode(piece, { stream: true });
      arrivals.push({ at: Date.now() - started, events: (text.match(/^event: /gm) || []).length });
    }
    const events = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    assert.equal(events.length, 12, text);
    assert.equal(events.at(-1), 'message_stop');
    const firstEvent = arrivals.find((a) => a.events >= 1);
    assert.ok(firstEvent.events < events.length, `all ${events.length} events arrived at once`);
    assert.ok(arrivals.length >= 6, `only ${arrivals.length} reads`);
    assert.ok(arrivals.at(-1).at - firstEvent.at >= 11 * 60 - 20, `stream took ${arrivals.at(-1).at - firstEvent.at} ms`);
  });
});
