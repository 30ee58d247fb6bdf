#!/usr/bin/env node
// Paced sender for bench/dispatch/run: POSTs pre-signed events (one per line, from
// bench/ingest/gen-events.mjs: "<webhook-id>\t<timestamp>\t<signature>\t<body>") to URL at a fixed
// rate, open loop (a slow answer does not delay the next request), over keep-alive connections.
// Requests are issued on a schedule (every 1 ms tick sends what the schedule owes), so the rate
// holds even when an answer is slow.
//
// Prints one machine-readable line:
//   PACED_RESULT sent=N ok=N non200=N errors=N seconds=S rate=R p50_ms=.. p99_ms=.. max_ms=..
// (client-side latencies, for reference; the benchmark's receive→done numbers come from the db).
//
// usage: paced.mjs --url URL --events FILE --rate 1000 --seconds 10 [--connections 32]

import fs from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    events: { type: 'string' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
  },
});
if (!values.url || !values.events) {
  console.error('usage: paced.mjs --url URL --events FILE [--rate 1000] [--seconds 10] [--connections 32]');
  process.exit(2);
}
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const total = Math.round(rate * seconds);
const url = new URL(values.url);

const lines = fs.readFileSync(values.events, 'utf8').split('\n').filter(Boolean);
if (lines.length < total) {
  console.error(`paced: ${lines.length} events in ${values.events}, ${total} needed`);
  process.exit(2);
}
const events = lines.slice(0, total).map((l) => {
  const [id, ts, sig, body] = l.split('\t');
  return { id, ts, sig, body: Buffer.from(body) };
});

const agent = new http.Agent({ keepAlive: true, maxSockets: Number(values.connections) });
const latencies = [];
let sent = 0;
let ok = 0;
let non200 = 0;
let errors = 0;
let finished = 0;

function send(e) {
  const t0 = process.hrtime.bigint();
  const req = http.request({
    agent,
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': e.body.length,
      'webhook-id': e.id,
      'webhook-timestamp': e.ts,
      'webhook-signature': e.sig,
    },
  }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c) => { text += c; });
    res.on('end', () => {
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      // A duplicate would not create a delivery: count only new events as ok.
      if (res.statusCode === 200 && text.includes('"status":"ok"')) ok++;
      else non200++;
      done();
    });
  });
  req.on('error', () => { errors++; done(); });
  req.end(e.body);
}

let resolveAll;
const all = new Promise((r) => { resolveAll = r; });
function done() {
  if (++finished === total) resolveAll();
}

const start = process.hrtime.bigint();
await new Promise((resolve) => {
  const tick = () => {
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    const due = Math.min(total, Math.floor(elapsed * rate) + 1);
    while (sent < due) send(events[sent++]);
    if (sent < total) setTimeout(tick, 1);
    else resolve();
  };
  tick();
});
const sendSeconds = Number(process.hrtime.bigint() - start) / 1e9;
const timeout = setTimeout(() => {
  console.error(`paced: ${total - finished} requests unanswered after 30 s`);
  errors += total - finished;
  resolveAll();
}, 30000);
await all;
clearTimeout(timeout);
agent.destroy();

latencies.sort((a, b) => a - b);
const pct = (p) => (latencies.length ? latencies[Math.max(0, Math.ceil((p / 100) * latencies.length) - 1)] : 0);
console.log(`PACED_RESULT sent=${sent} ok=${ok} non200=${non200} errors=${errors} seconds=${sendSeconds.toFixed(2)} ` +
  `rate=${(sent / sendSeconds).toFixed(0)} p50_ms=${pct(50).toFixed(2)} p99_ms=${pct(99).toFixed(2)} ` +
  `max_ms=${(latencies.at(-1) ?? 0).toFixed(2)}`);
