// A full disk (SPEC 2.1.4: "503 + Retry-After when storage cannot take the write; never a 200
// for an event that was not stored"). The disk is simulated with a file-size limit
// (RLIMIT_FSIZE via `ulimit -f`), which also binds root, unlike file permissions; wharf must
// ignore SIGXFSZ so a write past the limit fails with EFBIG instead of killing the process.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';

import { Wharf, pool } from './lib/harness.mjs';
import * as S from './lib/signers.mjs';

// In 512-byte blocks (POSIX `ulimit -f` in /bin/sh): 1 MiB, enough for an empty database and
// its WAL, too small for the events we send.
const LIMIT_BLOCKS = Number(process.env.WHARF_IT_FSIZE_BLOCKS ?? 2048);
const MAX_REQUESTS = 6000;

let wharf;
after(async () => { if (wharf) await wharf.kill9(); });

function fsizeLimit(pid) {
  const line = fs.readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max file size'));
  return Number(line.trim().split(/\s+/)[3]);
}

test('a full disk answers 503 + Retry-After and loses no acked event', async () => {
  const secret = S.newStandardSecret();
  wharf = await Wharf.start({
    sources: { app: { verifier: 'standard', secret } },
    wrap: (argv) => ['/bin/sh', '-c', `ulimit -f ${LIMIT_BLOCKS} && exec "$0" "$@"`, ...argv],
  });
  const limitBytes = fsizeLimit(wharf.pid);
  assert.equal(limitBytes, LIMIT_BLOCKS * 512, 'the file-size limit applies to the server process');
  assert.equal((await wharf.request('GET', '/readyz')).status, 200, 'the database initialises under the limit');

  const acked = new Map();     // msgId -> {id, body}
  const refused = new Map();   // msgId -> body (503)
  const sent = new Set();
  const others = [];
  let consecutive503 = 0;
  let sawRetryAfter = true;
  let stop = false;
  const run = crypto.randomBytes(4).toString('hex');

  await pool(MAX_REQUESTS, 8, async (i) => {
    if (stop) return;
    const msgId = `msg_${run}_${i}`;
    const body = S.standardPayload('disk.fill', { i, blob: crypto.randomBytes(1500).toString('base64') });
    sent.add(msgId);
    const r = await wharf.post('app', S.signStandard(secret, body, { msgId }));
    if (r.status === 200) {
      assert.equal(r.json?.status, 'ok', r.text);
      acked.set(msgId, { id: String(r.json.id), body });
      consecutive503 = 0;
    } else if (r.status === 503) {
      refused.set(msgId, body);
      const ra = r.headers.get('retry-after');
      if (!(ra && (/^\d+$/.test(ra) || !Number.isNaN(Date.parse(ra))))) sawRetryAfter = false;
      assert.ok(ra, `503 without Retry-After: ${r.text}`);
      assert.match(r.headers.get('content-type') ?? '', /application\/json/);
      assert.equal(typeof r.json?.error, 'string', `503 body must be {"error"}: ${r.text}`);
      if (++consecutive503 >= 50) stop = true;
    } else {
      others.push(`${r.status} ${r.text}`);
      stop = true;
    }
  });

  assert.deepEqual(others, [], 'only 200 or 503 while the disk fills');
  assert.ok(acked.size > 0, 'some events fit before the disk was full');
  assert.ok(refused.size > 0, `no 503 after ${sent.size} requests of ~2 KiB with a ${limitBytes}-byte file limit`);
  assert.ok(sawRetryAfter, 'Retry-After must be delay-seconds or an HTTP date');
  assert.ok(wharf.alive, `the process must survive a full disk: ${JSON.stringify(wharf.exit)}\n${wharf.tail()}`);
  assert.ok(await wharf.healthy(), '/healthz while the disk is full');
  console.log(`acked ${acked.size}, refused ${refused.size} with a ${limitBytes}-byte limit`);

  // Space comes back: restart without the limit on the same database.
  const stopped = await wharf.stop();
  console.log(`stop under a full disk: ${JSON.stringify(stopped)}`);
  await wharf.restart({ wrap: undefined });
  assert.equal(fsizeLimit(wharf.pid) > limitBytes || Number.isNaN(fsizeLimit(wharf.pid)), true);

  const ackedList = [...acked.entries()];
  const lost = [];
  await pool(ackedList.length, 16, async (i) => {
    const [msgId, { id, body }] = ackedList[i];
    const r = await wharf.api(`/events/${encodeURIComponent(id)}`);
    if (r.status !== 200) { lost.push(`${msgId} -> ${r.status}`); return; }
    assert.equal(r.json.provider_event_id, msgId);
    assert.equal(r.json.payload, body);
  });
  assert.deepEqual(lost, [], 'every event acked with 200 is present after the restart');

  const stored = await wharf.allEvents({ source: 'app' }, 500);
  for (const e of stored) assert.ok(sent.has(e.provider_event_id), `stored ${e.provider_event_id} was never sent`);
  assert.equal(new Set(stored.map((e) => e.provider_event_id)).size, stored.length, 'no event stored twice');

  // The provider retries what got 503: now accepted (ok, or duplicate if the write had landed).
  for (const [msgId, body] of refused) {
    const r = await wharf.post('app', S.signStandard(secret, body, { msgId }));
    assert.equal(r.status, 200, r.text);
    assert.ok(['ok', 'duplicate'].includes(r.json.status), r.text);
    assert.equal((await wharf.event(r.json.id)).payload, body);
  }
  const final = await wharf.stop();
  assert.equal(final.code, 0, JSON.stringify(final));
});
