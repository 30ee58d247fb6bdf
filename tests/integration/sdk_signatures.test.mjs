// Events signed by the providers' official SDKs (or, where a provider publishes no signing SDK,
// by node:crypto following its documentation) are accepted, stored and visible through the admin
// API; the same SDK signature made with a wrong secret is refused with 401 and nothing is stored.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import ew from '@sendgrid/eventwebhook';

import { Wharf, nowSeconds } from './lib/harness.mjs';
import * as S from './lib/signers.mjs';

const keys = {
  stripe: [S.newStripeSecret(), S.newStripeSecret()],   // a list: rotation
  standard: S.newStandardSecret(),
  sendgrid: S.newSendgridKeys(),
  mailgun: S.newHmacSecret(),
  slack: S.newHmacSecret(),
  github: S.newHmacSecret(),
  v1a: S.newStandardAsymmetricKeys(),
  hmac: S.newHmacSecret(),
};

let wharf;

before(async () => {
  wharf = await Wharf.start({
    sources: {
      stripe: { verifier: 'stripe', secret: keys.stripe },
      app: { verifier: 'standard', secret: keys.standard },
      app2: { verifier: 'standard', public_key: keys.v1a.publicKey },
      sendgrid: { verifier: 'sendgrid', public_key: keys.sendgrid.publicKeyBase64 },
      mailgun: { verifier: 'mailgun', signing_key: keys.mailgun },
      slack: { verifier: 'slack', signing_secret: keys.slack },
      github: { verifier: 'github', secret: keys.github },
      custom: { verifier: 'hmac', header: 'X-Signature', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=', secret: keys.hmac },
      custom_ts: { verifier: 'hmac', header: 'X-Sig', algorithm: 'sha512', encoding: 'base64', prefix: '', secret: keys.hmac, timestamp_header: 'X-Sig-Timestamp' },
    },
  });
});

after(async () => {
  if (wharf) {
    const r = await wharf.stop();
    assert.equal(r.code, 0, `SIGTERM should drain and exit 0, got ${JSON.stringify(r)}\n${wharf.tail()}`);
  }
});

// Posts a signed request; asserts 200 ok and that the admin API shows the event as expected.
async function acceptedAndStored(source, req, { type, providerEventId, payload = req.body }) {
  const r = await wharf.post(source, req);
  assert.equal(r.status, 200, `POST /webhooks/${source} -> ${r.status} ${r.text}`);
  assert.equal(r.json?.status, 'ok', r.text);
  assert.ok(r.json.id !== undefined && r.json.id !== null && r.json.id !== '', `no id in ${r.text}`);
  const ev = await wharf.event(r.json.id);
  assert.equal(String(ev.id), String(r.json.id));
  assert.equal(ev.source, source);
  assert.equal(ev.type, type);
  assert.equal(ev.provider_event_id, providerEventId);
  assert.equal(ev.status, 'ignored');  // no routes in this config
  assert.equal(typeof ev.payload, 'string');
  if (typeof payload === 'string') assert.equal(ev.payload, payload);
  else assert.deepEqual(JSON.parse(ev.payload), payload);
  assert.ok(Array.isArray(ev.deliveries), 'deliveries must be an array');
  // And it is listed.
  const listed = await wharf.allEvents({ source });
  assert.ok(listed.some((e) => String(e.id) === String(r.json.id) && e.provider_event_id === providerEventId && e.type === type),
    `event ${r.json.id} not in GET /api/v1/events?source=${source}`);
  return r.json.id;
}

// Posts a request that must be refused with 401 and leave nothing behind.
async function rejected(source, req, providerEventId) {
  const before = await wharf.allEvents({ source });
  const r = await wharf.post(source, req);
  assert.equal(r.status, 401, `expected 401, got ${r.status} ${r.text}`);
  assert.equal(typeof r.json?.error, 'string', `401 body must be JSON {"error"}: ${r.text}`);
  assert.ok(r.json.error.length > 0);
  const afterList = await wharf.allEvents({ source });
  assert.equal(afterList.length, before.length, 'a rejected request must not be stored');
  if (providerEventId) assert.ok(!afterList.some((e) => e.provider_event_id === providerEventId));
}

describe('Stripe (stripe.webhooks.generateTestHeaderString)', () => {
  test('signed with the first secret of the list is accepted', async () => {
    const ev = S.stripeEvent({ type: 'invoice.paid' });
    await acceptedAndStored('stripe', S.signStripe(keys.stripe[0], ev), { type: 'invoice.paid', providerEventId: ev.id });
  });
  test('signed with the second (rotated) secret is accepted', async () => {
    const ev = S.stripeEvent({ type: 'customer.subscription.updated' });
    await acceptedAndStored('stripe', S.signStripe(keys.stripe[1], ev), { type: 'customer.subscription.updated', providerEventId: ev.id });
  });
  test('a header carrying several v1 signatures, one valid, is accepted', async () => {
    const ev = S.stripeEvent({ type: 'invoice.payment_failed' });
    const req = S.signStripe(keys.stripe[0], ev);
    const bogus = S.signStripe(S.newStripeSecret(), ev).headers['stripe-signature'].split(',')[1];
    const [t, v1] = req.headers['stripe-signature'].split(',');
    req.headers['stripe-signature'] = [t, bogus, v1].join(',');
    await acceptedAndStored('stripe', req, { type: 'invoice.payment_failed', providerEventId: ev.id });
  });
  test('signed with a wrong secret is refused', async () => {
    const ev = S.stripeEvent();
    await rejected('stripe', S.signStripe(S.newStripeSecret(), ev), ev.id);
  });
  test('body changed after signing is refused', async () => {
    const ev = S.stripeEvent();
    const req = S.signStripe(keys.stripe[0], ev);
    req.body = req.body.replace('1900', '1901');
    await rejected('stripe', req, ev.id);
  });
});

describe('Standard Webhooks (standardwebhooks Webhook.sign, v1)', () => {
  test('accepted', async () => {
    const body = S.standardPayload('user.created');
    const req = S.signStandard(keys.standard, body);
    await acceptedAndStored('app', req, { type: 'user.created', providerEventId: req.msgId });
  });
  test('wrong secret refused', async () => {
    const req = S.signStandard(S.newStandardSecret(), S.standardPayload());
    await rejected('app', req, req.msgId);
  });
  test('signature of another message id refused', async () => {
    const body = S.standardPayload();
    const req = S.signStandard(keys.standard, body);
    req.headers['webhook-id'] = 'msg_other';
    await rejected('app', req, 'msg_other');
  });
});

describe('Svix (svix Webhook.sign, svix-* headers)', () => {
  test('accepted on a standard source', async () => {
    const body = S.standardPayload('invoice.created');
    const req = S.signSvix(keys.standard, body);
    await acceptedAndStored('app', req, { type: 'invoice.created', providerEventId: req.msgId });
  });
  test('wrong secret refused', async () => {
    const req = S.signSvix(S.newStandardSecret(), S.standardPayload());
    await rejected('app', req, req.msgId);
  });
});

describe('Standard Webhooks v1a (Ed25519, node:crypto)', () => {
  test('accepted with whpk_ public key', async () => {
    const body = S.standardPayload('order.shipped');
    const req = S.signStandardV1a(keys.v1a.privateKey, body);
    await acceptedAndStored('app2', req, { type: 'order.shipped', providerEventId: req.msgId });
  });
  test('signed by another key refused', async () => {
    const req = S.signStandardV1a(S.newStandardAsymmetricKeys().privateKey, S.standardPayload());
    await rejected('app2', req, req.msgId);
  });
  test('a v1 HMAC signature is not accepted by a public-key-only source', async () => {
    const req = S.signStandard(S.newStandardSecret(), S.standardPayload());
    await rejected('app2', req, req.msgId);
  });
});

describe('GitHub (@octokit/webhooks-methods sign)', () => {
  test('accepted', async () => {
    const body = JSON.stringify({ action: 'opened', issue: { number: 7, title: 'hi' }, repository: { full_name: 'o/r' } });
    const req = await S.signGithub(keys.github, body, { event: 'issues' });
    await acceptedAndStored('github', req, { type: 'issues.opened', providerEventId: req.delivery });
  });
  test('wrong secret refused', async () => {
    const req = await S.signGithub(S.newHmacSecret(), JSON.stringify({ zen: 'x' }), { event: 'ping' });
    await rejected('github', req, req.delivery);
  });
  test('a delivery id with non-UTF-8 bytes (unsigned header) keeps the admin API valid JSON', async () => {
    const delivery = `bad-\xff-${crypto.randomBytes(4).toString('hex')}`;  // byte 0xFF on the wire
    const req = await S.signGithub(keys.github, JSON.stringify({ zen: 'x' }), { event: 'ping', delivery });
    const r = await wharf.post('github', req);
    assert.equal(r.status, 200, r.text);
    const res = await fetch(wharf.url('/api/v1/events?source=github'), { headers: { authorization: `Bearer ${wharf.adminToken}` } });
    assert.equal(res.status, 200);
    // Decode the raw bytes strictly: a lenient decoder would hide invalid UTF-8 in the response.
    const text = new TextDecoder('utf-8', { fatal: true }).decode(await res.arrayBuffer());
    const listed = JSON.parse(text).events.find((e) => e.id === r.json.id);
    assert.equal(listed.provider_event_id, delivery.replace('\xff', '\ufffd'));
  });
});

describe('SendGrid (ECDSA P-256, verified first by @sendgrid/eventwebhook)', () => {
  test('a signed batch is accepted as one event per element', async () => {
    const events = [S.sendgridEvent('delivered'), S.sendgridEvent('open'), S.sendgridEvent('bounce', { reason: '550 no such user' })];
    const body = JSON.stringify(events) + '\r\n';
    const req = S.signSendgrid(keys.sendgrid.privateKey, body);
    // The official library accepts our signature: same scheme as SendGrid's.
    const verifier = new ew.EventWebhook();
    const pub = verifier.convertPublicKeyToECDSA(keys.sendgrid.publicKeyBase64);
    const ts = req.headers['x-twilio-email-event-webhook-timestamp'];
    const sig = req.headers['x-twilio-email-event-webhook-signature'];
    assert.equal(verifier.verifySignature(pub, body, sig, ts), true, '@sendgrid/eventwebhook must accept the signature');
    assert.equal(verifier.verifySignature(pub, body + ' ', sig, ts), false);

    const r = await wharf.post('sendgrid', req);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'ok');
    assert.ok(Array.isArray(r.json.ids), r.text);
    assert.equal(r.json.ids.length, 3);
    assert.equal(new Set(r.json.ids.map(String)).size, 3);
    assert.equal(String(r.json.id), String(r.json.ids[0]));
    assert.equal(r.json.duplicates, 0);
    for (let i = 0; i < 3; i++) {
      const ev = await wharf.event(r.json.ids[i]);
      assert.equal(ev.source, 'sendgrid');
      assert.equal(ev.type, events[i].event);
      assert.equal(ev.provider_event_id, events[i].sg_event_id);
      assert.deepEqual(JSON.parse(ev.payload), events[i]);
    }
  });
  test('signed by another key refused', async () => {
    const ev = S.sendgridEvent();
    await rejected('sendgrid', S.signSendgrid(S.newSendgridKeys().privateKey, JSON.stringify([ev])), ev.sg_event_id);
  });
  test('valid signature under another timestamp header refused', async () => {
    const ev = S.sendgridEvent();
    const req = S.signSendgrid(keys.sendgrid.privateKey, JSON.stringify([ev]));
    req.headers['x-twilio-email-event-webhook-timestamp'] = String(Number(req.headers['x-twilio-email-event-webhook-timestamp']) - 1);
    await rejected('sendgrid', req, ev.sg_event_id);
  });
});

describe('Slack (v0 HMAC per Slack docs)', () => {
  test('event_callback accepted', async () => {
    const ev = S.slackEventCallback({ type: 'app_mention' });
    const body = JSON.stringify(ev);
    await acceptedAndStored('slack', S.signSlack(keys.slack, body), { type: 'app_mention', providerEventId: ev.event_id });
  });
  test('url_verification answers the challenge and stores nothing', async () => {
    const before = await wharf.allEvents({ source: 'slack' });
    const challenge = crypto.randomBytes(16).toString('hex');
    const body = JSON.stringify({ token: 'x', challenge, type: 'url_verification' });
    const r = await wharf.post('slack', S.signSlack(keys.slack, body));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { challenge });
    assert.equal((await wharf.allEvents({ source: 'slack' })).length, before.length);
  });
  test('url_verification with a bad signature is refused', async () => {
    const body = JSON.stringify({ token: 'x', challenge: 'abc', type: 'url_verification' });
    await rejected('slack', S.signSlack(S.newHmacSecret(), body));
  });
  test('wrong secret refused', async () => {
    const ev = S.slackEventCallback();
    await rejected('slack', S.signSlack(S.newHmacSecret(), JSON.stringify(ev)), ev.event_id);
  });
});

describe('Mailgun (HMAC of timestamp+token per Mailgun docs)', () => {
  test('JSON webhook accepted', async () => {
    const req = S.mailgunJson(keys.mailgun, { event: 'delivered' });
    await acceptedAndStored('mailgun', req, { type: 'delivered', providerEventId: req.id });
  });
  test('multipart form (inbound route, FormData) accepted', async () => {
    const sig = S.mailgunSignature(keys.mailgun);
    const messageId = `${crypto.randomBytes(8).toString('hex')}@mail.example.com`;
    const form = new FormData();
    form.append('recipient', 'replies@mg.example.com');
    form.append('sender', 'contact@example.org');
    form.append('from', 'Contact <contact@example.org>');
    form.append('subject', 'Re: your application');
    // CRLF line breaks: FormData's multipart encoding turns a bare LF into CRLF anyway.
    form.append('body-plain', 'Thanks,\r\nlet us talk.\r\n');
    form.append('Message-Id', messageId);
    form.append('timestamp', sig.timestamp);
    form.append('token', sig.token);
    form.append('signature', sig.signature);
    form.append('attachment-1', new Blob([Buffer.from('%PDF-1.4 fake')], { type: 'application/pdf' }), 'cv.pdf');
    const r = await wharf.request('POST', '/webhooks/mailgun', { body: form });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'ok');
    const ev = await wharf.event(r.json.id);
    assert.equal(ev.source, 'mailgun');
    assert.equal(ev.provider_event_id, messageId);
    let stored;
    try { stored = JSON.parse(ev.payload); } catch { stored = null; }
    if (stored) {
      assert.equal(stored['body-plain'], 'Thanks,\r\nlet us talk.\r\n');
      assert.equal(stored.subject, 'Re: your application');
      assert.equal(stored['Message-Id'], messageId);
    } else {
      assert.ok(ev.payload.includes('Thanks,\r\nlet us talk.'), 'the raw form is stored');
    }
    assert.ok(typeof ev.type === 'string' && ev.type.length > 0);
  });
  test('urlencoded form (legacy webhook) accepted', async () => {
    const sig = S.mailgunSignature(keys.mailgun);
    const messageId = `${crypto.randomBytes(8).toString('hex')}@mail.example.com`;
    const fields = { event: 'bounced', recipient: 'x+tag@example.com', code: '550', error: 'No such user – 5.1.1', 'Message-Id': messageId, ...sig };
    const body = new URLSearchParams(fields).toString();
    const r = await wharf.post('mailgun', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'ok');
    const ev = await wharf.event(r.json.id);
    assert.equal(ev.source, 'mailgun');
    assert.equal(ev.type, 'bounced');
    // Every event about one message carries its Message-Id: the per-delivery token is the id.
    assert.equal(ev.provider_event_id, sig.token);
    // Stored either as the raw form or as a JSON object of its fields; every field, decoded.
    let stored;
    try { stored = JSON.parse(ev.payload); } catch { stored = Object.fromEntries(new URLSearchParams(ev.payload)); }
    for (const [k, v] of Object.entries(fields)) assert.equal(stored[k], v, `field ${k} in ${ev.payload}`);
    // A later event about the same message is a new event, not a duplicate.
    const next = { ...fields, event: 'complained', ...S.mailgunSignature(keys.mailgun) };
    const r2 = await wharf.post('mailgun', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(next).toString() });
    assert.equal(r2.json?.status, 'ok', r2.text);
    assert.notEqual(r2.json.id, r.json.id);
  });
  test('multipart form with a wrong key refused', async () => {
    const sig = S.mailgunSignature(S.newHmacSecret());
    const form = new FormData();
    form.append('Message-Id', 'refused@example.com');
    for (const [k, v] of Object.entries(sig)) form.append(k, v);
    const before = await wharf.allEvents({ source: 'mailgun' });
    const r = await wharf.request('POST', '/webhooks/mailgun', { body: form });
    assert.equal(r.status, 401, r.text);
    assert.equal(typeof r.json?.error, 'string');
    assert.equal((await wharf.allEvents({ source: 'mailgun' })).length, before.length);
  });
  test('JSON with a wrong key refused', async () => {
    const req = S.mailgunJson(S.newHmacSecret());
    await rejected('mailgun', req, req.id);
  });
  test('a captured signature cannot carry another event (token replay), its own retry is a duplicate', async () => {
    // Mailgun signs timestamp + token only, not the body.
    const sig = S.mailgunSignature(keys.mailgun);
    const body = (id) => JSON.stringify({ signature: sig, 'event-data': { id, event: 'complained' } });
    const headers = { 'content-type': 'application/json' };
    const first = await wharf.post('mailgun', { headers, body: body('genuine-1') });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.status, 'ok');
    const retry = await wharf.post('mailgun', { headers, body: body('genuine-1') });
    assert.equal(retry.json?.status, 'duplicate', retry.text);
    const forged = await wharf.post('mailgun', { headers, body: body('forged-1') });
    assert.equal(forged.status, 401, forged.text);
    assert.match(forged.json.error, /replay/);
    const stored = await wharf.allEvents({ source: 'mailgun' });
    assert.ok(!stored.some((e) => e.provider_event_id === 'forged-1'), 'the forged event was stored');
  });
  test('JSON with a stale signed timestamp refused', async () => {
    const req = S.mailgunJson(keys.mailgun, { timestamp: nowSeconds() - 3600 });
    await rejected('mailgun', req, req.id);
  });
});

describe('generic HMAC', () => {
  test('a binary (non-UTF-8) body is stored byte for byte and read back as payload_base64', async () => {
    const body = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xc3]), crypto.randomBytes(64)]);
    const req = S.signHmac({ secret: keys.hmac, prefix: 'sha256=', header: 'X-Signature' }, body);
    req.headers['content-type'] = 'application/octet-stream';
    const r = await wharf.post('custom', req);
    assert.equal(r.status, 200, r.text);
    const ev = await wharf.event(r.json.id);
    assert.equal(ev.payload, undefined);
    assert.deepEqual(Buffer.from(ev.payload_base64, 'base64'), body);
  });
  test('hex + prefix accepted, content hash as the id when the body has none', async () => {
    const body = JSON.stringify({ type: 'thing.happened', n: crypto.randomInt(1e9) });
    const req = S.signHmac({ secret: keys.hmac, prefix: 'sha256=', header: 'X-Signature' }, body);
    const r = await wharf.post('custom', req);
    assert.equal(r.status, 200, r.text);
    const ev = await wharf.event(r.json.id);
    assert.equal(ev.source, 'custom');
    assert.equal(ev.payload, body);
  });
  test('sha512/base64 with a signed timestamp accepted, stale refused', async () => {
    const body = JSON.stringify({ type: 'thing.happened', n: crypto.randomInt(1e9) });
    const cfg = { secret: keys.hmac, algorithm: 'sha512', encoding: 'base64', header: 'X-Sig', timestampHeader: 'X-Sig-Timestamp' };
    const ok = await wharf.post('custom_ts', S.signHmac(cfg, body));
    assert.equal(ok.status, 200, ok.text);
    await rejected('custom_ts', S.signHmac({ ...cfg, timestamp: nowSeconds() - 3600 }, JSON.stringify({ type: 'x', n: 1 })));
  });
  test('wrong secret refused', async () => {
    await rejected('custom', S.signHmac({ secret: S.newHmacSecret(), prefix: 'sha256=' }, JSON.stringify({ type: 'x' })));
  });
});
