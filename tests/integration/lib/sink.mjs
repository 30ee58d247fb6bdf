// A destination for forwarded events: an HTTP server on a loopback port chosen by the kernel that
// verifies every delivery with the official `standardwebhooks` library and records it. Tests set
// how it answers (`respond`), e.g. a status sequence, a delay, or never.

import http from 'node:http';
import { Webhook } from 'standardwebhooks';

export class Sink {
  // secret: the destination's whsec_ secret (what wharf signs with)
  static async start(secret) {
    const s = new Sink(secret);
    await new Promise((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.url = `http://127.0.0.1:${s.server.address().port}/hooks`;
    return s;
  }

  constructor(secret) {
    this.verifier = new Webhook(secret);
    this.deliveries = [];        // every request: {at, headers, body, verified, payload, error}
    this.inFlight = 0;
    this.maxInFlight = 0;
    this.sockets = new Set();
    // (delivery) => {status, headers?, delayMs?} | 'hang'
    this.respond = () => ({ status: 200 });
    this.server = http.createServer((req, res) => this.#handle(req, res));
    this.server.on('connection', (sock) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
  }

  #handle(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const d = { at: Date.now(), method: req.method, path: req.url, headers: req.headers, body, verified: false };
      try {
        d.payload = this.verifier.verify(body, req.headers);
        d.verified = true;
      } catch (e) {
        d.error = String(e?.message ?? e);
      }
      this.deliveries.push(d);
      const plan = this.respond(d);
      if (plan === 'hang') return;  // never answers; the socket closes when the test stops
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      if (plan.delayMs) await new Promise((r) => setTimeout(r, plan.delayMs));
      this.inFlight--;
      res.writeHead(plan.status, { 'content-type': 'application/json', ...(plan.headers ?? {}) });
      res.end(plan.body ?? '{}');
    });
  }

  // Deliveries of one wharf event id (the webhook-id header).
  of(eventId) { return this.deliveries.filter((d) => d.headers['webhook-id'] === String(eventId)); }

  uniqueIds() { return new Set(this.deliveries.map((d) => d.headers['webhook-id'])); }

  async stop() {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

// Polls `fn` until it returns a truthy value or `timeoutMs` passes; returns the last value.
export async function waitFor(fn, { timeoutMs = 10000, intervalMs = 20, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
