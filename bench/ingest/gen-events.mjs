#!/usr/bin/env node
// Writes N unique, pre-signed Standard Webhooks (v1) events for bench/ingest/replay.lua, one per
// line: "<webhook-id>\t<webhook-timestamp>\t<webhook-signature>\t<body>". Bodies are compact JSON
// (no tabs or newlines), ~BODY_BYTES bytes each, all with the current timestamp so a run that starts
// within the source's tolerance (default 300 s) verifies every one of them.
//
// usage: gen-events.mjs --secret whsec_... --count N --out FILE [--body-bytes 512] [--prefix run1]

import crypto from 'node:crypto';
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    secret: { type: 'string' },
    count: { type: 'string' },
    out: { type: 'string' },
    'body-bytes': { type: 'string', default: '512' },
    prefix: { type: 'string', default: crypto.randomBytes(4).toString('hex') },
  },
});
if (!values.secret?.startsWith('whsec_') || !values.count || !values.out) {
  console.error('usage: gen-events.mjs --secret whsec_... --count N --out FILE [--body-bytes 512] [--prefix P]');
  process.exit(2);
}
const count = Number(values.count);
const bodyBytes = Number(values['body-bytes']);
const key = Buffer.from(values.secret.slice('whsec_'.length), 'base64');
const ts = Math.floor(Date.now() / 1000);
const types = ['invoice.paid', 'customer.subscription.updated', 'email.delivered', 'email.opened', 'contact.created'];

const out = fs.openSync(values.out, 'w');
let buf = [];
let bufLen = 0;
for (let i = 0; i < count; i++) {
  const id = `msg_${values.prefix}_${i}`;
  const event = {
    type: types[i % types.length],
    timestamp: new Date(ts * 1000).toISOString(),
    data: { id: `obj_${values.prefix}_${i}`, customer: `cus_${(i * 7919) % 100000}`, amount: (i % 5000) + 100, currency: 'usd', note: '' },
  };
  const base = Buffer.byteLength(JSON.stringify(event));
  event.data.note = 'n'.repeat(Math.max(0, bodyBytes - base));
  const body = JSON.stringify(event);
  const sig = crypto.createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  const line = `${id}\t${ts}\tv1,${sig}\t${body}\n`;
  buf.push(line);
  bufLen += line.length;
  if (bufLen > 1 << 20) {
    fs.writeSync(out, buf.join(''));
    buf = [];
    bufLen = 0;
  }
}
fs.writeSync(out, buf.join(''));
fs.closeSync(out);
