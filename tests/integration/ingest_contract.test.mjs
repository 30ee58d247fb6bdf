// The HTTP contract of SPEC §1.3 and §2.1: status codes and JSON errors, deduplication, SendGrid
// batches, health/readiness/metrics, the admin API's auth and paging, `check-config`, and
// hostile input that must never take the process down.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { Wharf, makeTempDir, nowSeconds, pool, runWharf, sleep } from './lib/harness.mjs';
import * as S from './lib/signers.mjs';

const MAX_BODY = 64 * 1024;
const keys = {
  stripe: S.newStripeSecret(),
  standard: S.newStandardSecret(),
  sendgrid: S.newSendgridKeys(),
  github: S.newHmacSecret(),
};

let wharf;

before(async () => {
  wharf = await Wharf.start({
    // Short deadlines (wharf's server.read_timeout / idle_timeout) so that the stalled-request
    // test below does not wait for the defaults (30 s / 60 s).
    server: { max_body_bytes: MAX_BODY, read_timeout: '4s', idle_timeout: '6s' },
    sources: {
      stripe: { verifier: 'stripe', secret: keys.stripe },
      replayed: { verifier: 'stripe', secret: keys.stripe, tolerance: 0 },
      short: { verifier: 'stripe', secret: keys.stripe, tolerance: '10s' },
      app: { verifier: 'standard', secret: keys.standard },
      sendgrid: { verifier: 'sendgrid', public_key: keys.sendgrid.publicKeyBase64 },
      github: { verifier: 'github', secret: keys.github },
    },
  });
});

after(async () => {
  if (wharf) {
    const r = await wharf.stop();
    assert.equal(r.code, 0, `SIGTERM should drain and exit 0: ${JSON.stringify(r)}\n${wharf.tail()}`);
  }
});

function assertJsonError(r, status) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status} ${r.text}`);
  assert.match(r.headers.get('content-type') ?? '', /application\/json/, `content-type of a ${status}`);
  assert.equal(typeof r.json?.error, 'string', `body must be {"error": "..."}: ${r.text}`);
  assert.ok(r.json.error.length > 0, 'error reason must not be empty');
}

// received_at as milliseconds, whether the API gives an RFC 3339 string or epoch seconds/ms.
function timeOf(v) {
  const t = typeof v === 'number' ? (v < 1e12 ? v * 1000 : v) : Date.parse(v);
  assert.ok(Number.isFinite(t), `unreadable received_at: ${JSON.stringify(v)}`);
  return t;
}

async function countBySource(source) {
  return (await wharf.allEvents({ source })).length;
}

describe('status codes and JSON errors (SPEC 2.1.4)', () => {
  test('401 when the signature header is missing', async () => {
    const ev = S.stripeEvent();
    const r = await wharf.post('stripe', { headers: { 'content-type': 'application/json' }, body: JSON.stringify(ev) });
    assertJsonError(r, 401);
  });
  test('401 when the signature is invalid', async () => {
    const req = S.signStripe(keys.stripe, S.stripeEvent());
    req.headers['stripe-signature'] = req.headers['stripe-signature'].replace(/v1=[0-9a-f]{4}/, 'v1=0000');
    assertJsonError(await wharf.post('stripe', req), 401);
  });
  test('401 when the signature header is garbage', async () => {
    const req = S.signStripe(keys.stripe, S.stripeEvent());
    req.headers['stripe-signature'] = 'not a signature at all';
    assertJsonError(await wharf.post('stripe', req), 401);
  });
  test('401 for a stale timestamp (correctly signed, an hour old)', async () => {
    const ev = S.stripeEvent();
    assertJsonError(await wharf.post('stripe', S.signStripe(keys.stripe, ev, { timestamp: nowSeconds() - 3600 })), 401);
    const req = S.signStandard(keys.standard, S.standardPayload(), { timestamp: nowSeconds() - 3600 });
    assertJsonError(await wharf.post('app', req), 401);
  });
  test('401 for a timestamp in the future (correctly signed, an hour ahead)', async () => {
    assertJsonError(await wharf.post('stripe', S.signStripe(keys.stripe, S.stripeEvent(), { timestamp: nowSeconds() + 3600 })), 401);
    const req = S.signStandard(keys.standard, S.standardPayload(), { timestamp: nowSeconds() + 3600 });
    assertJsonError(await wharf.post('app', req), 401);
  });
  test('tolerance bounds: 10s source refuses 60s-old, default accepts 200s-old, tolerance 0 accepts a day-old', async () => {
    assertJsonError(await wharf.post('short', S.signStripe(keys.stripe, S.stripeEvent(), { timestamp: nowSeconds() - 60 })), 401);
    const a = await wharf.post('short', S.signStripe(keys.stripe, S.stripeEvent(), { timestamp: nowSeconds() - 2 }));
    assert.equal(a.status, 200, a.text);
    const b = await wharf.post('stripe', S.signStripe(keys.stripe, S.stripeEvent(), { timestamp: nowSeconds() - 200 }));
    assert.equal(b.status, 200, b.text);
    const c = await wharf.post('replayed', S.signStripe(keys.stripe, S.stripeEvent(), { timestamp: nowSeconds() - 86400 }));
    assert.equal(c.status, 200, c.text);
  });
  test('400 for a validly signed body that is not JSON', async () => {
    const before = await countBySource('stripe');
    assertJsonError(await wharf.post('stripe', S.signStripe(keys.stripe, '{"id": "evt_1", "type": ')), 400);
    assertJsonError(await wharf.post('stripe', S.signStripe(keys.stripe, 'hello')), 400);
    assertJsonError(await wharf.post('sendgrid', S.signSendgrid(keys.sendgrid.privateKey, '[{"event": "delivered",')), 400);
    assert.equal(await countBySource('stripe'), before);
  });
  test('413 for a signed batch of more than 10000 events, none stored', async () => {
    const before = await countBySource('sendgrid');
    const body = JSON.stringify(Array.from({ length: 10001 }, () => ({})));
    assertJsonError(await wharf.post('sendgrid', S.signSendgrid(keys.sendgrid.privateKey, body)), 413);
    assert.equal(await countBySource('sendgrid'), before);
  });
  test('404 for an unknown source', async () => {
    const req = S.signStripe(keys.stripe, S.stripeEvent());
    assertJsonError(await wharf.post('no-such-source', req), 404);
  });
  test('405 for GET (and PUT) on a webhook endpoint', async () => {
    assertJsonError(await wharf.request('GET', '/webhooks/stripe'), 405);
    assertJsonError(await wharf.request('PUT', '/webhooks/stripe', { body: '{}' }), 405);
  });
  test('413 over max_body_bytes (content-length and chunked), and exactly the limit is accepted', async () => {
    const before = await countBySource('stripe');
    const big = S.stripeEvent({ extra: { memo: 'x'.repeat(MAX_BODY) } });
    assertJsonError(await wharf.post('stripe', S.signStripe(keys.stripe, big)), 413);

    // Chunked, no content-length: the limit still applies to the bytes received.
    const signed = S.signStripe(keys.stripe, big);
    const bytes = Buffer.from(signed.body);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.subarray(i, i + 8192));
        controller.close();
      },
    });
    assertJsonError(await wharf.post('stripe', { headers: signed.headers, body: stream }), 413);

    // Exactly max_body_bytes: accepted.
    const ev = S.stripeEvent({ extra: { memo: '' } });
    const base = Buffer.byteLength(JSON.stringify(ev));
    ev.data.object.memo = 'y'.repeat(MAX_BODY - base);
    const exact = S.signStripe(keys.stripe, ev);
    assert.equal(Buffer.byteLength(exact.body), MAX_BODY);
    const ok = await wharf.post('stripe', exact);
    assert.equal(ok.status, 200, `a body of exactly max_body_bytes must be accepted: ${ok.status} ${ok.text}`);
    assert.equal(await countBySource('stripe'), before + 1);
  });
  test('unknown paths answer 404 JSON', async () => {
    assertJsonError(await wharf.request('GET', '/no/such/path'), 404);
  });
});

describe('deduplication (SPEC 2.1.3)', () => {
  test('a Stripe retry (same id, new timestamp and signature) is a duplicate of the first id, stored once', async () => {
    const ev = S.stripeEvent({ type: 'invoice.paid' });
    const first = await wharf.post('stripe', S.signStripe(keys.stripe, ev));
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.status, 'ok');
    for (const ts of [nowSeconds(), nowSeconds() - 30]) {
      const again = await wharf.post('stripe', S.signStripe(keys.stripe, ev, { timestamp: ts }));
      assert.equal(again.status, 200, again.text);
      assert.deepEqual({ status: again.json.status, id: String(again.json.id) }, { status: 'duplicate', id: String(first.json.id) });
    }
    const matching = (await wharf.allEvents({ source: 'stripe' })).filter((e) => e.provider_event_id === ev.id);
    assert.equal(matching.length, 1);
  });
  test('the same event id on another source is a different event', async () => {
    const ev = S.stripeEvent();
    const a = await wharf.post('stripe', S.signStripe(keys.stripe, ev));
    const b = await wharf.post('replayed', S.signStripe(keys.stripe, ev));
    assert.equal(a.json?.status, 'ok', a.text);
    assert.equal(b.json?.status, 'ok', b.text);
    assert.notEqual(String(a.json.id), String(b.json.id));
  });
  test('concurrent copies of one event: exactly one ok, the rest duplicates of its id', async () => {
    const ev = S.stripeEvent();
    const rs = await Promise.all(Array.from({ length: 16 }, () => wharf.post('stripe', S.signStripe(keys.stripe, ev))));
    for (const r of rs) assert.equal(r.status, 200, r.text);
    const oks = rs.filter((r) => r.json.status === 'ok');
    assert.equal(oks.length, 1, rs.map((r) => r.text).join('\n'));
    for (const r of rs) assert.equal(String(r.json.id), String(oks[0].json.id));
    assert.equal((await wharf.allEvents({ source: 'stripe' })).filter((e) => e.provider_event_id === ev.id).length, 1);
  });
  test('webhook-id and X-GitHub-Delivery dedupe', async () => {
    const body = S.standardPayload();
    const a = await wharf.post('app', S.signStandard(keys.standard, body, { msgId: 'msg_dedupe_1' }));
    const b = await wharf.post('app', S.signStandard(keys.standard, body, { msgId: 'msg_dedupe_1' }));
    assert.equal(a.json?.status, 'ok', a.text);
    assert.deepEqual(b.json, { status: 'duplicate', id: a.json.id });

    const delivery = crypto.randomUUID();
    const g1 = await wharf.post('github', await S.signGithub(keys.github, '{"zen":"a"}', { event: 'ping', delivery }));
    const g2 = await wharf.post('github', await S.signGithub(keys.github, '{"zen":"a"}', { event: 'ping', delivery }));
    assert.equal(g1.json?.status, 'ok', g1.text);
    assert.deepEqual(g2.json, { status: 'duplicate', id: g1.json.id });
  });
  test('SendGrid batch with partial duplicates', async () => {
    const [a, b, c] = [S.sendgridEvent('delivered'), S.sendgridEvent('open'), S.sendgridEvent('click')];
    const post = (events) => wharf.post('sendgrid', S.signSendgrid(keys.sendgrid.privateKey, JSON.stringify(events)));
    const before = await countBySource('sendgrid');

    const r1 = await post([a, b]);
    assert.equal(r1.status, 200, r1.text);
    assert.equal(r1.json.status, 'ok');
    assert.equal(r1.json.duplicates, 0);
    assert.equal(r1.json.ids.length, 2);
    const [idA, idB] = r1.json.ids.map(String);

    const r2 = await post([b, c]);
    assert.equal(r2.status, 200, r2.text);
    assert.equal(r2.json.status, 'ok');
    assert.equal(r2.json.duplicates, 1);
    assert.equal(r2.json.ids.length, 2);
    assert.equal(String(r2.json.ids[0]), idB, 'a duplicate element reports the id stored first');
    const idC = String(r2.json.ids[1]);
    assert.ok(![idA, idB].includes(idC));
    assert.equal(String(r2.json.id), idC, '"id" is the first NEW id');

    const r3 = await post([c, a]);
    assert.equal(r3.status, 200, r3.text);
    assert.equal(r3.json.status, 'duplicate');
    assert.equal(String(r3.json.id), idC);

    assert.equal(await countBySource('sendgrid'), before + 3);
    const stored = await wharf.allEvents({ source: 'sendgrid' });
    for (const e of [a, b, c]) assert.equal(stored.filter((s) => s.provider_event_id === e.sg_event_id).length, 1);
  });
});

describe('health, readiness, metrics', () => {
  test('/healthz and /readyz answer 200', async () => {
    assert.equal((await wharf.request('GET', '/healthz')).status, 200);
    assert.equal((await wharf.request('GET', '/readyz')).status, 200);
  });

  test('HEAD is answered without a body, and the keep-alive connection stays in sync', async () => {
    const sock = net.connect(wharf.port, wharf.host);
    await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
    let data = '';
    sock.on('data', (d) => { data += d.toString('latin1'); });
    sock.write(`HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    await new Promise((resolve) => sock.once('close', resolve));
    const responses = data.split(/(?=HTTP\/1\.1 )/);
    assert.equal(responses.length, 2, data);
    assert.match(responses[0], /^HTTP\/1\.1 200 /);
    assert.match(responses[0], /Content-Length: \d+\r\n/);
    assert.ok(responses[0].endsWith('\r\n\r\n'), `HEAD carried a body: ${JSON.stringify(responses[0])}`);
    assert.match(responses[1], /^HTTP\/1\.1 200 [^]*\r\n\r\n\{"status":"ok"\}$/);
  });

  test('/metrics is Prometheus text with wharf_ counters that move', async () => {
    const scrape = async () => {
      const r = await wharf.request('GET', '/metrics');
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
      const samples = new Map();
      for (const line of r.text.split('\n')) {
        if (line === '' || line.startsWith('#')) {
          if (line.startsWith('# TYPE ')) assert.match(line, /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$/);
          continue;
        }
        const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)( \d+)?$/);
        assert.ok(m, `not a Prometheus sample line: ${JSON.stringify(line)}`);
        samples.set(m[1], Number(m[2]));
      }
      return samples;
    };
    const before = await scrape();
    assert.ok([...before.keys()].some((k) => k.startsWith('wharf_')), 'no wharf_ metric');
    const N = 7;
    for (let i = 0; i < N; i++) {
      const r = await wharf.post('stripe', S.signStripe(keys.stripe, S.stripeEvent()));
      assert.equal(r.status, 200, r.text);
    }
    for (let i = 0; i < 3; i++) {
      assertJsonError(await wharf.post('stripe', S.signStripe(S.newStripeSecret(), S.stripeEvent())), 401);
    }
    const afterScrape = await scrape();
    const moved = [...afterScrape.entries()]
      .filter(([k]) => /^wharf_[a-z0-9_]*_total(\{|$)/.test(k))
      .map(([k, v]) => [k, v - (before.get(k) ?? 0)]);
    assert.ok(moved.some(([k, d]) => k.includes('stripe') && d >= N),
      `no wharf_*_total sample for source stripe grew by >= ${N}: ${JSON.stringify(moved.filter(([, d]) => d > 0))}`);
    assert.ok(moved.some(([k, d]) => d >= 3 && d < N),
      `no wharf_*_total sample counted the 3 rejections: ${JSON.stringify(moved.filter(([, d]) => d > 0))}`);
  });
});

describe('admin API', () => {
  test('401 JSON without a token, with a wrong token, with another scheme', async () => {
    const refused = async () => {
      const m = (await wharf.request('GET', '/metrics')).text.match(/^wharf_admin_unauthorized_total (\d+)$/m);
      assert.ok(m, 'wharf_admin_unauthorized_total is exported');
      return Number(m[1]);
    };
    const before = await refused();
    assertJsonError(await wharf.api('/events', { token: null }), 401);
    assertJsonError(await wharf.api('/events', { token: 'wrong-' + wharf.adminToken }), 401);
    assertJsonError(await wharf.api('/events', { token: wharf.adminToken.slice(0, -1) }), 401);
    assertJsonError(await wharf.request('GET', '/api/v1/events', { headers: { authorization: `Basic ${Buffer.from('admin:' + wharf.adminToken).toString('base64')}` } }), 401);
    const one = (await wharf.listEvents({ limit: 1 })).events[0];
    if (one) assertJsonError(await wharf.api(`/events/${one.id}`, { token: null }), 401);
    assert.equal((await wharf.api('/events')).status, 200);
    assert.equal(await refused(), before + (one ? 5 : 4), 'every refusal is counted');
  });

  test('GET /api/v1/events/{unknown} is a 404 JSON error', async () => {
    assertJsonError(await wharf.api('/events/999999999'), 404);
  });

  test('paging with limit + cursor visits every event exactly once, newest first; filters apply', async () => {
    // Events of distinct types on a fresh source-like filter: use the `app` source.
    const ids = [];
    for (let i = 0; i < 23; i++) {
      const type = i % 3 === 0 ? 'page.three' : 'page.other';
      const r = await wharf.post('app', S.signStandard(keys.standard, S.standardPayload(type, { i })));
      assert.equal(r.json?.status, 'ok', r.text);
      ids.push(String(r.json.id));
    }
    const all = await wharf.allEvents({}, 1000);
    const total = all.length;
    assert.ok(total >= 23);

    const seen = [];
    let cursor;
    let pages = 0;
    for (;;) {
      const page = await wharf.listEvents({ limit: 7, cursor });
      assert.ok(Array.isArray(page.events));
      assert.ok(page.events.length <= 7, `limit=7 returned ${page.events.length}`);
      for (const e of page.events) {
        for (const k of ['id', 'source', 'provider_event_id', 'type', 'status', 'attempts', 'received_at']) {
          assert.ok(k in e, `event lacks ${k}: ${JSON.stringify(e)}`);
        }
      }
      seen.push(...page.events);
      pages++;
      assert.ok(pages < 1000);
      if (page.next_cursor === null) break;
      assert.ok(['string', 'number'].includes(typeof page.next_cursor), `next_cursor: ${JSON.stringify(page.next_cursor)}`);
      cursor = page.next_cursor;
    }
    assert.equal(seen.length, total, 'paging must visit every event');
    assert.equal(new Set(seen.map((e) => String(e.id))).size, total, 'no event twice');
    // Newest first: our 23 events appear in reverse order of posting.
    const order = seen.map((e) => String(e.id)).filter((id) => ids.includes(id));
    assert.deepEqual(order, [...ids].reverse());
    for (let i = 1; i < seen.length; i++) {
      assert.ok(timeOf(seen[i - 1].received_at) >= timeOf(seen[i].received_at), 'received_at must not increase');
    }

    const three = await wharf.allEvents({ source: 'app', type: 'page.three' }, 2);
    assert.deepEqual(three.map((e) => String(e.id)).sort(), ids.filter((_, i) => i % 3 === 0).sort());
    assert.ok(three.every((e) => e.source === 'app' && e.type === 'page.three'));
    // No routes in this config: every event is `ignored` (SPEC §1.3), none waits.
    const ignored = await wharf.allEvents({ status: 'ignored' }, 50);
    assert.equal(ignored.length, total);
    assert.equal((await wharf.allEvents({ status: 'pending' })).length, 0);
    assert.equal((await wharf.allEvents({ status: 'dead' })).length, 0);
    assert.equal((await wharf.allEvents({ source: 'no-such-source' })).length, 0);
  });

  test('paging stays exact while new events arrive between pages', async () => {
    const existing = new Set((await wharf.allEvents({}, 1000)).map((e) => String(e.id)));
    const seen = [];
    let cursor;
    for (let page = 0; ; page++) {
      const p = await wharf.listEvents({ limit: 5, cursor });
      seen.push(...p.events.map((e) => String(e.id)));
      if (page < 3) {
        const r = await wharf.post('app', S.signStandard(keys.standard, S.standardPayload('page.concurrent')));
        assert.equal(r.json?.status, 'ok', r.text);
      }
      if (p.next_cursor === null) break;
      cursor = p.next_cursor;
    }
    assert.equal(new Set(seen).size, seen.length, 'an event appeared on two pages');
    for (const id of existing) assert.ok(seen.includes(id), `event ${id} skipped by paging`);
    assert.equal(seen.length, existing.size, 'events newer than the first page must not appear on later pages');
  });

  test('invalid limit or cursor is a 400 JSON error, not a crash', async () => {
    for (const q of ['limit=abc', 'limit=-1', 'limit=1001', 'cursor=%00%ff', 'cursor=abc',
                     'cursor=' + 'A'.repeat(5000), 'status=bogus', 'x=%zz']) {
      const r = await wharf.api(`/events?${q}`);
      assert.equal(r.status, 400, `${q}: ${r.status} ${r.text}`);
      assert.equal(typeof r.json?.error, 'string');
    }
    assert.ok(await wharf.healthy());
  });
});

describe('check-config', () => {
  const dir = makeTempDir();
  const write = (name, text) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  test('a valid config exits 0', () => {
    const p = write('ok.yaml', fs.readFileSync(wharf.configPath, 'utf8'));
    const r = runWharf(['check-config', '--config', p]);
    assert.equal(r.status, 0, r.stderr);
  });

  test('${ENV} interpolation: a missing variable is an error, a set one passes', () => {
    const p = write('env.yaml', [
      'server:',
      '  listen: "127.0.0.1:0"',
      '  admin_token: ${WHARF_IT_ADMIN_TOKEN}',
      'storage:',
      `  url: "sqlite://${dir}/env.db"`,
      'sources:',
      '  s:',
      '    verifier: stripe',
      '    secret: ${WHARF_IT_STRIPE_SECRET}',
      '',
    ].join('\n'));
    const env = { WHARF_IT_ADMIN_TOKEN: 'an-admin-token-of-some-length', WHARF_IT_STRIPE_SECRET: 'whsec_abc' };
    const good = runWharf(['check-config', '--config', p], { env });
    assert.equal(good.status, 0, good.stderr);
    const bad = runWharf(['check-config', '--config', p], { env: { WHARF_IT_ADMIN_TOKEN: 'an-admin-token-of-some-length' } });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /WHARF_IT_STRIPE_SECRET/);
  });

  test('every error is listed as FILE:LINE: key.path: why, exit 2', () => {
    const lines = [
      'server:',                              // 1
      '  listen: "127.0.0.1:0"',              // 2
      '  max_body_bytes: lots',               // 3  not a number
      'storage:',                             // 4
      `  url: "sqlite://${dir}/x.db"`,        // 5
      'sources:',                             // 6
      '  a:',                                 // 7
      '    verifier: nosuch',                 // 8  unknown verifier
      '    secret: "s"',                      // 9
      '  b:',                                 // 10
      '    verifier: stripe',                 // 11
      '    secret: "whsec_x"',                // 12
      '    tolerance: 5 parsecs',             // 13 not a duration
      '  c:',                                 // 14
      '    verifier: stripe',                 // 15 missing secret
      '  d:',                                 // 16
      '    verifier: hmac',                   // 17
      '    header: X-Sig',                    // 18
      '    algorithm: md17',                  // 19 unknown algorithm
      '    encoding: hex',                    // 20
      '    secret: "k"',                      // 21
      '',
    ];
    const p = write('bad.yaml', lines.join('\n'));
    const r = runWharf(['check-config', '--config', p]);
    assert.equal(r.status, 2, `exit ${r.status}; stderr:\n${r.stderr}`);
    const errLines = r.stderr.split('\n').filter((l) => l.startsWith(p + ':'));
    const expect = [
      [3, 'server.max_body_bytes'],
      [8, 'sources.a.verifier'],
      [13, 'sources.b.tolerance'],
      [19, 'sources.d.algorithm'],
    ];
    for (const [line, key] of expect) {
      assert.ok(errLines.some((l) => l.startsWith(`${p}:${line}: ${key}: `) && l.length > `${p}:${line}: ${key}: `.length),
        `missing "${p}:${line}: ${key}: <why>" in:\n${r.stderr}`);
    }
    assert.ok(errLines.some((l) => /^.*:\d+: sources\.c(\.secret)?: /.test(l)), `missing error for sources.c's secret in:\n${r.stderr}`);
  });

  test('a YAML syntax error and a missing file exit 2 with the file named', () => {
    const p = write('syntax.yaml', 'server:\n  listen: "127.0.0.1:0\n  admin_token: [unclosed\n');
    const r = runWharf(['check-config', '--config', p]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+`));
    const missing = path.join(dir, 'nope.yaml');
    const m = runWharf(['check-config', '--config', missing]);
    assert.equal(m.status, 2, m.stderr);
    assert.ok(m.stderr.includes(missing), m.stderr);
  });

  test('serve with an invalid config exits 2 without listening', () => {
    const p = write('bad2.yaml', 'server:\n  listen: "127.0.0.1:0"\nsources:\n  a:\n    verifier: nosuch\n');
    const r = runWharf(['serve', '--config', p], { timeoutMs: 15000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /sources\.a\.verifier/);
  });
});

describe('hostile input never crashes the process', () => {
  // Opened before the other hostile tests, checked at the end: the server must close stalled
  // partial requests (header/body read deadline) while serving everyone else.
  const SLOW_CLOSE_MS = 6000 + 5000;  // idle_timeout (a partial header) + slack
  let slow = [];

  function openSlow(payload) {
    return new Promise((resolve, reject) => {
      const s = net.connect(wharf.port, wharf.host, () => {
        const st = { socket: s, closedAt: null, openedAt: Date.now() };
        s.on('close', () => { st.closedAt = Date.now(); });
        s.on('error', () => {});
        s.on('data', () => {});
        s.write(payload);
        resolve(st);
      });
      s.on('error', reject);
    });
  }

  test('stalled partial requests are opened', async () => {
    for (let i = 0; i < 20; i++) {
      slow.push(await openSlow('POST /webhooks/stripe HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Slow: '));
      slow.push(await openSlow('POST /webhooks/stripe HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"id":'));
    }
    assert.ok(await wharf.healthy(), 'serves others while partial requests are pending');
    const r = await wharf.post('stripe', S.signStripe(keys.stripe, S.stripeEvent()));
    assert.equal(r.status, 200, r.text);
  });

  test('invalid UTF-8 in a signed body', async () => {
    const body = Buffer.concat([Buffer.from('{"id":"evt_utf8_'), crypto.randomBytes(4), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('","type":"x.y","data":{}}')]);
    // Signed over the exact bytes (the SDK takes strings, which would re-encode them).
    const t = nowSeconds();
    const mac = crypto.createHmac('sha256', keys.stripe).update(Buffer.concat([Buffer.from(`${t}.`), body])).digest('hex');
    const r = await wharf.post('stripe', { headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${mac}` }, body });
    assert.ok([200, 400].includes(r.status), `${r.status} ${r.text}`);
    if (r.status === 400) assert.equal(typeof r.json?.error, 'string');
    assert.ok(await wharf.healthy());
  });

  test('JSON nested 100000 levels deep (closed and unclosed), signed', async () => {
    for (const body of ['['.repeat(100000) + ']'.repeat(100000), '['.repeat(100000), '{"a":'.repeat(60000) + '1' + '}'.repeat(60000)]) {
      for (const [source, req] of [['stripe', S.signStripe(keys.stripe, body)], ['sendgrid', S.signSendgrid(keys.sendgrid.privateKey, body)]]) {
        const r = await wharf.post(source, req);
        assert.ok([400, 413].includes(r.status), `${source} deep JSON (${body.length} bytes): ${r.status} ${r.text.slice(0, 200)}`);
        assert.equal(typeof r.json?.error, 'string');
      }
    }
    assert.ok(await wharf.healthy());
  });

  test('a 10k-character signature header', async () => {
    const req = S.signStripe(keys.stripe, S.stripeEvent());
    req.headers['stripe-signature'] = `t=${nowSeconds()},` + Array.from({ length: 200 }, () => 'v1=' + 'ab'.repeat(24)).join(',').slice(0, 10000);
    let r;
    try {
      r = await wharf.post('stripe', req);
    } catch (e) {
      assert.fail(`connection failed instead of an HTTP answer: ${e.message}`);
    }
    assert.ok([400, 401, 431].includes(r.status), `${r.status} ${r.text}`);
    const sg = S.signSendgrid(keys.sendgrid.privateKey, JSON.stringify([S.sendgridEvent()]));
    sg.headers['x-twilio-email-event-webhook-signature'] = crypto.randomBytes(7500).toString('base64');
    const r2 = await wharf.post('sendgrid', sg);
    assert.ok([400, 401, 431].includes(r2.status), `${r2.status} ${r2.text}`);
    assert.ok(await wharf.healthy());
  });

  test('1000 random bodies with random headers on every source', async () => {
    const sources = ['stripe', 'app', 'sendgrid', 'github', 'nope'];
    const sigHeaders = ['stripe-signature', 'webhook-signature', 'x-twilio-email-event-webhook-signature', 'x-hub-signature-256'];
    const statuses = await pool(1000, 16, async (i) => {
      const len = crypto.randomInt(0, i % 10 === 0 ? 70000 : 3000);
      let body = crypto.randomBytes(len);
      if (i % 4 === 1) body = Buffer.from(JSON.stringify([{ sg_event_id: i, event: null, x: crypto.randomBytes(8).toString('latin1') }]));
      if (i % 4 === 2) body = Buffer.from(JSON.stringify({ id: 1e308 * (i % 2 ? 1 : -1), type: [], data: 'x' }));
      const headers = { 'content-type': ['application/json', 'multipart/form-data; boundary=zz', 'application/x-www-form-urlencoded', 'text/plain'][i % 4] };
      headers[sigHeaders[i % sigHeaders.length]] = crypto.randomBytes(crypto.randomInt(0, 200)).toString('base64');
      if (i % 3 === 0) headers['webhook-id'] = crypto.randomBytes(10).toString('hex');
      if (i % 5 === 0) headers['webhook-timestamp'] = String(crypto.randomInt(-1e9, 2 ** 47));
      if (i % 7 === 0) headers['x-twilio-email-event-webhook-timestamp'] = crypto.randomBytes(6).toString('hex');
      const r = await wharf.post(sources[i % sources.length], { headers, body });
      return r.status;
    });
    const bad = statuses.filter((s) => s >= 500 || s === 200);
    assert.deepEqual(bad, [], 'random unsigned bodies must be refused with 4xx');
    assert.ok(await wharf.healthy());
  });

  test('raw garbage and truncated requests on the socket', async () => {
    const sends = [
      crypto.randomBytes(5000),
      Buffer.from('GET / HTTP/9.9\r\n\r\n'),
      Buffer.from('POST /webhooks/stripe HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n'),
      Buffer.from('POST /webhooks/stripe HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n'),
      Buffer.from('POST /webhooks/stripe HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\nabc'),
      Buffer.from('POST /webhooks/stripe HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"id"'),  // then closed
      Buffer.from('POST /webhooks/%ff%00/../.. HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'),
      Buffer.from(`POST /webhooks/${'a'.repeat(20000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
    ];
    for (let i = 0; i < 50; i++) sends.push(crypto.randomBytes(crypto.randomInt(1, 2000)));
    await Promise.all(sends.map((payload) => new Promise((resolve) => {
      const s = net.connect(wharf.port, wharf.host, () => {
        s.end(payload);
      });
      s.on('data', () => {});
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      s.setTimeout(10000, () => s.destroy());
    })));
    assert.ok(await wharf.healthy());
    assert.ok(wharf.alive, `process died: ${JSON.stringify(wharf.exit)}\n${wharf.tail()}`);
  });

  test('stalled partial requests are closed by the server', async () => {
    const deadline = slow.length ? slow[0].openedAt + SLOW_CLOSE_MS : Date.now();
    while (Date.now() < deadline && slow.some((s) => s.closedAt === null)) await sleep(250);
    const open = slow.filter((s) => s.closedAt === null).length;
    for (const s of slow) s.socket.destroy();
    assert.equal(open, 0, `${open} of ${slow.length} stalled connections still open after ${SLOW_CLOSE_MS} ms`);
    assert.ok(await wharf.healthy());
    assert.ok(wharf.alive);
  });
});
