// Runs `wharf mock --listen 127.0.0.1:0` (the provider simulator) and gives tests its control
// API (docs/mock.md): fault rules, rate limits and the journal of what arrived.
//
// Every process started here is killed (SIGKILL) when the test process exits.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { WHARF_BIN, awaitListening } from './harness.mjs';

const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

export class Mock {
  static async start({ startTimeoutMs = 30000 } = {}) {
    const m = new Mock();
    await m.#spawn(startTimeoutMs);
    return m;
  }

  constructor() {
    this.logLines = [];
    this.proc = null;
    this.exit = null;
  }

  async #spawn(timeoutMs) {
    if (!fs.existsSync(WHARF_BIN)) throw new Error(`wharf binary not found at ${WHARF_BIN} (set WHARF_BIN)`);
    const child = spawn(WHARF_BIN, ['mock', '--listen', '127.0.0.1:0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' },
    });
    this.proc = child;
    live.add(child);
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        live.delete(child);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    const outcome = await awaitListening(child, this.exited, { lines: this.logLines, keep: 200, timeoutMs });
    if (!outcome.rec) {
      if (!outcome.exited) child.kill('SIGKILL');
      throw new Error(`wharf mock did not start: ${JSON.stringify(outcome)}\n${this.logLines.join('\n')}`);
    }
    this.address = outcome.rec.address;
    this.baseUrl = `http://${this.address}`;
  }

  async #control(method, path, body) {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  // rule: {route, status, retry_after, latency_ms, times, reset, timeout, body}
  addFault(rule) { return this.#control('POST', '/_mock/faults', rule); }
  clearFaults() { return this.#control('DELETE', '/_mock/faults'); }
  // rule: {route, limit, per_ms}
  addRateLimit(rule) { return this.#control('POST', '/_mock/rate_limits', rule); }
  clearRateLimits() { return this.#control('DELETE', '/_mock/rate_limits'); }
  async requests(route) {
    const q = route ? `?route=${encodeURIComponent(route)}` : '';
    return (await this.#control('GET', `/_mock/requests${q}`)).requests;
  }
  clearRequests() { return this.#control('DELETE', '/_mock/requests'); }

  // SIGTERM, then wait for the exit (SIGKILL after timeoutMs).
  async stop(timeoutMs = 10000) {
    if (this.exit) return this.exit;
    this.proc.kill('SIGTERM');
    let timer;
    const r = await Promise.race([
      this.exited,
      new Promise((res) => { timer = setTimeout(() => res(null), timeoutMs); }),
    ]);
    clearTimeout(timer);
    if (r) return r;
    this.proc.kill('SIGKILL');
    return { ...(await this.exited), forced: true };
  }
}
