// Test harness: runs the real `wharf` binary on a loopback port chosen by the kernel, with a
// generated config and a private temporary directory, and gives tests HTTP helpers for the
// webhook endpoints and the admin API.
//
// Every process started here is recorded and killed (SIGKILL) when the test process exits, even
// when a test fails or throws; temporary directories are removed unless WHARF_KEEP_TMP is set.

import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const WHARF_BIN = path.resolve(process.env.WHARF_BIN || path.join(REPO_ROOT, 'build/dev/wharf'));

const live = new Set();   // child processes not yet reaped
const tmpDirs = new Set();

function killAll() {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
  if (!process.env.WHARF_KEEP_TMP) {
    for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { killAll(); process.exit(128 + os.constants.signals[sig]); });
}

export function makeTempDir(prefix = 'wharf-it-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.add(d);
  return d;
}

export function randomSecret(bytes = 24) {
  return crypto.randomBytes(bytes).toString('base64url');
}

// A loopback port that was free a moment ago (a throwaway listener on port 0, closed again), for
// a server whose address must be known before it starts, e.g. wharf's OAuth redirect_uri, which
// the authorization server registers first: pass `server: { listen: `127.0.0.1:${port}` }`.
export async function freePort() {
  const srv = net.createServer();
  await new Promise((resolve, reject) => { srv.once('error', reject); srv.listen(0, '127.0.0.1', resolve); });
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- YAML emitter (block style; strings are double-quoted, which YAML reads like JSON) ----------

function scalar(v) {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  throw new Error(`cannot emit ${typeof v} as YAML scalar`);
}

export function toYaml(value, indent = 0) {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((x) => typeof x !== 'object' || x === null)) {
      return `[${value.map(scalar).join(', ')}]`;
    }
    return '\n' + value.map((x) => `${pad}- ${toYaml(x, indent + 2).replace(/^\n\s*/, '')}`).join('\n');
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) return '{}';
    return '\n' + keys.map((k) => {
      const v = value[k];
      const rendered = toYaml(v, indent + 2);
      return `${pad}${k}:${rendered.startsWith('\n') ? rendered : ' ' + rendered}`;
    }).join('\n');
  }
  return scalar(value);
}

// ---- the server ----------------------------------------------------------------------------------

// A running (or stopped) wharf process with its directory, database and config.
// Reads `child`'s stderr line by line into `lines` (keeping the newest `keep`), handing each raw
// chunk to `onChunk`, until it logs {"msg":"listening","address":...}. Resolves with {rec} (that
// record), {exited} when the process ended first, or {timeout}.
export async function awaitListening(child, exited, { lines, keep, timeoutMs, onChunk = () => {} }) {
  let listeningResolve;
  const listening = new Promise((r) => { listeningResolve = r; });
  let buf = '';
  child.stderr.on('data', (chunk) => {
    onChunk(chunk);
    buf += chunk.toString('utf8');
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      if (lines.length > keep) lines.splice(0, lines.length - keep);
      let rec;
      try { rec = JSON.parse(line); } catch { continue; }
      if (rec?.msg === 'listening' && typeof rec.address === 'string') listeningResolve(rec);
    }
  });
  let timer;
  const outcome = await Promise.race([
    listening.then((rec) => ({ rec })),
    exited.then((e) => ({ exited: e })),
    new Promise((r) => { timer = setTimeout(() => r({ timeout: true }), timeoutMs); }),
  ]);
  clearTimeout(timer);
  return outcome;
}

export class Wharf {
  // options:
  //   sources      the `sources:` map (required)
  //   server       extra keys under `server:` (listen/admin_token are filled in)
  //   config       extra top-level config keys
  //   dir          reuse a directory (and so its database) from an earlier instance
  //   wrap         (argv) => argv, e.g. to start under `sh -c 'ulimit -f N; exec ...'`
  //   env          extra environment variables
  //   startTimeoutMs  how long to wait for the "listening" log line
  static async start(options = {}) {
    const w = new Wharf(options);
    await w.#spawn();
    return w;
  }

  constructor(options) {
    this.options = options;
    this.dir = options.dir ?? makeTempDir();
    this.dbPath = path.join(this.dir, 'wharf.db');
    this.adminToken = options.adminToken ?? randomSecret();
    this.configPath = path.join(this.dir, 'wharf.yaml');
    this.logPath = path.join(this.dir, 'wharf.log');
    this.logLines = [];  // the most recent stderr lines (bounded)
    this.proc = null;
    this.exit = null;    // {code, signal} once the process ended
  }

  config() {
    return {
      server: {
        listen: '127.0.0.1:0',
        admin_token: this.adminToken,
        ...(this.options.server ?? {}),
      },
      storage: { url: `sqlite://${this.dbPath}` },
      sources: this.options.sources ?? {},
      ...(this.options.config ?? {}),
    };
  }

  async #spawn() {
    fs.writeFileSync(this.configPath, toYaml(this.config()).replace(/^\n/, '') + '\n');
    if (!fs.existsSync(WHARF_BIN)) throw new Error(`wharf binary not found at ${WHARF_BIN} (set WHARF_BIN)`);
    let argv = [WHARF_BIN, 'serve', '--config', this.configPath];
    if (this.options.wrap) argv = this.options.wrap(argv);
    const logFd = fs.openSync(this.logPath, 'a');
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...(this.options.env ?? {}) },
    });
    this.proc = child;
    this.exit = null;
    live.add(child);
    const exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        live.delete(child);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    this.exited = exited;

    child.stderr.on('close', () => fs.closeSync(logFd));
    const timeoutMs = this.options.startTimeoutMs ?? 30000;
    const outcome = await awaitListening(child, exited, {
      lines: this.logLines,
      keep: 500,
      timeoutMs,
      onChunk: (chunk) => fs.writeSync(logFd, chunk),
    });
    if (!outcome.rec) {
      if (!outcome.exited) this.kill9();
      const why = outcome.exited ? `exited (${JSON.stringify(outcome.exited)})` : `did not log "listening" within ${timeoutMs} ms`;
      throw new Error(`wharf ${why}; stderr tail:\n${this.tail()}`);
    }
    this.address = outcome.rec.address;
    this.baseUrl = `http://${this.address}`;
    const [host, port] = [this.address.slice(0, this.address.lastIndexOf(':')), this.address.slice(this.address.lastIndexOf(':') + 1)];
    this.host = host;
    this.port = Number(port);
  }

  tail(n = 40) {
    return this.logLines.slice(-n).join('\n');
  }

  get pid() { return this.proc?.pid; }
  get alive() { return this.proc !== null && this.exit === null; }

  // Starts a new process on the same directory, database and config (a new port).
  async restart(overrides = {}) {
    if (this.alive) throw new Error('restart() while the previous process is still running');
    this.options = { ...this.options, ...overrides };
    await this.#spawn();
    return this;
  }

  // SIGTERM, then wait for the exit; SIGKILL after `timeoutMs`. Returns {code, signal, forced}.
  async stop(timeoutMs = 15000) {
    if (!this.alive) return { ...this.exit, forced: false };
    this.proc.kill('SIGTERM');
    let timer;
    const r = await Promise.race([
      this.exited.then((e) => ({ ...e, forced: false })),
      new Promise((res) => { timer = setTimeout(() => res(null), timeoutMs); }),
    ]);
    clearTimeout(timer);
    if (r) return r;
    this.proc.kill('SIGKILL');
    return { ...(await this.exited), forced: true };
  }

  kill9() {
    if (this.alive) this.proc.kill('SIGKILL');
    return this.exited;
  }

  // ---- HTTP ----

  url(p) { return this.baseUrl + p; }

  // Raw fetch; returns {status, headers, text, json} (json undefined when the body is not JSON).
  async request(method, p, { headers = {}, body, signal } = {}) {
    const res = await fetch(this.url(p), { method, headers, body, signal, duplex: body && typeof body.getReader === 'function' ? 'half' : undefined });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, headers: res.headers, text, json };
  }

  // POST /webhooks/{source} with a signed request {headers, body}.
  post(source, { headers = {}, body }) {
    return this.request('POST', `/webhooks/${encodeURIComponent(source)}`, { headers, body });
  }

  api(p, { token = this.adminToken, method = 'GET', headers = {}, body } = {}) {
    const h = { ...headers };
    if (token !== null) h.authorization = `Bearer ${token}`;
    return this.request(method, `/api/v1${p}`, { headers: h, body });
  }

  // GET /api/v1/events/{id}; throws unless 200.
  async event(id) {
    const r = await this.api(`/events/${encodeURIComponent(id)}`);
    if (r.status !== 200) throw new Error(`GET /api/v1/events/${id} -> ${r.status} ${r.text}`);
    return r.json;
  }

  // One page of GET /api/v1/events.
  async listEvents(query = {}) {
    const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => [k, String(v)]));
    const r = await this.api(`/events${qs.size ? '?' + qs : ''}`);
    if (r.status !== 200) throw new Error(`GET /api/v1/events?${qs} -> ${r.status} ${r.text}`);
    return r.json;
  }

  // Every event matching `query`, following next_cursor to the end.
  async allEvents(query = {}, pageSize = 100) {
    const out = [];
    let cursor;
    for (let pages = 0; ; pages++) {
      if (pages > 100000) throw new Error('paging does not terminate');
      const page = await this.listEvents({ ...query, limit: pageSize, cursor });
      out.push(...page.events);
      if (page.next_cursor === null || page.next_cursor === undefined) return out;
      cursor = page.next_cursor;
    }
  }

  async healthy() {
    try {
      const r = await fetch(this.url('/healthz'));
      await r.arrayBuffer();
      return r.status === 200;
    } catch {
      return false;
    }
  }
}

// Runs `wharf ARGS...` to completion; returns {status, stdout, stderr}.
export function runWharf(args, { timeoutMs = 30000, env = {} } = {}) {
  const r = spawnSync(WHARF_BIN, args, { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

// Runs `fn(i)` for i in [0, n) with at most `concurrency` calls in flight; returns the results.
export async function pool(n, concurrency, fn) {
  const results = new Array(n);
  let next = 0;
  async function worker() {
    while (next < n) {
      const i = next++;
      results[i] = await fn(i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return results;
}
