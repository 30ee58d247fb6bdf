// Persist-then-ack under kill -9 (SPEC 2.1.2, §4 "crash safety"): 32 concurrent clients send
// unique signed events; once at least 2000 have been acked the server is killed with SIGKILL
// mid-load; after a restart on the same database every acked event is present with its exact
// payload, nothing appears that was never sent, and the server keeps working.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import { Wharf, pool } from './lib/harness.mjs';
import * as S from './lib/signers.mjs';

const CLIENTS = 32;
const ACKS_BEFORE_KILL = Number(process.env.WHARF_IT_CRASH_ACKS ?? 2000);

let wharf;
after(async () => { if (wharf) await wharf.kill9(); });

test('kill -9 under load loses no acked event', async () => {
  const secret = S.newStandardSecret();
  wharf = await Wharf.start({ sources: { app: { verifier: 'standard', secret } } });

  const acked = new Map();   // msgId -> {id, body}
  const sent = new Map();    // msgId -> body, for everything that left the client
  let killed = false;
  let killedAt = null;
  const run = crypto.randomBytes(4).toString('hex');
  let seq = 0;

  async function client(c) {
    while (!killed) {
      const n = seq++;
      const msgId = `msg_${run}_${c}_${n}`;
      const body = S.standardPayload('crash.test', { n, client: c, pad: crypto.randomBytes(crypto.randomInt(0, 300)).toString('base64') });
      const req = S.signStandard(secret, body, { msgId });
      sent.set(msgId, body);
      let r;
      try {
        r = await wharf.post('app', req);
      } catch {
        if (killed) return;   // connection reset by the kill: unacked
        throw new Error('request failed before the kill');
      }
      if (r.status === 200) {
        assert.equal(r.json?.status, 'ok', `unexpected answer ${r.text}`);
        acked.set(msgId, { id: String(r.json.id), body });
        if (!killed && acked.size >= ACKS_BEFORE_KILL) {
          killed = true;
          killedAt = acked.size;
          wharf.proc.kill('SIGKILL');
        }
      } else if (!killed) {
        assert.fail(`before the kill, got ${r.status} ${r.text}`);
      }
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  const exit = await wharf.exited;
  assert.equal(exit.signal, 'SIGKILL', `the server should have died by SIGKILL: ${JSON.stringify(exit)}\n${wharf.tail()}`);
  assert.ok(acked.size >= ACKS_BEFORE_KILL, `only ${acked.size} acks`);
  assert.equal(new Set([...acked.values()].map((a) => a.id)).size, acked.size, 'every ack carries a distinct id');

  await wharf.restart();

  // Every acked event, by its id, with its exact payload and provider id.
  const missing = [];
  const wrong = [];
  const ackedList = [...acked.entries()];
  await pool(ackedList.length, 16, async (i) => {
    const [msgId, { id, body }] = ackedList[i];
    const r = await wharf.api(`/events/${encodeURIComponent(id)}`);
    if (r.status === 404) { missing.push(msgId); return; }
    assert.equal(r.status, 200, r.text);
    if (r.json.provider_event_id !== msgId || r.json.payload !== body || r.json.source !== 'app' || r.json.type !== 'crash.test') {
      wrong.push({ msgId, id, got: { provider_event_id: r.json.provider_event_id, source: r.json.source, type: r.json.type } });
    }
  });
  assert.deepEqual(missing, [], `${missing.length} acked events lost after kill -9 (acked ${acked.size}, killed at ${killedAt})`);
  assert.deepEqual(wrong, [], 'acked events stored with the wrong content');

  // The listing agrees: each acked event once; anything else stored was at least sent.
  const stored = await wharf.allEvents({ source: 'app' }, 500);
  const byMsg = new Map();
  for (const e of stored) byMsg.set(e.provider_event_id, (byMsg.get(e.provider_event_id) ?? 0) + 1);
  for (const [msgId, n] of byMsg) {
    assert.equal(n, 1, `${msgId} stored ${n} times`);
    assert.ok(sent.has(msgId), `stored event ${msgId} was never sent`);
  }
  for (const msgId of acked.keys()) assert.ok(byMsg.has(msgId), `${msgId} not listed`);
  const unackedStored = [...byMsg.keys()].filter((m) => !acked.has(m)).length;
  console.log(`acked ${acked.size}, sent ${sent.size}, stored ${stored.length} (${unackedStored} stored without an ack)`);

  // The server still works: a new event is accepted, a replayed acked one is a duplicate.
  const fresh = S.signStandard(secret, S.standardPayload('after.crash'));
  const r1 = await wharf.post('app', fresh);
  assert.equal(r1.status, 200, r1.text);
  assert.equal(r1.json.status, 'ok');
  const [someMsg, someAck] = ackedList[Math.floor(ackedList.length / 2)];
  const r2 = await wharf.post('app', S.signStandard(secret, someAck.body, { msgId: someMsg }));
  assert.deepEqual({ status: r2.json?.status, id: String(r2.json?.id) }, { status: 'duplicate', id: someAck.id }, r2.text);
  assert.equal((await wharf.event(r1.json.id)).payload, fresh.body);

  const stop = await wharf.stop();
  assert.equal(stop.code, 0, `SIGTERM after recovery: ${JSON.stringify(stop)}\n${wharf.tail()}`);
});

test('SIGTERM under load drains: exit 0, every acked event present after restart', async () => {
  const secret = S.newStandardSecret();
  const w = await Wharf.start({ sources: { app: { verifier: 'standard', secret } } });
  try {
    const acked = new Map();
    let stopping = false;
    let stopResult;
    let n = 0;
    async function client(c) {
      for (;;) {
        const msgId = `msg_term_${c}_${n++}`;
        const req = S.signStandard(secret, S.standardPayload('term.test', { c }), { msgId });
        let r;
        try {
          r = await w.post('app', req);
        } catch (e) {
          if (stopping) return;  // refused or closed once draining: not acked
          throw new Error(`request failed before the drain began: ${e?.message ?? e}`);
        }
        if (r.status === 200) acked.set(msgId, { id: String(r.json.id), body: req.body });
        else if (r.status !== 503) assert.fail(`unexpected ${r.status} ${r.text}`);
        if (!stopping && acked.size >= 300) {
          stopping = true;
          stopResult = w.stop(20000);
        }
        if (stopping && !w.alive) return;
      }
    }
    await Promise.all(Array.from({ length: 16 }, (_, c) => client(c)));
    const r = await stopResult;
    assert.deepEqual({ code: r.code, forced: r.forced }, { code: 0, forced: false }, `${JSON.stringify(r)}\n${w.tail()}`);
    await w.restart();
    for (const [msgId, { id, body }] of acked) {
      const ev = await w.event(id);
      assert.equal(ev.provider_event_id, msgId);
      assert.equal(ev.payload, body);
    }
  } finally {
    await w.kill9();
  }
});

test('SIGTERM while a request body is still arriving: that request is answered and stored, then exit 0', async () => {
  const net = await import('node:net');
  const secret = S.newStandardSecret();
  const w = await Wharf.start({ sources: { app: { verifier: 'standard', secret } } });
  try {
    const body = S.standardPayload('drain.test', { pad: 'x'.repeat(2000) });
    const req = S.signStandard(secret, body, { msgId: `msg_drain_${crypto.randomBytes(4).toString('hex')}` });
    const head = [`POST /webhooks/app HTTP/1.1`, `Host: ${w.address}`, `Content-Length: ${Buffer.byteLength(body)}`,
      ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
    const sock = net.connect(w.port, w.address.slice(0, w.address.lastIndexOf(':')));
    await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
    let reply = '';
    sock.on('data', (d) => { reply += d.toString(); });
    const closed = new Promise((resolve) => sock.once('close', resolve));
    sock.write(head + body.slice(0, 500));        // headers and part of the body
    await new Promise((r) => setTimeout(r, 300));
    const stopping = w.stop();                      // SIGTERM mid-upload
    await new Promise((r) => setTimeout(r, 300));
    sock.write(body.slice(500));                    // the rest arrives during the drain
    await closed;
    const stop = await stopping;
    assert.match(reply, /^HTTP\/1\.1 200 /, `reply: ${reply}`);
    assert.match(reply, /"status":"ok"/);
    assert.equal(stop.code, 0, JSON.stringify(stop));
    const id = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)).id;
    const again = await Wharf.start({ dir: w.dir, sources: { app: { verifier: 'standard', secret } } });
    try {
      const r = await again.api(`/events/${id}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.payload, body);
    } finally {
      await again.stop();
    }
  } finally {
    if (w.alive) w.kill9();
  }
});
