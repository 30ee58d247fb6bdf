// A real OAuth 2.0 / OpenID Connect authorization server for the integration tests: `oidc-provider`
// (pinned in package-lock.json) running in this process on 127.0.0.1, plain HTTP (loopback only).
//
// One confidential client, authorization code + refresh token grants, PKCE S256 required,
// refresh-token rotation (each refresh consumes the presented refresh token and issues a new one;
// presenting a consumed one fails and revokes the whole grant), RFC 7009 revocation (revoking a
// refresh token revokes every token of its grant), RFC 7662 introspection, userinfo at /me for an
// opaque access token carrying `openid`. Refresh tokens are issued whenever the client may use the
// refresh_token grant, with or without `offline_access`/`prompt=consent`.
//
// Login and consent are scripted: `login(authorizationUrl)` follows the authorization URL with
// fetch and a cookie jar; the interaction pages (mounted here at /interaction/:uid instead of
// oidc-provider's dev forms) finish each prompt programmatically, and `login` returns the final
// redirect to the client's redirect_uri without following it.
//
// What happened is observable: `counters` (successful grants by type, revocations), `issued`
// (every access and refresh token value issued, in order), `tokenErrors`, `revocations`.

import crypto from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const open = new Set();
process.on('exit', () => {
  for (const s of open) {
    try { s.closeAllConnections?.(); s.close(); } catch { /* gone */ }
  }
});

const b64url = (buf) => Buffer.from(buf).toString('base64url');

// PKCE S256 pair (RFC 7636).
export function pkcePair() {
  const verifier = b64url(crypto.randomBytes(32));
  const challenge = b64url(crypto.createHash('sha256').update(verifier).digest());
  return { verifier, challenge };
}

// A minimal cookie jar (name, value, path; expiry by deletion only) for the scripted login.
class CookieJar {
  constructor() { this.cookies = new Map(); } // key `${path}\n${name}` -> {name, value, path}

  store(url, setCookies) {
    for (const sc of setCookies) {
      const [pair, ...attrs] = sc.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let cpath = '/';
      let expired = false;
      for (const a of attrs) {
        const [k, v = ''] = a.split('=');
        const key = k.toLowerCase();
        if (key === 'path') cpath = v || '/';
        if (key === 'max-age' && Number(v) <= 0) expired = true;
        if (key === 'expires' && Date.parse(v) <= Date.now()) expired = true;
      }
      const id = `${cpath}\n${name}`;
      if (expired || value === '') this.cookies.delete(id);
      else this.cookies.set(id, { name, value, path: cpath });
    }
  }

  header(url) {
    const p = new URL(url).pathname;
    const out = [];
    for (const c of this.cookies.values()) {
      if (p === c.path || p.startsWith(c.path.endsWith('/') ? c.path : c.path + '/') || c.path === '/') {
        out.push(`${c.name}=${c.value}`);
      }
    }
    return out.join('; ');
  }
}

// oidc-provider's storage for one server: a Map that forgets entries past their expiry (the bundled
// memory adapter is one LRU shared by every provider in the process, and warns on each start).
function mapAdapterFactory() {
  const store = new Map();   // key -> {value, expiresAt}
  const grants = new Map();  // grantId -> [key]
  const get = (key) => {
    const e = store.get(key);
    if (!e) return undefined;
    if (e.expiresAt && e.expiresAt <= Date.now()) { store.delete(key); return undefined; }
    return e.value;
  };
  const set = (key, value, expiresIn) => store.set(key, { value, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : 0 });
  return class MapAdapter {
    constructor(model) { this.model = model; }
    key(id) { return `${this.model}:${id}`; }
    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      if (this.model === 'Session') set(`sessionUid:${payload.uid}`, id, expiresIn);
      if (payload.grantId) {
        if (!grants.has(payload.grantId)) grants.set(payload.grantId, []);
        grants.get(payload.grantId).push(key);
      }
      if (payload.userCode) set(`userCode:${payload.userCode}`, id, expiresIn);
      set(key, payload, expiresIn);
    }
    async find(id) { return get(this.key(id)); }
    async findByUid(uid) { const id = get(`sessionUid:${uid}`); return id && this.find(id); }
    async findByUserCode(code) { const id = get(`userCode:${code}`); return id && this.find(id); }
    async consume(id) { const v = get(this.key(id)); if (v) v.consumed = Math.floor(Date.now() / 1000); }
    async destroy(id) { store.delete(this.key(id)); }
    async revokeByGrantId(grantId) {
      for (const key of grants.get(grantId) ?? []) store.delete(key);
      grants.delete(grantId);
    }
  };
}

// Options:
//   redirectUris     the client's registered redirect URIs (the first is wharf's callback)
//   authMethod       'client_secret_basic' (default) or 'client_secret_post'
//   accessTokenTtl   access token lifetime in seconds (default 3600); also settable later with
//                    setAccessTokenTtl(s), which applies to tokens issued from then on
//   refreshTokenTtl  refresh token lifetime in seconds (default 86400)
//   scopes           scopes the AS knows (default openid offline_access profile email)
//   accounts         { id: {name, email} } (default alice and bob)
export async function startOidcServer(opts = {}) {
  const redirectUris = opts.redirectUris ?? (opts.redirectUri ? [opts.redirectUri] : []);
  if (redirectUris.length === 0) throw new Error('startOidcServer: redirectUris is required');
  const authMethod = opts.authMethod ?? 'client_secret_basic';
  const clientId = opts.clientId ?? 'wharf-' + b64url(crypto.randomBytes(6));
  const clientSecret = opts.clientSecret ?? 'cs_' + b64url(crypto.randomBytes(24));
  const accounts = opts.accounts ?? {
    alice: { name: 'Alice Example', email: 'alice@example.test' },
    bob: { name: 'Bob Example', email: 'bob@example.test' },
  };
  const state = {
    accessTokenTtl: opts.accessTokenTtl ?? 3600,
    offline: false,   // true: every connection is destroyed on arrival (the AS is "unreachable")
  };

  const counters = { authorization_code: 0, refresh_token: 0, revocation: 0, introspection: 0 };
  const issued = { accessTokens: [], refreshTokens: [] };   // {value, grantId, gty, at}
  const tokenErrors = [];   // {grant_type, error, error_description}
  const revocations = [];   // {token_type_hint, kind, status}

  // The http server exists first: the issuer needs its port.
  let handler = (req, res) => { res.statusCode = 503; res.end(); };
  const server = http.createServer((req, res) => handler(req, res));
  server.on('connection', (sock) => { if (state.offline) sock.destroy(); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  open.add(server);
  const port = server.address().port;
  const issuer = `http://127.0.0.1:${port}`;

  const signingKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  const provider = new Provider(issuer, {
    adapter: mapAdapterFactory(),
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: authMethod,
    }],
    jwks: { keys: [{ ...signingKey, kid: 'k1', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [b64url(crypto.randomBytes(32))] },
    scopes: opts.scopes ?? ['openid', 'offline_access', 'profile', 'email'],
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    async findAccount(ctx, id) {
      if (!accounts[id]) return undefined;
      return {
        accountId: id,
        async claims() { return { sub: id, ...accounts[id], email_verified: true }; },
      };
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      userinfo: { enabled: true },
      resourceIndicators: { enabled: false },
    },
    pkce: { methods: ['S256'], required: () => true },
    rotateRefreshToken: true,
    clockTolerance: 0,   // an expired access token is refused at once (the default tolerates 15 s)
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: () => state.accessTokenTtl,
      AuthorizationCode: 60,
      RefreshToken: opts.refreshTokenTtl ?? 86400,
      Grant: 86400,
      Interaction: 600,
      Session: 3600,
      IdToken: 3600,
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError(ctx, out) {
      ctx.type = 'json';
      ctx.body = out;
    },
  });

  provider.on('grant.success', (ctx) => {
    const gt = ctx.oidc.params.grant_type;
    counters[gt] = (counters[gt] ?? 0) + 1;
  });
  provider.on('grant.error', (ctx, err) => {
    tokenErrors.push({ grant_type: ctx.oidc?.params?.grant_type, error: err.error, error_description: err.error_description, error_detail: err.error_detail });
  });
  // Opaque tokens emit `saved` when issued (the value is the jti); a token saved again is not new.
  const record = (list) => (t) => {
    if (!list.some((x) => x.value === t.jti)) list.push({ value: t.jti, grantId: t.grantId, gty: t.gty, at: Date.now() });
  };
  provider.on('access_token.saved', record(issued.accessTokens));
  provider.on('refresh_token.saved', record(issued.refreshTokens));
  provider.on('server_error', (ctx, err) => { console.error('oidc-provider server_error:', err); });

  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route === 'revocation') {
      const kind = ctx.oidc.entities?.RefreshToken ? 'RefreshToken' : ctx.oidc.entities?.AccessToken ? 'AccessToken' : null;
      revocations.push({ token_type_hint: ctx.oidc.params?.token_type_hint, kind, status: ctx.status });
      if (ctx.status === 200) counters.revocation++;
    }
    if (ctx.oidc?.route === 'introspection' && ctx.status === 200) counters.introspection++;
  });

  // The scripted interaction: finishes whichever prompt oidc-provider asks for.
  // `?account=ID` logs that account in; `?deny=1` ends the interaction with access_denied.
  async function interaction(req, res) {
    try {
      const u = new URL(req.url, issuer);
      const details = await provider.interactionDetails(req, res);
      const { prompt, params, session } = details;
      if (u.searchParams.get('deny')) {
        await provider.interactionFinished(req, res, {
          error: 'access_denied',
          error_description: 'The user refused to grant access',
        }, { mergeWithLastSubmission: false });
        return;
      }
      if (prompt.name === 'login') {
        const accountId = u.searchParams.get('account') ?? 'alice';
        await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
        return;
      }
      if (prompt.name === 'consent') {
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
        const d = prompt.details;
        if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
        if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
        if (d.missingResourceScopes) {
          for (const [indicator, scopes] of Object.entries(d.missingResourceScopes)) grant.addResourceScope(indicator, scopes.join(' '));
        }
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
        return;
      }
      res.statusCode = 500;
      res.end(`unexpected prompt ${prompt.name}`);
    } catch (err) {
      res.statusCode = 400;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: 'interaction_failed', error_description: String(err?.message ?? err) }));
    }
  }

  const providerCallback = provider.callback();
  handler = (req, res) => {
    if (state.offline) { req.socket.destroy(); return; }
    if (req.url.startsWith('/interaction/')) { interaction(req, res); return; }
    providerCallback(req, res);
  };

  const ep = (p) => issuer + p;
  const as = {
    issuer,
    port,
    provider,
    authorizationEndpoint: ep('/auth'),
    tokenEndpoint: ep('/token'),
    revocationEndpoint: ep('/token/revocation'),
    introspectionEndpoint: ep('/token/introspection'),
    userinfoEndpoint: ep('/me'),
    clientId,
    clientSecret,
    authMethod,
    redirectUris,
    counters,
    issued,
    tokenErrors,
    revocations,

    setAccessTokenTtl(s) { state.accessTokenTtl = s; },
    // true: every new connection and request is dropped without an answer.
    setOffline(v) { state.offline = v; if (v) server.closeAllConnections?.(); },

    // A request to a client-authenticated endpoint (token, revocation, introspection).
    async clientPost(url, params) {
      const body = new URLSearchParams(params);
      const headers = { 'content-type': 'application/x-www-form-urlencoded' };
      if (authMethod === 'client_secret_post') {
        body.set('client_id', clientId);
        body.set('client_secret', clientSecret);
      } else {
        const enc = (s) => encodeURIComponent(s);
        headers.authorization = 'Basic ' + Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64');
      }
      const res = await fetch(url, { method: 'POST', headers, body });
      const text = await res.text();
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      return { status: res.status, text, json };
    },

    // RFC 7662: the introspection JSON ({active: true|false, ...}).
    async introspect(token, hint) {
      const r = await this.clientPost(this.introspectionEndpoint, { token, ...(hint ? { token_type_hint: hint } : {}) });
      if (r.status !== 200) throw new Error(`introspection -> ${r.status} ${r.text}`);
      return r.json;
    },

    // RFC 7009, as the client.
    revoke(token, hint) {
      return this.clientPost(this.revocationEndpoint, { token, ...(hint ? { token_type_hint: hint } : {}) });
    },

    // GET /me with a bearer token: {status, json}.
    async userinfo(token) {
      const res = await fetch(this.userinfoEndpoint, { headers: { authorization: `Bearer ${token}` } });
      const text = await res.text();
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      return { status: res.status, json, text, wwwAuthenticate: res.headers.get('www-authenticate') };
    },

    // An authorization URL built the way a client would (for checks that bypass wharf).
    authorizationUrl({ redirectUri = redirectUris[0], scope = 'openid offline_access', state: st, codeChallenge, extra = {} }) {
      const u = new URL(this.authorizationEndpoint);
      u.search = new URLSearchParams({
        response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope,
        state: st, code_challenge: codeChallenge, code_challenge_method: 'S256', ...extra,
      }).toString();
      return u.toString();
    },

    exchangeCode(code, verifier, redirectUri = redirectUris[0]) {
      return this.clientPost(this.tokenEndpoint, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri });
    },

    refresh(refreshToken) {
      return this.clientPost(this.tokenEndpoint, { grant_type: 'refresh_token', refresh_token: refreshToken });
    },

    // The scripted login: follows `authorizationUrl` (and the AS's own redirects) with a cookie
    // jar until the AS redirects away from itself; returns that Location (the client's
    // redirect_uri with code & state, or error & error_description & state), not followed.
    // Throws when the AS answers anything but a redirect (e.g. 400 invalid_request), with its body.
    async login(authorizationUrl, { account = 'alice', deny = false, maxHops = 20 } = {}) {
      const jar = new CookieJar();
      let url = authorizationUrl;
      for (let hop = 0; hop < maxHops; hop++) {
        const u = new URL(url);
        if (u.origin !== issuer) return url;
        if (u.pathname.startsWith('/interaction/')) {
          if (deny) u.searchParams.set('deny', '1');
          else u.searchParams.set('account', account);
        }
        const cookie = jar.header(u.toString());
        const res = await fetch(u, { redirect: 'manual', headers: cookie ? { cookie } : {} });
        jar.store(u.toString(), res.headers.getSetCookie());
        const body = await res.text();
        const loc = res.headers.get('location');
        if (res.status < 300 || res.status >= 400 || !loc) {
          const err = new Error(`authorization server answered ${res.status} at ${u.pathname}: ${body.slice(0, 500)}`);
          err.status = res.status;
          err.body = body;
          throw err;
        }
        url = new URL(loc, u).toString();
      }
      throw new Error(`login: more than ${maxHops} redirects`);
    },

    async close() {
      open.delete(server);
      server.closeAllConnections?.();
      await new Promise((r) => server.close(() => r()));
    },
  };
  return as;
}
