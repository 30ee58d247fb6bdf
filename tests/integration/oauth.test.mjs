// The vault and OAuth 2.0 connections end to end (issue 5, SPEC §2.3): the real binary against a
// real authorization server (`oidc-provider`, lib/oidc_server.mjs: PKCE S256 required, rotating
// refresh tokens, RFC 7009 revocation, RFC 7662 introspection, userinfo at /me) and the provider
// simulator (`wharf mock`) as an API whose journal shows the bearer tokens wharf sent. Logins are
// scripted (no browser): the test follows wharf's redirect to the AS, finishes login and consent
// there, and brings the AS's redirect back to wharf's callback (sometimes tampered with first).
//
// The gateway contract these tests depend on:
//   config:
//     vault.master_key: base64 of 32 bytes, or a list of them (the first is current)
//     oauth.redirect_uri: wharf's callback URL, byte for byte what the AS has registered; the AS
//       must know it before wharf starts, so the test reserves wharf's port (freePort) and gives
//       it `server.listen: 127.0.0.1:<port>`
//     oauth.refresh_margin (refresh when the token expires within it; 0s here), oauth.state_ttl
//     oauth.clients.<name>: template, authorization_endpoint, token_endpoint, revocation_endpoint,
//       client_id, client_secret, auth_method (client_secret_basic|client_secret_post), scopes,
//       extra_authorization_params
//     providers.<p>.credentials: { type: oauth, client: <name> }; api_key credentials whose key a
//       connection may replace
//   GET /connect/{client}?connection_id=ID (no admin token) → 302 to the AS with response_type=code,
//     client_id, redirect_uri, scope, state, code_challenge, code_challenge_method=S256 + extras;
//     unknown client 404, missing/bad connection_id 400 (JSON {"error"}).
//   GET /oauth/callback (no admin token) → 200 {"connection_id","status":"connected"}; state never
//     issued/reused/expired → 400; AS error → 400 {authorization_error: "access_denied", error
//     containing the AS's description}; exchange refused → 400 {authorization_error:
//     "invalid_grant"}; AS unreachable → 502. Failures carry `Cache-Control: no-store`, and the
//     state ones say `unknown_state` / `expired_state`.
//   /api/v1/connections[/{id}] (admin): {id, provider, type, status, scopes, expires_at,
//     last_refresh_at, last_error, created_at, updated_at}, never a secret; POST {id, provider,
//     api_key} (API-key connection) → 201; POST {id, provider: <client>} → 201 a `pending` OAuth
//     connection with `connect_url`; POST {id}/refresh → 200 + the connection; POST {id}/test
//     [{provider, path: "/..."}] → 200 {"ok"};
//     DELETE {id} → revokes the refresh token at the AS, 200 {"id","status":"revoked",
//     "revoked_at_provider":true}; AS unreachable → 502 and nothing deleted, unless ?force=true.
//   /api/v1/providers/{p}/proxy/... with `Wharf-Connection: ID` (not forwarded): `Authorization:
//     Bearer <access token>`, refresh before expiry (one refresh in flight per connection, other
//     callers wait), on a 401 one refresh and one retry; an unknown or pending connection → 502
//     with kind "credentials".
//   POST /api/v1/vault/rotate → {master_key_id, data_key_id, data_keys, reencrypted} (docs/admin-api.md;
//     the issue said `rewrapped` for data_keys)
//   A database holding vault data and a config without vault.master_key: exit non-zero, one
//     stderr line naming vault.master_key.
// Assumed where the contract is silent: an OAuth connection's `provider` is the client's name
// (`idp`); a connection id with a space or a slash is "bad"; `wharf keys rotate` takes `--url`
// and WHARF_ADMIN_TOKEN like the other admin commands; DELETE ?force=true with the AS down
// answers 200 with revoked_at_provider false.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { Wharf, freePort, runWharf, sleep } from './lib/harness.mjs';
import { Mock } from './lib/mock.mjs';
import { pkcePair, startOidcServer } from './lib/oidc_server.mjs';

const newMasterKey = () => crypto.randomBytes(32).toString('base64');
const masterKey = newMasterKey();
const apiKey = 'ak_live_' + crypto.randomBytes(18).toString('base64url');
const configuredKey = 'ak_configured_' + crypto.randomBytes(12).toString('base64url');
const SCOPES = ['openid', 'offline_access', 'profile'];
const CAL = 'calendar/v3/calendars/primary/events';

let port;          // wharf's (reserved before the AS starts)
let redirectUri;   // wharf's callback, registered at the AS
let otherRedirect; // also registered at the AS, but not wharf's
let as;            // the main AS (client_secret_basic)
let asPost;        // a second AS whose client authenticates with client_secret_post
let mock;
let wharf;
const codesSeen = []; // every authorization code the AS sent back in a redirect

function oauthClient(server, template = 'generic') {
  return {
    template,
    authorization_endpoint: server.authorizationEndpoint,
    token_endpoint: server.tokenEndpoint,
    revocation_endpoint: server.revocationEndpoint,
    client_id: server.clientId,
    client_secret: server.clientSecret,
    auth_method: server.authMethod,
    scopes: SCOPES,
    extra_authorization_params: { prompt: 'consent' },
  };
}

function wharfConfig({ key = masterKey, stateTtl, oauthOn = true, vaultOn = true } = {}) {
  const cfg = {};
  if (vaultOn) cfg.vault = { master_key: key };
  if (oauthOn) {
    cfg.oauth = {
      redirect_uri: redirectUri,
      refresh_margin: '0s',
      ...(stateTtl ? { state_ttl: stateTtl } : {}),
      clients: { idp: oauthClient(as), idp_post: oauthClient(asPost) },
    };
    cfg.providers = {
      idp_api: { kind: 'generic', base_url: as.issuer, credentials: { type: 'oauth', client: 'idp' } },
      post_api: { kind: 'generic', base_url: asPost.issuer, credentials: { type: 'oauth', client: 'idp_post' } },
      mock_api: { kind: 'generic', base_url: mock.baseUrl, credentials: { type: 'oauth', client: 'idp' } },
      keyed_api: {
        kind: 'generic',
        base_url: `${mock.baseUrl}/v1`,
        credentials: { type: 'api_key', in: 'header', name: 'X-Api-Key', value: configuredKey },
      },
      // Every call names a connection: there is no configured key.
      users_sendgrid: { kind: 'sendgrid', base_url: `${mock.baseUrl}/v3`, credentials: { type: 'bearer' } },
    };
  } else {
    cfg.providers = {
      keyed_api: { kind: 'generic', base_url: `${mock.baseUrl}/v1`, credentials: { type: 'api_key', in: 'header', name: 'X-Api-Key', value: configuredKey } },
    };
  }
  return cfg;
}

before(async () => {
  port = await freePort();
  redirectUri = `http://127.0.0.1:${port}/oauth/callback`;
  otherRedirect = `http://127.0.0.1:${port}/elsewhere/callback`;
  as = await startOidcServer({ redirectUris: [redirectUri, otherRedirect], accessTokenTtl: 3600 });
  asPost = await startOidcServer({ redirectUris: [redirectUri], authMethod: 'client_secret_post', accessTokenTtl: 3600 });
  mock = await Mock.start();
  wharf = await Wharf.start({ server: { listen: `127.0.0.1:${port}` }, config: wharfConfig() });
});

after(async () => {
  await wharf?.stop();
  await mock?.stop();
  await as?.close();
  await asPost?.close();
});

// ---- helpers ------------------------------------------------------------------------------------

async function getManual(url, headers = {}) {
  const res = await fetch(url, { redirect: 'manual', headers });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, location: res.headers.get('location'), text, json, headers: res.headers };
}

const connect = (client, id) => getManual(wharf.url(`/connect/${client}${id === undefined ? '' : `?connection_id=${encodeURIComponent(id)}`}`));

// The AS's redirect back to the client (a URL on wharf's port), after the scripted login.
async function loginAt(server, location, opts) {
  const cb = await server.login(location, opts);
  const code = new URL(cb).searchParams.get('code');
  if (code) codesSeen.push(code);
  return cb;
}

// connect → login → callback → 200; returns the grant and the access token wharf received.
async function connectFully(id, { client = 'idp', server = as, account = 'alice' } = {}) {
  const c = await connect(client, id);
  assert.equal(c.status, 302, `GET /connect/${client}: ${c.status} ${c.text}`);
  const cb = await loginAt(server, c.location, { account });
  const before = server.issued.accessTokens.length;
  const r = await getManual(cb);
  assert.equal(r.status, 200, `callback: ${r.status} ${r.text}`);
  assert.equal(r.json.connection_id, id);
  assert.equal(r.json.status, 'connected');
  const fresh = server.issued.accessTokens.slice(before);
  assert.equal(fresh.length, 1, 'one code exchange at the AS');
  return { grantId: fresh[0].grantId, accessToken: fresh[0].value, callback: r };
}

const tokensOf = (server, grantId, kind = 'accessTokens') => server.issued[kind].filter((t) => t.grantId === grantId).map((t) => t.value);
const latest = (server, grantId, kind = 'accessTokens') => tokensOf(server, grantId, kind).at(-1);

const proxy = (provider, p, id, { method = 'GET', headers = {}, body } = {}) =>
  wharf.api(`/providers/${provider}/proxy/${p}`, { method, body, headers: { ...(id ? { 'wharf-connection': id } : {}), ...headers } });
const me = (id) => proxy('idp_api', 'me', id);
const conn = (id) => wharf.api(`/connections/${encodeURIComponent(id)}`);

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
function assertTime(v, what) {
  assert.equal(typeof v, 'string', `${what}: ${v}`);
  assert.match(v, RFC3339, what);
  assert.ok(!Number.isNaN(Date.parse(v)), what);
}

// Secrets made by single tests, checked at rest too.
const secretsSeen = [];

// Every secret that must never be stored or logged in plaintext.
function allSecrets() {
  const s = [];
  for (const server of [as, asPost]) {
    for (const t of server.issued.accessTokens) s.push(['access token', t.value]);
    for (const t of server.issued.refreshTokens) s.push(['refresh token', t.value]);
    s.push(['client secret', server.clientSecret]);
  }
  s.push(['API key', apiKey]);
  s.push(...secretsSeen);
  return s;
}

function assertNoSecretIn(text, what) {
  for (const [kind, v] of allSecrets()) {
    assert.ok(!text.includes(v), `${what} contains a ${kind}`);
  }
}

// ---- the flow -----------------------------------------------------------------------------------

test('GET /connect: 302 to the AS with PKCE S256, a fresh state and the exact redirect_uri', async () => {
  const a = await connect('idp', 'c_url');
  assert.equal(a.status, 302, a.text);
  const u = new URL(a.location);
  assert.equal(u.origin + u.pathname, as.authorizationEndpoint);
  const q = u.searchParams;
  assert.equal(q.get('response_type'), 'code');
  assert.equal(q.get('client_id'), as.clientId);
  assert.equal(q.get('redirect_uri'), redirectUri, 'redirect_uri byte for byte');
  assert.equal(q.getAll('redirect_uri').length, 1);
  assert.deepEqual(q.get('scope').split(' '), SCOPES);
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.match(q.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  assert.ok((q.get('state') ?? '').length >= 16, `state ${q.get('state')}`);
  assert.equal(q.get('prompt'), 'consent', 'extra_authorization_params');

  const b = await connect('idp', 'c_url');
  const qb = new URL(b.location).searchParams;
  assert.notEqual(qb.get('state'), q.get('state'));
  assert.notEqual(qb.get('code_challenge'), q.get('code_challenge'));

  // Not connected before the callback.
  const pending = await conn('c_url');
  if (pending.status === 200) assert.equal(pending.json.status, 'pending', pending.text);
  else assert.equal(pending.status, 404, pending.text);
  assert.notEqual((await me('c_url')).status, 200);

  const unknown = await connect('nope', 'c_x');
  assert.equal(unknown.status, 404, unknown.text);
  assert.equal(typeof unknown.json?.error, 'string');
  for (const bad of [undefined, '', 'a b/c']) {
    const r = await connect('idp', bad);
    assert.equal(r.status, 400, `connection_id ${JSON.stringify(bad)}: ${r.status} ${r.text}`);
    assert.equal(typeof r.json?.error, 'string');
  }
});

test('full flow: connect → login → callback → connected; /me through the pipeline; the token is live', async () => {
  const { grantId, accessToken, callback } = await connectFully('c_full');
  assertNoSecretIn(callback.text, 'the callback answer');

  const c = await conn('c_full');
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.id, 'c_full');
  assert.equal(c.json.provider, 'idp');
  assert.equal(c.json.type, 'oauth');
  assert.equal(c.json.status, 'connected');
  for (const s of SCOPES) assert.ok(c.json.scopes.includes(s), `scopes ${JSON.stringify(c.json.scopes)}`);
  assertTime(c.json.expires_at, 'expires_at');
  const left = Date.parse(c.json.expires_at) - Date.now();
  assert.ok(left > 3500e3 && left <= 3601e3, `expires in ${left} ms (AS: 3600 s)`);
  assertTime(c.json.created_at, 'created_at');
  assertTime(c.json.updated_at, 'updated_at');
  assert.equal(c.json.last_error, null);
  for (const k of ['last_refresh_at']) assert.ok(k in c.json, `field ${k}`);
  assertNoSecretIn(c.text, 'GET /connections/{id}');

  const list = await wharf.api('/connections');
  assert.equal(list.status, 200, list.text);
  assert.ok(list.json.connections.some((x) => x.id === 'c_full' && x.status === 'connected'));
  assertNoSecretIn(list.text, 'GET /connections');
  assert.equal((await wharf.api('/connections', { token: null })).status, 401);

  const r = await me('c_full');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.sub, 'alice');
  assert.equal(r.json.name, 'Alice Example');

  const info = await as.introspect(accessToken);
  assert.equal(info.active, true);
  assert.equal(info.sub, 'alice');
  assert.equal(latest(as, grantId), accessToken, 'no refresh needed for a fresh token');

  // Another account, another connection: each call uses its own token.
  await connectFully('c_bob', { account: 'bob' });
  assert.equal((await me('c_bob')).json?.sub, 'bob');
  assert.equal((await me('c_full')).json?.sub, 'alice');

  const t = await wharf.api('/connections/c_full/test', { method: 'POST' });
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.ok, true, t.text);
  const tp = await wharf.api('/connections/c_full/test', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ provider: 'idp_api', path: '/me' }),
  });
  assert.equal(tp.status, 200, tp.text);
  assert.equal(tp.json.ok, true, tp.text);
  assertNoSecretIn(tp.text, 'POST /test');
});

test('the client_secret_post client: connect, refresh and revoke authenticate in the body', async () => {
  const { grantId } = await connectFully('c_post', { client: 'idp_post', server: asPost });
  const r = await proxy('post_api', 'me', 'c_post');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.sub, 'alice');
  const rt0 = latest(asPost, grantId, 'refreshTokens');
  const f = await wharf.api('/connections/c_post/refresh', { method: 'POST' });
  assert.equal(f.status, 200, f.text);
  assert.equal(asPost.counters.refresh_token, 1);
  assert.equal((await asPost.introspect(rt0)).active, false, 'rotated');
  const d = await wharf.api('/connections/c_post', { method: 'DELETE' });
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.revoked_at_provider, true);
  assert.equal((await asPost.introspect(latest(asPost, grantId, 'refreshTokens'))).active, false);
});

test('a pending connection made through the admin API: its connect_url completes it', async () => {
  const c = await wharf.api('/connections', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'c_pend', provider: 'idp' }),
  });
  assert.equal(c.status, 201, c.text);
  assert.equal(c.json.status, 'pending');
  assert.equal(c.json.type, 'oauth');
  assert.equal(typeof c.json.connect_url, 'string', c.text);
  const p = await me('c_pend');
  assert.equal(p.status, 502, p.text);
  assert.equal(p.json.kind, 'credentials', p.text);

  const start = await getManual(new URL(c.json.connect_url, wharf.baseUrl).toString());
  assert.equal(start.status, 302, start.text);
  const r = await getManual(await loginAt(as, start.location));
  assert.equal(r.status, 200, r.text);
  assert.equal((await conn('c_pend')).json.status, 'connected');
  assert.equal((await me('c_pend')).status, 200);

  // An unknown connection on a call: the credentials stage says so.
  const u = await me('no_such_connection');
  assert.equal(u.status, 502, u.text);
  assert.equal(u.json.kind, 'credentials', u.text);
});

test('an existing connection is connected again only through its connect link (no takeover)', async () => {
  await connectFully('c_owned');
  const grab = await connect('idp', 'c_owned');
  assert.equal(grab.status, 401, `a stranger's /connect: ${grab.status} ${grab.text}`);
  assert.equal(typeof grab.json?.error, 'string');
  const forged = await getManual(`${wharf.baseUrl}/connect/idp?connection_id=c_owned&connect_token=guess`);
  assert.equal(forged.status, 401, forged.text);

  const link = await wharf.api('/connections/c_owned/connect', { method: 'POST' });
  assert.equal(link.status, 200, link.text);
  assert.match(link.json.connect_url, /^\/connect\/idp\?connection_id=c_owned&connect_token=[A-Za-z0-9_-]{43}$/);
  assertTime(link.json.connect_url_expires_at, 'connect_url_expires_at');
  const again = await getManual(new URL(link.json.connect_url, wharf.baseUrl).toString());
  assert.equal(again.status, 302, again.text);
  const r = await getManual(await loginAt(as, again.location));
  assert.equal(r.status, 200, r.text);
  // The link served once: the next reconnect needs a new one.
  const reused = await getManual(new URL(link.json.connect_url, wharf.baseUrl).toString());
  assert.equal(reused.status, 401, reused.text);
  assert.equal((await me('c_owned')).status, 200);
});

// ---- the callback's refusals --------------------------------------------------------------------

test('a state wharf never issued, or none: 400', async () => {
  for (const q of ['?code=abc&state=never-issued-state-0123456789', '?code=abc', '?state=x', '']) {
    const r = await getManual(wharf.url(`/oauth/callback${q}`));
    assert.equal(r.status, 400, `${q}: ${r.status} ${r.text}`);
    assert.equal(typeof r.json?.error, 'string');
    assert.match(r.headers.get('cache-control') ?? '', /no-store/);
  }
  const never = await getManual(wharf.url('/oauth/callback?code=abc&state=never-issued-state-0123456789'));
  assert.match(never.json.error, /unknown_state/);
});

test('the same callback twice: the replay is refused and the connection stays as it was', async () => {
  const c = await connect('idp', 'c_replay');
  const cb = await loginAt(as, c.location);
  const first = await getManual(cb);
  assert.equal(first.status, 200, first.text);
  const exchanges = as.counters.authorization_code;
  const errs = as.tokenErrors.length;
  const second = await getManual(cb);
  assert.equal(second.status, 400, second.text);
  assert.match(second.json.error, /unknown_state/);
  assert.equal(as.counters.authorization_code, exchanges, 'no second exchange');
  assert.deepEqual(as.tokenErrors.slice(errs), [], 'the code was not presented again');
  assert.equal((await conn('c_replay')).json?.status, 'connected');
  assert.equal((await me('c_replay')).status, 200);
});

test("flow 1's code with flow 2's state: invalid_grant (PKCE), flow 1 still completes", async () => {
  const f1 = await connect('idp', 'c_a');
  const f2 = await connect('idp', 'c_b');
  const cb1 = new URL(await loginAt(as, f1.location));
  const cb2 = new URL(await loginAt(as, f2.location));
  const mixed = new URL(cb2);
  mixed.searchParams.set('code', cb1.searchParams.get('code'));
  const errs = as.tokenErrors.length;
  const r = await getManual(mixed.toString());
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.authorization_error, 'invalid_grant', r.text);
  assert.deepEqual(as.tokenErrors.slice(errs).map((e) => e.error_detail), ['PKCE verification failed'], 'wharf sent flow 2\'s verifier');
  assert.notEqual((await conn('c_b')).json?.status, 'connected');

  const ok = await getManual(cb1.toString());
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.connection_id, 'c_a');
  assert.equal((await me('c_a')).status, 200);
});

test('a code issued for another redirect_uri: the AS refuses the exchange (invalid_grant)', async () => {
  const c = await connect('idp', 'c_redir');
  const u = new URL(c.location);
  u.searchParams.set('redirect_uri', otherRedirect);   // same state and challenge, other redirect
  const cb = new URL(await loginAt(as, u.toString()));
  assert.equal(cb.pathname, '/elsewhere/callback');
  const errs = as.tokenErrors.length;
  const r = await getManual(wharf.url(`/oauth/callback?code=${encodeURIComponent(cb.searchParams.get('code'))}&state=${encodeURIComponent(cb.searchParams.get('state'))}`));
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.authorization_error, 'invalid_grant', r.text);
  assert.deepEqual(as.tokenErrors.slice(errs).map((e) => e.error_detail), ['authorization code redirect_uri mismatch']);
  assert.notEqual((await conn('c_redir')).json?.status, 'connected');
});

test('the user denies access: 400 access_denied with the AS\'s description', async () => {
  const c = await connect('idp', 'c_denied');
  const cb = await loginAt(as, c.location, { deny: true });
  assert.equal(new URL(cb).searchParams.get('error'), 'access_denied');
  const exchanges = as.counters.authorization_code;
  const r = await getManual(cb);
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.authorization_error, 'access_denied', r.text);
  assert.match(r.json.error, /The user refused to grant access/);
  assert.match(r.headers.get('cache-control') ?? '', /no-store/);
  assert.equal(as.counters.authorization_code, exchanges);
  assert.notEqual((await conn('c_denied')).json?.status, 'connected');
});

test('the AS unreachable during the code exchange: 502', async () => {
  const c = await connect('idp', 'c_down');
  const cb = await loginAt(as, c.location);
  as.setOffline(true);
  let r;
  try {
    r = await getManual(cb);
  } finally {
    as.setOffline(false);
  }
  assert.equal(r.status, 502, r.text);
  assert.equal(typeof r.json?.error, 'string');
  assert.notEqual((await conn('c_down')).json?.status, 'connected');
});

test('a state older than oauth.state_ttl: 400 expired', async () => {
  // A second gateway with state_ttl 1s on another reserved port; the AS knows no redirect to it,
  // so the login goes to wharf's registered callback and the test brings code and state over.
  const port2 = await freePort();
  const w2 = await Wharf.start({ server: { listen: `127.0.0.1:${port2}` }, config: wharfConfig({ stateTtl: '1s' }) });
  try {
    const c = await getManual(w2.url('/connect/idp?connection_id=c_late'));
    assert.equal(c.status, 302, c.text);
    const t0 = Date.now();
    const cb = new URL(await loginAt(as, c.location));
    await sleep(Math.max(0, 1500 - (Date.now() - t0)));
    const r = await getManual(w2.url(`/oauth/callback${cb.search}`));
    assert.equal(r.status, 400, r.text);
    assert.match(r.json.error, /expired_state/);

    // Control: within the TTL the same steps succeed.
    const c2 = await getManual(w2.url('/connect/idp?connection_id=c_soon'));
    const cb2 = new URL(await loginAt(as, c2.location));
    const ok = await getManual(w2.url(`/oauth/callback${cb2.search}`));
    assert.equal(ok.status, 200, ok.text);
  } finally {
    await w2.stop();
  }
});

// ---- refresh ------------------------------------------------------------------------------------

test('50 concurrent calls right after the access token expired: exactly one refresh, all 200', async () => {
  as.setAccessTokenTtl(2);
  let grantId;
  let first;
  try {
    ({ grantId, accessToken: first } = await connectFully('c_conc'));
  } finally {
    as.setAccessTokenTtl(3600);
  }
  const c = await conn('c_conc');
  const exp = Date.parse(c.json.expires_at);
  assert.ok(exp - Date.now() <= 2500, `expires_at ${c.json.expires_at}`);
  await sleep(Math.max(0, exp - Date.now()) + 1100);   // expires_at may be rounded to seconds
  assert.equal((await as.introspect(first)).active, false, 'expired at the AS');

  const refreshes = as.counters.refresh_token;
  const errs = as.tokenErrors.length;
  const results = await Promise.all(Array.from({ length: 50 }, () => me('c_conc')));
  const bad = results.filter((r) => r.status !== 200 || r.json?.sub !== 'alice');
  assert.equal(bad.length, 0, `${bad.length} failed, e.g. ${bad[0]?.status} ${bad[0]?.text}`);
  assert.equal(as.counters.refresh_token - refreshes, 1, 'refresh grants at the AS');
  assert.equal(tokensOf(as, grantId).length, 2, 'one new access token');
  assert.deepEqual(as.tokenErrors.slice(errs), []);
  const after = await conn('c_conc');
  assertTime(after.json.last_refresh_at, 'last_refresh_at');
  assert.ok(Date.parse(after.json.expires_at) - Date.now() > 3500e3);
});

test('refresh-token rotation: wharf stores each new refresh token (a second forced refresh works)', async () => {
  const { grantId } = await connectFully('c_rot');
  const rt0 = latest(as, grantId, 'refreshTokens');
  const n = as.counters.refresh_token;
  const errs = as.tokenErrors.length;

  const f1 = await wharf.api('/connections/c_rot/refresh', { method: 'POST' });
  assert.equal(f1.status, 200, f1.text);
  assert.equal(f1.json.id, 'c_rot');
  assert.equal(f1.json.status, 'connected');
  assertTime(f1.json.last_refresh_at, 'last_refresh_at');
  assertNoSecretIn(f1.text, 'POST /refresh');
  const rt1 = latest(as, grantId, 'refreshTokens');
  assert.notEqual(rt1, rt0);
  assert.equal((await as.introspect(rt0)).active, false, 'the old refresh token is consumed');
  assert.equal((await as.introspect(rt1)).active, true);

  const f2 = await wharf.api('/connections/c_rot/refresh', { method: 'POST' });
  assert.equal(f2.status, 200, f2.text);
  assert.equal(as.counters.refresh_token - n, 2);
  assert.deepEqual(as.tokenErrors.slice(errs), [], 'never an old refresh token');
  assert.equal((await as.introspect(latest(as, grantId, 'refreshTokens'))).active, true);
  const r = await me('c_rot');
  assert.equal(r.status, 200, r.text);
  assert.equal((await as.introspect(latest(as, grantId))).active, true);
});

test('a 401 from the API: one refresh, one retry with the new token', async () => {
  const { grantId, accessToken } = await connectFully('c_401');
  assert.equal((await me('c_401')).status, 200);

  // The AS revokes the access token wharf holds: /me answers 401 to it.
  assert.equal((await as.revoke(accessToken, 'access_token')).status, 200);
  assert.equal((await as.userinfo(accessToken)).status, 401);
  let n = as.counters.refresh_token;
  const r = await me('c_401');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.sub, 'alice');
  assert.equal(as.counters.refresh_token - n, 1);
  assert.equal(tokensOf(as, grantId).length, 2);

  // The simulator answers 401 once: two requests with different bearer tokens.
  await mock.clearRequests();
  await mock.addFault({ route: `GET /${CAL}`, status: 401, times: 1 });
  n = as.counters.refresh_token;
  const before = latest(as, grantId);
  const m = await proxy('mock_api', CAL, 'c_401');
  assert.equal(m.status, 200, m.text);
  assert.equal(m.json.kind, 'calendar#events');
  const seen = await mock.requests(`GET /${CAL}`);
  assert.equal(seen.length, 2);
  assert.equal(seen[0].headers.authorization, `Bearer ${before}`);
  assert.equal(seen[1].headers.authorization, `Bearer ${latest(as, grantId)}`);
  assert.notEqual(seen[0].headers.authorization, seen[1].headers.authorization);
  assert.equal(seen[0].headers['wharf-connection'], undefined, 'Wharf-Connection is not forwarded');
  assert.equal(as.counters.refresh_token - n, 1);

  // 401 again after the retry: no further refresh nor retry.
  await mock.clearRequests();
  await mock.addFault({ route: `GET /${CAL}`, status: 401, times: 2 });
  n = as.counters.refresh_token;
  const twice = await proxy('mock_api', CAL, 'c_401');
  assert.notEqual(twice.status, 200);
  assert.equal((await mock.requests(`GET /${CAL}`)).length, 2);
  assert.equal(as.counters.refresh_token - n, 1);
  await mock.clearFaults();
});

// ---- disconnect ---------------------------------------------------------------------------------

test('DELETE revokes the refresh token at the AS (and so the grant\'s access tokens)', async () => {
  const { grantId } = await connectFully('c_del');
  assert.equal((await me('c_del')).status, 200);
  const at = latest(as, grantId);
  const rt = latest(as, grantId, 'refreshTokens');
  const revs = as.revocations.length;

  const d = await wharf.api('/connections/c_del', { method: 'DELETE' });
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.id, 'c_del');
  assert.equal(d.json.status, 'revoked');
  assert.equal(d.json.revoked_at_provider, true);
  const mine = as.revocations.slice(revs);
  assert.ok(mine.some((x) => x.kind === 'RefreshToken' && x.status === 200), `revocations: ${JSON.stringify(mine)}`);
  assert.equal((await as.introspect(rt)).active, false);
  assert.equal((await as.introspect(at)).active, false);

  const g = await conn('c_del');
  if (g.status === 200) assert.equal(g.json.status, 'revoked');
  else assert.equal(g.status, 404, g.text);
  const n = as.counters.refresh_token;
  assert.notEqual((await wharf.api('/connections/c_del/refresh', { method: 'POST' })).status, 200);
  assert.equal(as.counters.refresh_token, n);
  assert.notEqual((await me('c_del')).status, 200);
});

test('DELETE with the AS unreachable: 502 and nothing deleted; ?force=true deletes', async () => {
  const { grantId } = await connectFully('c_del2');
  as.setOffline(true);
  let d;
  try {
    d = await wharf.api('/connections/c_del2', { method: 'DELETE' });
  } finally {
    as.setOffline(false);
  }
  assert.equal(d.status, 502, d.text);
  assert.equal((await conn('c_del2')).json?.status, 'connected');
  assert.equal((await me('c_del2')).status, 200, 'still usable');

  as.setOffline(true);
  try {
    d = await wharf.api('/connections/c_del2?force=true', { method: 'DELETE' });
  } finally {
    as.setOffline(false);
  }
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.status, 'revoked');
  assert.equal(d.json.revoked_at_provider, false);
  assert.notEqual((await me('c_del2')).status, 200);
  // Not revoked at the AS: it was down.
  assert.equal((await as.introspect(latest(as, grantId, 'refreshTokens'))).active, true);
});

// ---- API-key connections ------------------------------------------------------------------------

test('an API-key connection: created, used at the provider, never shown back', async () => {
  const c = await wharf.api('/connections', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'k1', provider: 'keyed_api', api_key: apiKey }),
  });
  assert.equal(c.status, 201, c.text);
  assert.doesNotMatch(c.text, new RegExp(apiKey));
  const g = await conn('k1');
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.type, 'api_key');
  assert.equal(g.json.provider, 'keyed_api');
  assert.doesNotMatch(g.text, new RegExp(apiKey));
  assert.doesNotMatch((await wharf.api('/connections')).text, new RegExp(apiKey));

  await mock.clearRequests();
  const body = JSON.stringify({ page: 1, per_page: 2 });
  const r = await proxy('keyed_api', 'mixed_people/search', 'k1', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 200, r.text);
  const plain = await proxy('keyed_api', 'mixed_people/search', null, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  assert.equal(plain.status, 200, plain.text);
  const seen = await mock.requests('POST /v1/mixed_people/search');
  assert.equal(seen.length, 2);
  assert.equal(seen[0].headers['x-api-key'], apiKey);
  assert.equal(seen[0].headers['wharf-connection'], undefined);
  assert.equal(seen[1].headers['x-api-key'], configuredKey, 'without a connection: the configured key');

  assert.notEqual((await proxy('keyed_api', 'mixed_people/search', 'no_such_conn', { method: 'POST', body })).status, 200);
  // An OAuth connection of client idp cannot serve the API-key provider, nor k1 an OAuth one.
  assert.notEqual((await me('k1')).status, 200);
});

test("a provider's message quoting a connection's key reaches the caller redacted", async () => {
  const userKey = 'SG.' + crypto.randomBytes(18).toString('base64url');
  const made = await wharf.api('/connections', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'sg_user', provider: 'users_sendgrid', api_key: userKey }),
  });
  assert.equal(made.status, 201, made.text);
  const mail = JSON.stringify({ from: 'a@b.example', to: 'c@d.example', subject: 's', html: 'h' });
  const send = (headers) => wharf.api('/providers/users_sendgrid/actions/mail_send', {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: mail,
  });
  const ok = await send({ 'wharf-connection': 'sg_user' });
  assert.equal(ok.status, 200, ok.text);
  const seen = await mock.requests('POST /v3/mail/send');
  assert.equal(seen.at(-1).headers.authorization, `Bearer ${userKey}`);

  await mock.addFault({ route: 'POST /v3/mail/send', status: 401, times: 1,
    body: JSON.stringify({ errors: [{ message: `bad key ${userKey}`, field: null }] }) });
  const r = await send({ 'wharf-connection': 'sg_user' });
  assert.equal(r.status, 502, r.text);
  assert.equal(r.json.kind, 'rejected', r.text);
  assert.ok(!r.text.includes(userKey), r.text);
  assert.match(r.json.error, /bad key REDACTED/);
  // Without a connection there is no key at all: the call is refused before the provider.
  const none = await send({});
  assert.equal(none.status, 502, none.text);
  assert.equal(none.json.kind, 'credentials', none.text);
  secretsSeen.push(['API key', userKey]);
});

// ---- at rest ------------------------------------------------------------------------------------

function assertNothingInPlaintext(w) {
  const files = [w.dbPath, `${w.dbPath}-wal`, w.logPath].filter((f) => fs.existsSync(f));
  assert.ok(files.includes(w.dbPath) && files.includes(w.logPath));
  const secrets = allSecrets();
  assert.ok(secrets.filter(([k]) => k === 'refresh token').length >= 5, 'the suite saw refresh tokens');
  for (const f of files) {
    const bytes = fs.readFileSync(f);
    for (const [kind, v] of secrets) {
      for (const form of [v, Buffer.from(v).toString('base64')]) {
        assert.equal(bytes.indexOf(form), -1, `${path.basename(f)} contains a ${kind} (${form === v ? 'plain' : 'base64'})`);
      }
    }
  }
}

test('the database (with its WAL) and the log hold no token, client secret or API key in plaintext', () => {
  assertNothingInPlaintext(wharf);
});

test('the log holds no authorization code', () => {
  const log = fs.readFileSync(wharf.logPath, 'utf8');
  assert.ok(codesSeen.length >= 5);
  for (const code of codesSeen) assert.ok(!log.includes(code), 'an authorization code in the log');
});

// ---- the master key -----------------------------------------------------------------------------

test('vault rotation keeps connections working; restart with [new, old], rotate, then [new] alone', async () => {
  const r1 = await wharf.api('/vault/rotate', { method: 'POST' });
  assert.equal(r1.status, 200, r1.text);
  for (const k of ['master_key_id', 'data_key_id']) assert.equal(typeof r1.json[k], 'string', `${k}: ${r1.text}`);
  for (const k of ['data_keys', 'reencrypted']) assert.equal(typeof r1.json[k], 'number', `${k}: ${r1.text}`);
  assert.ok(r1.json.data_keys >= 1 && r1.json.reencrypted >= 1, r1.text);
  assert.equal((await me('c_full')).status, 200, 'after rotation');
  assert.equal((await wharf.api('/connections/c_rot/refresh', { method: 'POST' })).status, 200);

  const newKey = newMasterKey();
  // (No exit-code check on these stops: a SIGTERM in the moment between the "listening" line and
  // the signal handler's installation ends wharf by the default action; not this file's subject.)
  await wharf.stop();
  await wharf.restart({ config: wharfConfig({ key: [newKey, masterKey] }) });
  assert.equal((await me('c_full')).status, 200, 'after the restart with [new, old]');
  const r2 = await wharf.api('/vault/rotate', { method: 'POST' });
  assert.equal(r2.status, 200, r2.text);
  assert.notEqual(r2.json.master_key_id, r1.json.master_key_id, 'the new master key is current');
  assert.ok(r2.json.data_keys >= 1, r2.text);

  await wharf.stop();
  await wharf.restart({ config: wharfConfig({ key: newKey }) });
  assert.equal((await me('c_full')).status, 200, 'after the restart with the new key alone');
  assert.equal((await me('c_rot')).status, 200);
  const k = await proxy('keyed_api', 'mixed_people/search', 'k1', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  assert.equal(k.status, 200, k.text);

  const cli = runWharf(['keys', 'rotate', '--url', wharf.baseUrl], { env: { WHARF_ADMIN_TOKEN: wharf.adminToken } });
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal((await me('c_full')).status, 200, 'after wharf keys rotate');
  assertNothingInPlaintext(wharf);
  // Keep using the new key from here on.
  wharf.options.config = wharfConfig({ key: newKey });
});

test('a database holding vault data and no vault.master_key: exit non-zero naming vault.master_key', async () => {
  const good = wharf.options.config;
  await wharf.stop();
  const logBefore = fs.statSync(wharf.logPath).size;
  await assert.rejects(wharf.restart({ config: wharfConfig({ vaultOn: false, oauthOn: false }) }), /exited/);
  assert.notEqual(wharf.exit.code, 0);
  assert.equal(wharf.exit.signal, null);
  const stderr = fs.readFileSync(wharf.logPath).subarray(logBefore).toString('utf8');
  const naming = stderr.split('\n').filter((l) => l.includes('vault.master_key'));
  assert.equal(naming.length, 1, `stderr:\n${stderr}`);

  // Control: the same config on an empty database starts.
  const fresh = await Wharf.start({ config: wharfConfig({ vaultOn: false, oauthOn: false }) });
  assert.equal(await fresh.healthy(), true);
  await fresh.stop();

  await wharf.restart({ config: good });
  assert.equal((await me('c_full')).status, 200);
});
