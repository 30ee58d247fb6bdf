// The outbound pipeline end to end (issue 4): the real binary calls the provider simulator
// (`wharf mock`) through POST /api/v1/providers/{p}/proxy/{path}; what the simulator journaled is
// what the provider would have seen. Retries and their waits, Retry-After, 4xx, the breaker, a
// 100/min limit under concurrent callers, the idempotency key, clear JSON failures, the host lock,
// and no secret in the logs.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';

import { Wharf, makeTempDir, randomSecret, sleep } from './lib/harness.mjs';
import { Mock } from './lib/mock.mjs';
import * as S from './lib/signers.mjs';

const secrets = {
  stripe: 'sk_test_' + randomSecret(),
  apollo: 'apollo_' + randomSecret(),
  neverbounce: 'nb_' + randomSecret(),
};
const appSecret = S.newStandardSecret();
let mock;
let wharf;
let tlsServer;
let tls;

// An HTTPS peer on loopback with a self-signed certificate for 127.0.0.1 (made by the openssl CLI).
async function startTlsPeer() {
  const dir = makeTempDir('wharf-tls-');
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, path: req.url }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, cert, url: `https://127.0.0.1:${server.address().port}` };
}

before(async () => {
  mock = await Mock.start();
  tls = await startTlsPeer();
  tlsServer = tls.server;
  wharf = await Wharf.start({
    sources: { app: { verifier: 'standard', secret: appSecret } },
    env: { STRIPE_KEY: secrets.stripe, APOLLO_KEY: secrets.apollo, NB_KEY: secrets.neverbounce },
    config: {
      providers: {
        stripe: {
          base_url: `${mock.baseUrl}/v1`,
          idempotency_header: 'Idempotency-Key',
          credentials: { type: 'bearer', value: '${STRIPE_KEY}' },
          retry: { max_attempts: 3, base: '200ms', cap: '2s', jitter: 'none' },
        },
        breaky: {
          base_url: `${mock.baseUrl}/v1`,
          retry: { max_attempts: 3, base: '10ms', cap: '10ms' },
          breaker: { failure_rate: '50%', window: 4, min_calls: 4, open_for: '1s', half_open_calls: 1 },
        },
        slowpoke: {
          kind: 'generic',
          base_url: `${mock.baseUrl}/v1`,
          retry: { max_attempts: 2, base: '100ms', cap: '100ms', max_retry_after: '5s' },
        },
        apollo: {
          base_url: `${mock.baseUrl}/v1`,
          credentials: { type: 'api_key', in: 'body', name: 'api_key', value: '${APOLLO_KEY}' },
          rate_limit: { limit: 100, per: '1m' },
          retry: { max_attempts: 1 },
        },
        private_ca: { kind: 'generic', base_url: tls.url, ca_file: tls.cert, retry: { max_attempts: 1 } },
        system_ca: { kind: 'generic', base_url: tls.url, retry: { max_attempts: 1 } },
        neverbounce: {
          kind: 'generic',
          base_url: `${mock.baseUrl}/v4`,
          credentials: { type: 'api_key', in: 'query', name: 'key', value: '${NB_KEY}' },
          retry: { max_attempts: 1 },
        },
      },
    },
  });
});

after(async () => {
  await wharf?.stop();
  await mock?.stop();
  tlsServer?.close();
});

const proxy = (provider, path, { method = 'POST', body, headers = {} } = {}) =>
  wharf.api(`/providers/${provider}/proxy/${path}`, { method, body, headers });

const form = { 'content-type': 'application/x-www-form-urlencoded' };

test('503, 503, 200: three attempts with growing waits and one idempotency key', async () => {
  await mock.clearRequests();
  await mock.addFault({ route: 'POST /v1/customers', status: 503, times: 2 });
  const r = await proxy('stripe', 'customers', { body: 'email=a%40example.com', headers: form });
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.id, /^cus_/);
  const seen = await mock.requests('POST /v1/customers');
  assert.equal(seen.length, 3);
  const waits = [seen[1].time_ms - seen[0].time_ms, seen[2].time_ms - seen[1].time_ms];
  assert.ok(waits[0] >= 200, `first wait ${waits[0]} ms`);
  assert.ok(waits[1] >= 400, `second wait ${waits[1]} ms`);
  assert.ok(waits[1] > waits[0]);
  const keys = new Set(seen.map((s) => s.headers['idempotency-key']));
  assert.equal(keys.size, 1);
  assert.match([...keys][0], /^[0-9a-f-]{36}$/);
  assert.equal(seen[0].headers.authorization, `Bearer ${secrets.stripe}`);
  assert.equal(seen[0].headers['x-api-key'], undefined);
});

test('429 with Retry-After: 2 → no new attempt before 2 s', async () => {
  await mock.clearRequests();
  await mock.addFault({ route: 'POST /v1/customers', status: 429, retry_after: '2', times: 1 });
  const r = await proxy('stripe', 'customers', { body: 'email=b%40example.com', headers: form });
  assert.equal(r.status, 200, r.text);
  const seen = await mock.requests('POST /v1/customers');
  assert.equal(seen.length, 2);
  assert.ok(seen[1].time_ms - seen[0].time_ms >= 2000, `waited ${seen[1].time_ms - seen[0].time_ms} ms`);
});

test('400 → one attempt, the provider\'s answer passed back', async () => {
  await mock.clearRequests();
  await mock.addFault({ route: 'POST /v1/customers', status: 400, times: 1, body: JSON.stringify({ error: { type: 'invalid_request_error', message: 'bad email' } }) });
  const r = await proxy('stripe', 'customers', { body: 'email=nope', headers: form });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.message, 'bad email');
  assert.equal((await mock.requests('POST /v1/customers')).length, 1);
});

test('a provider that keeps failing: clear JSON with retry_after_s, never its raw body', async () => {
  await mock.clearRequests();
  await mock.addFault({ route: 'GET /v1/customers/cus_raw', status: 429, retry_after: '30', body: JSON.stringify({ leak: 'RAW-UPSTREAM-BODY' }) });
  const r = await proxy('slowpoke', 'customers/cus_raw', { method: 'GET' });
  assert.equal(r.status, 502, r.text);
  assert.doesNotMatch(r.text, /RAW-UPSTREAM-BODY/);
  assert.equal(r.json.provider, 'slowpoke');
  assert.equal(r.json.kind, 'upstream');
  assert.equal(r.json.upstream_status, 429);
  assert.equal(r.json.retry_after_s, 30);
  assert.equal(r.headers.get('retry-after'), '30');
  assert.match(r.json.error, /slowpoke answered HTTP 429/);
  // The hint holds later calls back without reaching the provider.
  const again = await proxy('slowpoke', 'customers/cus_raw', { method: 'GET' });
  assert.equal(again.status, 429);
  assert.equal(again.json.kind, 'rate_limited');
  assert.ok(again.json.retry_after_s >= 25 && again.json.retry_after_s <= 30, again.text);
  assert.equal((await mock.requests('GET /v1/customers/cus_raw')).length, 1);

  await mock.addFault({ route: 'GET /v1/customers/cus_500', status: 500, body: JSON.stringify({ leak: 'RAW-500' }) });
  const five = await proxy('stripe', 'customers/cus_500', { method: 'GET' });
  assert.equal(five.status, 502);
  assert.doesNotMatch(five.text, /RAW-500/);
  assert.equal(five.json.upstream_status, 500);
  assert.match(five.json.error, /gave up after 3 of 3 attempts/);
  await mock.clearFaults();
});

test('the breaker opens at its threshold, rejects fast, half-opens and closes', async () => {
  await mock.clearRequests();
  await mock.addFault({ route: 'GET /v1/customers/cus_down', status: 500, times: 4 });
  // Three attempts per GET: the fourth failed attempt (in the second call) opens the breaker, which
  // then refuses that call's third attempt.
  const first = await proxy('breaky', 'customers/cus_down', { method: 'GET' });
  assert.equal(first.status, 502, first.text);
  assert.equal(first.json.kind, 'upstream');
  const second = await proxy('breaky', 'customers/cus_down', { method: 'GET' });
  assert.equal(second.status, 503, second.text);
  assert.equal(second.json.kind, 'circuit_open');
  assert.equal((await mock.requests('GET /v1/customers/cus_down')).length, 4);
  const t0 = Date.now();
  const rejected = await proxy('breaky', 'customers/cus_down', { method: 'GET' });
  assert.ok(Date.now() - t0 < 200, 'an open breaker answers at once');
  assert.equal(rejected.status, 503, rejected.text);
  assert.equal(rejected.json.kind, 'circuit_open');
  assert.equal(rejected.json.provider, 'breaky');
  assert.ok(rejected.json.retry_after_s >= 1);
  assert.equal(rejected.headers.get('retry-after'), String(rejected.json.retry_after_s));
  assert.equal((await mock.requests('GET /v1/customers/cus_down')).length, 4, 'nothing sent while open');
  const list = await wharf.api('/providers');
  assert.equal(list.json.providers.find((p) => p.name === 'breaky').breaker.state, 'open');
  await sleep(1100);
  const probe = await proxy('breaky', 'customers/cus_down', { method: 'GET' });
  assert.equal(probe.status, 404, probe.text);  // the simulator's answer: unknown customer
  assert.equal((await mock.requests('GET /v1/customers/cus_down')).length, 5);
  const after = await wharf.api('/providers');
  assert.equal(after.json.providers.find((p) => p.name === 'breaky').breaker.state, 'closed');
});

test('a 100/min limit is never exceeded at the provider under 150 concurrent callers', async () => {
  await mock.clearRequests();
  await mock.addRateLimit({ route: 'POST /v1/mixed_people/search', limit: 100, per_ms: 60000 });
  const results = await Promise.all(Array.from({ length: 150 }, (_, i) =>
    proxy('apollo', 'mixed_people/search', { body: JSON.stringify({ page: 1, per_page: 5, q: i }), headers: { 'content-type': 'application/json' } })));
  const ok = results.filter((r) => r.status === 200);
  const limited = results.filter((r) => r.status === 429);
  assert.equal(ok.length, 100);
  assert.equal(limited.length, 50);
  for (const r of limited) {
    assert.equal(r.json.kind, 'rate_limited');
    assert.equal(r.json.provider, 'apollo');
    assert.match(r.json.error, /100 calls per 1m/);
    assert.ok(r.json.retry_after_s > 0 && r.json.retry_after_s <= 60);
  }
  const seen = await mock.requests('POST /v1/mixed_people/search');
  assert.equal(seen.length, 100);
  assert.ok(seen.every((s) => !s.rate_limited), 'the simulator never had to refuse');
  assert.ok(seen.every((s) => JSON.parse(s.body).api_key === secrets.apollo), 'the key went in the body');
  await mock.clearRateLimits();
});

test('a path, header or encoding cannot steer a call to another host or path', async () => {
  await mock.clearRequests();
  for (const path of ['..%2f..%2fadmin', 'customers/%2e%2e%2fsecret', 'x/.%5cy', '/evil.example/x']) {
    const r = await proxy('stripe', path, { method: 'GET' });
    assert.equal(r.status, 400, `${path}: ${r.text}`);
    assert.equal(r.json.kind, 'refused');
  }
  const trace = await proxy('stripe', 'customers', { method: 'PROPFIND' });  // fetch cannot send TRACE; the unit test does
  assert.ok([400, 405].includes(trace.status), trace.text);
  const r = await proxy('nobody', 'x', { method: 'GET' });
  assert.equal(r.status, 404);
  assert.equal((await mock.requests()).length, 0);
  // The caller's admin token is not passed on.
  await proxy('stripe', 'customers/cus_x', { method: 'GET' });
  const [seen] = await mock.requests('GET /v1/customers/cus_x');
  assert.equal(seen.headers.authorization, `Bearer ${secrets.stripe}`);
  assert.doesNotMatch(JSON.stringify(seen.headers), new RegExp(wharf.adminToken));
});

test('no secret appears in the logs; the request log shows redacted URLs', async () => {
  await mock.clearRequests();
  const r = await proxy('neverbounce', 'single/check?email=a%40example.com', { method: 'GET' });
  assert.ok(r.status < 500, r.text);
  const [seen] = await mock.requests('/v4/single/check');
  assert.match(seen.query, new RegExp(`key=${secrets.neverbounce}`));
  await sleep(100);
  const log = fs.readFileSync(wharf.logPath, 'utf8');
  for (const [name, value] of Object.entries(secrets)) {
    assert.ok(!log.includes(value), `${name}'s key is in the log`);
  }
  assert.ok(!log.includes(wharf.adminToken), 'the admin token is in the log');
  const calls = log.split('\n').filter((l) => l.includes('"outbound call"')).map((l) => JSON.parse(l));
  assert.ok(calls.length > 100);
  const nb = calls.find((c) => c.provider === 'neverbounce');
  assert.match(nb.url, /key=REDACTED/);
  assert.equal(nb.status, seen.status);
  assert.ok(Number.isInteger(nb.duration_us));
  const metrics = await (await fetch(wharf.url('/metrics'))).text();
  assert.match(metrics, /wharf_provider_attempts_total\{provider="stripe",endpoint="\/customers",status="503"\} 2/);
  assert.match(metrics, /wharf_provider_rate_limited_total\{provider="apollo"\} 50/);
  assert.match(metrics, /wharf_provider_attempt_seconds_bucket\{provider="apollo"/);
});

test('TLS is always verified: a private CA is trusted only through ca_file', async () => {
  const good = await proxy('private_ca', 'hello?x=1', { method: 'GET' });
  assert.equal(good.status, 200, good.text);
  assert.deepEqual(good.json, { ok: true, path: '/hello?x=1' });
  const bad = await proxy('system_ca', 'hello', { method: 'GET' });
  assert.equal(bad.status, 502, bad.text);
  assert.equal(bad.json.kind, 'transport');
  assert.match(bad.json.error, /certificate|SSL|tls/i);
});

test('GET /integrations: every source and provider with its 24 h health', async () => {
  const body = S.standardPayload('order.created', { n: 1 });
  assert.equal((await wharf.post('app', S.signStandard(appSecret, body))).status, 200);
  assert.equal((await wharf.post('app', S.signStandard(S.newStandardSecret(), body))).status, 401);
  const r = await wharf.api('/integrations');
  assert.equal(r.status, 200, r.text);
  const find = (type, name) => r.json.integrations.find((i) => i.type === type && i.name === name);
  const app = find('source', 'app');
  assert.equal(app.status, 'down');  // 1 failure in 2
  assert.equal(app.error_rate_24h, 0.5);
  assert.ok(app.last_success && app.last_failure);
  assert.match(app.last_error, /signature rejected/);
  const breaky = find('provider', 'breaky');
  assert.equal(breaky.status, 'down');
  assert.ok(breaky.failures_24h >= 2);
  const apollo = find('provider', 'apollo');
  assert.equal(apollo.successes_24h, 100, 'rate-limited calls are not provider failures');
  assert.equal(apollo.failures_24h, 0);
  assert.equal(apollo.status, 'healthy');
  for (const i of r.json.integrations) {
    assert.ok(['healthy', 'degraded', 'down'].includes(i.status));
    assert.ok(i.error_rate_24h >= 0 && i.error_rate_24h <= 1);
  }
  assert.ok(find('provider', 'private_ca'));
});
