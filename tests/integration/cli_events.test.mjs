// `wharf events ...` and `wharf dlq ...` against a real gateway (issue 3: "replay ... that an
// operator can drive from the CLI"): an event fails into the DLQ, the CLI lists, shows and replays
// it, and the sink then receives it.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';

import { Wharf, runWharf } from './lib/harness.mjs';
import { Sink, waitFor } from './lib/sink.mjs';
import * as S from './lib/signers.mjs';

const cleanup = [];
after(async () => { for (const c of cleanup) await c(); });

test('an operator finds a dead event with the CLI and replays it', async () => {
  const destSecret = S.newStandardSecret();
  const app = await Sink.start(destSecret);
  cleanup.push(() => app.stop());
  app.respond = () => ({ status: 500 });
  const inbound = S.newStandardSecret();
  const wharf = await Wharf.start({
    sources: { app: { verifier: 'standard', secret: inbound } },
    config: {
      destinations: { app: { url: app.url, secret: destSecret } },
      routes: [{ match: { source: '*' }, to: [{ forward: 'app' }] }],
      dispatch: { retry_schedule: ['200ms'], jitter: 'none' },
    },
  });
  cleanup.push(() => wharf.kill9());
  const r = await wharf.post('app', S.signStandard(inbound, S.standardPayload('order.created')));
  const id = String(r.json.id);
  await waitFor(async () => (await wharf.event(id)).status === 'dead', { what: 'the DLQ' });

  const cli = (...args) => runWharf([...args, '--url', wharf.baseUrl], { env: { WHARF_ADMIN_TOKEN: wharf.adminToken } });
  const list = cli('dlq', 'list');
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`${id}\\s+dead\\s+2\\s+app\\s+order.created`));

  const show = cli('events', 'show', id);
  assert.equal(show.status, 0, show.stderr);
  assert.match(show.stdout, /forward:app/);
  assert.match(show.stdout, /HTTP 500/);

  const json = JSON.parse(cli('events', 'show', id, '--json').stdout);
  assert.equal(json.deliveries.length, 2);

  app.respond = () => ({ status: 200 });
  const replay = cli('dlq', 'replay', '--all');
  assert.equal(replay.status, 0, replay.stderr);
  assert.match(replay.stdout, /replayed 1 event/);
  await waitFor(async () => (await wharf.event(id)).status === 'done', { what: 'done after the replay' });
  assert.equal(app.of(id).length, 3);

  const notDead = cli('dlq', 'replay', id);
  assert.equal(notDead.status, 1, 'a done event is not in the DLQ');
  assert.match(notDead.stderr, /404: no such event in the DLQ/);

  const again = cli('events', 'replay', id);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`${id}: replayed \\(1 deliver`));
  await waitFor(() => app.of(id).length === 4, { what: 'the second replay' });

  const bulk = cli('events', 'replay', '--source', 'app', '--type', 'order.created');
  assert.equal(bulk.status, 0, bulk.stderr);
  assert.match(bulk.stdout, /replayed 1 event/);

  const missing = cli('events', 'show', 'evt_0000000000000');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^wharf: 404: no such event/);
  const noToken = runWharf(['dlq', 'list', '--url', wharf.baseUrl, '--token', 'wrong-token-0123456789']);
  assert.equal(noToken.status, 1);
  assert.match(noToken.stderr, /401/);
  const usage = cli('events', 'replay');
  assert.equal(usage.status, 2);
});
