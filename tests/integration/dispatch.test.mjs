// The dispatcher end to end (issue 3): the real binary forwards stored events to local sinks that
// verify them with the official `standardwebhooks` library; retries follow the schedule in real
// time into the DLQ; replay, kill -9 during deliveries, duplicates, a slow destination beside a
// healthy one, 410, built-in handlers and the metrics.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import { Wharf, pool, sleep } from './lib/harness.mjs';
import { Sink, waitFor } from './lib/sink.mjs';
import * as S from './lib/signers.mjs';

const started = [];
after(async () => {
  for (const x of started) await (x.kill9 ? x.kill9() : x.stop());
});

// A gateway with source `app` (Standard Webhooks) forwarding everything to the given sinks.
async function gateway({ sinks, routes, dispatch, destinationExtra = {}, server }) {
  const inbound = S.newStandardSecret();
  const destinations = {};
  for (const [name, sink] of Object.entries(sinks)) {
    destinations[name] = { url: sink.url, secret: sink.secret, timeout: '2s', ...(destinationExtra[name] ?? {}) };
  }
  const wharf = await Wharf.start({
    sources: { app: { verifier: 'standard', secret: inbound } },
    ...(server ? { server } : {}),
    config: {
      destinations,
      routes: routes ?? [{ match: { source: '*' }, to: Object.keys(sinks).map((n) => ({ forward: n })) }],
      ...(dispatch ? { dispatch } : {}),
    },
  });
  started.push(wharf);
  const send = async (data = {}, opts = {}) => {
    const body = S.standardPayload(opts.type ?? 'order.created', data);
    const req = S.signStandard(inbound, body, opts);
    const r = await wharf.post('app', req);
    assert.equal(r.status, 200, r.text);
    return { id: String(r.json.id), body, req, reply: r.json };
  };
  return { wharf, send };
}

async function sink() {
  const secret = S.newStandardSecret();
  const s = await Sink.start(secret);
  s.secret = secret;
  started.push(s);
  return s;
}

const statusOf = async (wharf, id) => (await wharf.event(id)).status;

test('forwards the original payload, signed so the official standardwebhooks library verifies it', async () => {
  const app = await sink();
  const { wharf, send } = await gateway({ sinks: { app } });
  const { id, body } = await send({ n: 1 });
  await waitFor(() => app.of(id).length === 1, { what: 'the delivery' });
  const d = app.of(id)[0];
  assert.equal(d.verified, true, d.error);
  assert.equal(d.body, body, 'the original payload, byte for byte');
  assert.deepEqual(d.payload, JSON.parse(body));
  assert.equal(d.headers['content-type'], 'application/json');
  assert.equal(d.headers['wharf-event-source'], 'app');
  assert.equal(d.headers['wharf-event-type'], 'order.created');
  await waitFor(async () => (await statusOf(wharf, id)) === 'done', { what: 'status done' });
  const ev = await wharf.event(id);
  assert.equal(ev.attempts, 1);
  assert.equal(ev.deliveries.length, 1);
  assert.equal(ev.deliveries[0].outcome, 'ok');
  assert.equal(ev.deliveries[0].status_code, 200);
  assert.equal(ev.deliveries[0].target, 'forward:app');
  assert.equal(typeof ev.deliveries[0].duration_ms, 'number');
  assert.deepEqual(ev.targets.map((t) => [t.target, t.status]), [['forward:app', 'done']]);

  // A wrong secret at the receiver does not verify: the signature is real.
  const other = new (await import('standardwebhooks')).Webhook(S.newStandardSecret());
  assert.throws(() => other.verify(d.body, d.headers));
});

test('a failing destination follows the schedule into the DLQ, and replay delivers', async () => {
  const app = await sink();
  app.respond = () => ({ status: 503 });
  const { wharf, send } = await gateway({
    sinks: { app },
    dispatch: { retry_schedule: ['1s', '2s'], jitter: 'none' },
  });
  const { id } = await send();
  await waitFor(async () => (await statusOf(wharf, id)) === 'dead', { timeoutMs: 15000, what: 'the DLQ' });
  const times = app.of(id).map((d) => d.at);
  assert.equal(times.length, 3, 'the schedule has two delays: three attempts');
  const gaps = [times[1] - times[0], times[2] - times[1]];
  assert.ok(gaps[0] >= 950 && gaps[0] < 1900, `first wait ~1s, was ${gaps[0]} ms`);
  assert.ok(gaps[1] >= 1950 && gaps[1] < 2900, `second wait ~2s, was ${gaps[1]} ms`);
  assert.deepEqual(app.of(id).map((d) => d.headers['wharf-attempt']), ['1', '2', '3']);

  const dlq = await wharf.api('/dlq');
  assert.equal(dlq.status, 200);
  assert.deepEqual(dlq.json.events.map((e) => e.id), [id]);
  const ev = await wharf.event(id);
  assert.equal(ev.attempts, 3);
  assert.deepEqual(ev.deliveries.map((a) => [a.outcome, a.status_code, a.error]),
    [['failed', 503, 'HTTP 503'], ['failed', 503, 'HTTP 503'], ['failed', 503, 'HTTP 503']]);

  app.respond = () => ({ status: 204 });
  const r = await wharf.api(`/events/${id}/replay`, { method: 'POST' });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.json.deliveries, 1);
  await waitFor(async () => (await statusOf(wharf, id)) === 'done', { what: 'done after replay' });
  const after = await wharf.event(id);
  assert.equal(after.deliveries.length, 4, 'every attempt is kept');
  assert.equal(after.deliveries[3].series, 2);
  assert.equal(after.deliveries[3].outcome, 'ok');
  assert.equal((await wharf.api('/dlq')).json.events.length, 0);
  assert.equal((await wharf.api('/events/evt_0000000000000/replay', { method: 'POST' })).status, 404);
});

test('Retry-After from the destination is honoured', async () => {
  const app = await sink();
  let calls = 0;
  app.respond = () => (++calls === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 });
  const { wharf, send } = await gateway({ sinks: { app }, dispatch: { retry_schedule: ['100ms'], jitter: 'none' } });
  const { id } = await send();
  await waitFor(async () => (await statusOf(wharf, id)) === 'done', { what: 'done' });
  const times = app.of(id).map((d) => d.at);
  assert.equal(times.length, 2);
  assert.ok(times[1] - times[0] >= 1950, `waited ${times[1] - times[0]} ms, Retry-After said 2 s`);
});

test('kill -9 during deliveries: after a restart every event reaches done, none lost', async () => {
  const app = await sink();
  app.respond = () => ({ status: 200, delayMs: 15 });
  const { wharf, send } = await gateway({ sinks: { app }, destinationExtra: { app: { max_in_flight: 4 } } });
  const ids = [];
  await pool(300, 16, async (i) => { ids.push((await send({ i })).id); });
  await waitFor(() => app.uniqueIds().size >= 40, { what: 'some deliveries' });
  await wharf.kill9();
  const deliveredBefore = app.uniqueIds().size;
  assert.ok(deliveredBefore < 300, `the kill came mid-way (${deliveredBefore} delivered)`);
  await wharf.restart();
  await waitFor(async () => {
    const done = await wharf.allEvents({ status: 'done' }, 1000);
    return done.length === 300;
  }, { timeoutMs: 30000, what: 'all 300 done after the restart' });
  const got = app.uniqueIds();
  for (const id of ids) assert.ok(got.has(id), `event ${id} never reached the sink`);
  assert.ok(app.deliveries.every((d) => d.verified));
});

test('a duplicate inbound event is dispatched once', async () => {
  const app = await sink();
  const { wharf, send } = await gateway({ sinks: { app } });
  const first = await send({ k: 1 }, { msgId: 'msg_dup_1' });
  const again = await wharf.post('app', first.req);
  assert.equal(again.json.status, 'duplicate');
  assert.equal(String(again.json.id), first.id);
  await waitFor(async () => (await statusOf(wharf, first.id)) === 'done');
  await sleep(300);
  assert.equal(app.of(first.id).length, 1);
  assert.equal(app.deliveries.length, 1);
});

test('a slow destination does not delay a healthy one', async () => {
  const fast = await sink();
  const slow = await sink();
  slow.respond = () => 'hang';
  const { wharf, send } = await gateway({
    sinks: { fast, slow },
    destinationExtra: { slow: { max_in_flight: 2, timeout: '20s' } },
  });
  const t0 = Date.now();
  const ids = [];
  for (let i = 0; i < 20; i++) ids.push((await send({ i })).id);
  await waitFor(() => ids.every((id) => fast.of(id).length === 1), { timeoutMs: 5000, what: 'the fast destination' });
  const elapsed = Date.now() - t0;
  assert.ok(elapsed < 3000, `the healthy destination got all 20 in ${elapsed} ms`);
  assert.equal(slow.deliveries.length, 2, 'max_in_flight bounds the stuck destination');
  const dest = (await wharf.api('/destinations')).json.destinations;
  const s = dest.find((d) => d.name === 'slow');
  assert.equal(s.in_flight, 2);
  const ev = await wharf.event(ids[0]);
  assert.deepEqual(ev.targets.map((t) => t.status).sort(), ['done', 'processing']);
});

test('a hanging destination cannot take the connections of a healthy one on the same host', async () => {
  const shared = await sink();
  shared.respond = (d) => (d.path.endsWith('/slow') ? 'hang' : { status: 200 });
  const fast = { url: shared.url + '/fast', secret: shared.secret };
  const slow = { url: shared.url + '/slow', secret: shared.secret };
  const { send } = await gateway({
    sinks: { fast, slow },
    destinationExtra: { slow: { max_in_flight: 12, timeout: '20s' } },
  });
  const ids = [];
  for (let i = 0; i < 30; i++) ids.push((await send({ i })).id);
  const t0 = Date.now();
  await waitFor(() => ids.every((id) => shared.of(id).some((d) => d.path.endsWith('/fast'))),
    { timeoutMs: 5000, what: 'every event at the fast destination' });
  assert.ok(Date.now() - t0 < 3000, 'not held behind the hanging requests');
  await waitFor(() => shared.deliveries.filter((d) => d.path.endsWith('/slow')).length === 12,
    { what: 'the slow destination using its own 12 connections' });
});

test('410 Gone disables the destination until an operator enables it', async () => {
  const app = await sink();
  app.respond = () => ({ status: 410 });
  const { wharf, send } = await gateway({ sinks: { app } });
  const a = await send();
  await waitFor(async () => (await wharf.api('/destinations')).json.destinations[0].enabled === false, { what: 'disabled' });
  const b = await send();
  await sleep(300);
  assert.equal(app.deliveries.length, 1, 'nothing is sent to a disabled destination');
  const d = (await wharf.api('/destinations')).json.destinations[0];
  assert.match(d.disabled_reason, /410/);

  app.respond = () => ({ status: 200 });
  const r = await wharf.api('/destinations/app/enable', { method: 'POST' });
  assert.equal(r.status, 200, r.text);
  await waitFor(async () => (await statusOf(wharf, a.id)) === 'done' && (await statusOf(wharf, b.id)) === 'done');
  assert.equal((await wharf.api('/destinations/nope/enable', { method: 'POST' })).status, 404);
});

test('bulk replay by filter, and its refusals', async () => {
  const app = await sink();
  const { wharf, send } = await gateway({ sinks: { app } });
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await send({ i }, { type: i < 3 ? 'a.one' : 'b.two' })).id);
  await waitFor(() => app.deliveries.length === 5);
  await waitFor(async () => (await wharf.allEvents({ status: 'done' })).length === 5);
  const r = await wharf.api('/events/replay', { method: 'POST', body: JSON.stringify({ type: 'a.one', limit: 2 }) });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.json.replayed, 2);
  assert.ok(r.json.next_cursor);
  const r2 = await wharf.api('/events/replay', { method: 'POST', body: JSON.stringify({ type: 'a.one', cursor: r.json.next_cursor }) });
  assert.equal(r2.json.replayed, 1);
  assert.equal(r2.json.next_cursor, null);
  await waitFor(() => app.deliveries.length === 8, { what: 'three replayed deliveries' });
  const since = new Date(Date.now() + 60000).toISOString();
  const none = await wharf.api('/events/replay', { method: 'POST', body: JSON.stringify({ since }) });
  assert.equal(none.json.replayed, 0);

  for (const [body, why] of [['{}', /at least one filter/], ['[1]', /JSON object/], ['{"status":"nope"}', /status must be/],
    ['{"since":"yesterday"}', /RFC 3339/], ['{"limit":0}', /limit/], ['{"colour":"red"}', /unknown filter/]]) {
    const bad = await wharf.api('/events/replay', { method: 'POST', body });
    assert.equal(bad.status, 400, body);
    assert.match(bad.json.error, why);
  }
  assert.equal((await wharf.api('/events/replay')).status, 405);
});

test('a built-in handler route marks events done, and the metrics show the queue', async () => {
  const app = await sink();
  app.respond = () => ({ status: 500 });
  const { wharf, send } = await gateway({
    sinks: { app },
    routes: [
      { match: { source: 'app', types: ['noop.*'] }, to: [{ handler: 'wharf.noop' }] },
      { match: { source: 'app' }, to: [{ forward: 'app' }], retry_schedule: ['1h'] },
    ],
  });
  const handled = await send({}, { type: 'noop.created' });
  const failing = await send({}, { type: 'order.created' });
  await waitFor(async () => (await statusOf(wharf, handled.id)) === 'done');
  await waitFor(async () => (await statusOf(wharf, failing.id)) === 'failed');
  const next = (await wharf.event(failing.id)).targets[0].next_attempt_at;
  assert.ok(Date.parse(next) - Date.now() <= 3600_000, 'the route schedule (1h, full jitter) applies');
  await waitFor(async () => {
    const m = (await wharf.request('GET', '/metrics')).text;
    return m.includes('wharf_dispatch_queue_depth{target="forward:app",status="failed"} 1') && m;
  }, { what: 'the queue depth gauge' });
  const m = (await wharf.request('GET', '/metrics')).text;
  assert.match(m, /wharf_dispatch_attempts_total\{target="handler:wharf.noop",outcome="ok"\} 1/);
  assert.match(m, /wharf_dispatch_attempts_total\{target="forward:app",outcome="failed"\} 1/);
  assert.match(m, /wharf_dispatch_delivery_seconds_count\{target="handler:wharf.noop"\} 1/);
  assert.match(m, /wharf_destination_breaker_state\{destination="app"\} 0/);
  assert.match(m, /wharf_dispatch_dlq_size 0/);
});

test('SIGTERM with attempts in flight exits cleanly; they are delivered after the restart', async () => {
  const app = await sink();
  app.respond = () => 'hang';
  const { wharf, send } = await gateway({
    sinks: { app }, destinationExtra: { app: { timeout: '30s' } }, server: { drain_timeout: '1s' },
  });
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await send({ i })).id);
  await waitFor(() => app.deliveries.length === 3, { what: 'three attempts in flight' });
  const t0 = Date.now();
  const exit = await wharf.stop();
  assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}; log:\n${wharf.tail()}`);
  assert.equal(exit.forced, false);
  assert.ok(Date.now() - t0 < 5000, 'the drain is bounded by drain_timeout, not the 30 s attempt timeout');
  assert.doesNotMatch(wharf.tail(200), /AddressSanitizer|runtime error/);

  app.respond = () => ({ status: 200 });
  await wharf.restart();
  await waitFor(async () => (await wharf.allEvents({ status: 'done' })).length === 3, { what: 'done after restart' });
  for (const id of ids) assert.ok(app.of(id).length >= 2, 'attempted again after the restart');
});
