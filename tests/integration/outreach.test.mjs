// The outreach application in the real binary (issue 6): its API mounted under
// /api/v1/outreach behind the admin token, an outreach sent through SendGrid at the provider
// simulator, a signed SendGrid spam report for it through the webhook, the handler, and the
// outbox sender, whose Slack alert reaches the simulator.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { Wharf, sleep } from './lib/harness.mjs';
import { Mock } from './lib/mock.mjs';
import { newSendgridKeys, sendgridEvent, signSendgrid } from './lib/signers.mjs';

let mock;
let wharf;
const sendgridKeys = newSendgridKeys();

before(async () => {
  mock = await Mock.start();
  const at = (path) => `${mock.baseUrl}${path}`;
  wharf = await Wharf.start({
    sources: { sendgrid: { verifier: 'sendgrid', public_key: sendgridKeys.publicKeyBase64 } },
    config: {
      routes: [{ match: { source: 'sendgrid' }, to: [{ handler: 'outreach.sendgrid' }] }],
      providers: {
        sendgrid: { base_url: at('/v3'), credentials: { type: 'bearer', value: 'SG.simulated-key' } },
        slack: { base_url: at('/api'), credentials: { type: 'bearer', value: 'xoxb-x' } },
      },
      apps: { outreach: { alerts: { provider: 'slack', channel: '#deliverability' } } },
    },
  });
});

after(async () => {
  await wharf?.stop();
  await mock?.stop();
});

const post = (path, body) => wharf.api(`/outreach${path}`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});

async function until(what, fn, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('the outreach API needs the admin token', async () => {
  assert.equal((await wharf.api('/outreach/users/usr_x', { token: null })).status, 401);
  assert.equal((await wharf.api('/outreach/users/usr_x')).status, 404);
});

test('an outreach sent through the API, reported as spam by a signed webhook, alerts Slack from the outbox', async () => {
  const user = (await post('/users', { email: 'seeker@example.com', credits_remaining: 2 })).json;
  const app = (await post('/applications', { user_id: user.id, job_title: 'Staff Engineer', company: 'Acme' })).json;
  const contact = (await post('/contacts', { email: 'ada@acme.com', first_name: 'Ada' })).json;
  const outreach = (await post('/outreach', {
    application_id: app.id, contact_id: contact.id, from_mailbox: 'me@rf-send-01.com', subject: 'Hi', body: 'Hello Ada',
  })).json;
  assert.match(outreach.id, /^out_/);

  const sent = await post(`/outreach/${outreach.id}/send`, {});
  assert.equal(sent.status, 200, sent.text);
  assert.equal(sent.json.status, 'sent');
  const mails = await mock.requests('/v3/mail/send');
  assert.equal(mails.length, 1);
  assert.equal(JSON.parse(mails[0].body).custom_args.outreach_id, outreach.id);

  const body = JSON.stringify([sendgridEvent('spamreport', { outreach_id: outreach.id, email: 'ada@acme.com' })]);
  const r = await wharf.post('sendgrid', signSendgrid(sendgridKeys.privateKey, body));
  assert.equal(r.status, 200, r.text);

  const alerts = await until('the Slack alert', async () => {
    const seen = await mock.requests('/api/chat.postMessage');
    return seen.length ? seen : null;
  });
  const alert = JSON.parse(alerts[0].body);
  assert.equal(alert.channel, '#deliverability');
  assert.match(alert.text, new RegExp(`Spam report for outreach ${outreach.id}`));

  const after = await wharf.api(`/outreach/outreach/${outreach.id}`);
  assert.equal(after.json.status, 'spam');
  assert.equal((await wharf.api(`/outreach/contacts/${contact.id}`)).json.opted_out, true);
  // Opted out: a new outreach to this contact is refused.
  const again = (await post('/outreach', {
    application_id: app.id, contact_id: contact.id, from_mailbox: 'me@rf-send-01.com', subject: 'Again', body: 'x',
  })).json;
  const refused = await post(`/outreach/${again.id}/send`, {});
  assert.equal(refused.status, 409);
  assert.equal(refused.json.reason, 'contact_opted_out');

  const metrics = await (await fetch(wharf.url('/metrics'))).text();
  assert.match(metrics, /wharf_outreach_outbox_messages_total\{provider="slack",action="chat_post_message",outcome="sent"\} 1/);
  assert.match(metrics, /wharf_outreach_sends_total\{outcome="sent"\} 1/);
});
