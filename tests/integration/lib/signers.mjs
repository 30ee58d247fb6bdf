// Builds signed webhook requests the way each provider does: with the provider's official SDK
// where one exists, otherwise with node:crypto following the provider's documentation.
// Each function returns {headers, body} ready for Wharf.post(); secrets and keys are generated
// by the tests (see keys below), never hard-coded.

import crypto from 'node:crypto';
import Stripe from 'stripe';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { sign as octokitSign } from '@octokit/webhooks-methods';

import { nowSeconds } from './harness.mjs';

const stripeClient = new Stripe('sk_test_integration_not_a_real_key');

// ---- key material ----

export const newStripeSecret = () => 'whsec_' + crypto.randomBytes(24).toString('base64url');
export const newStandardSecret = () => 'whsec_' + crypto.randomBytes(32).toString('base64');
export const newHmacSecret = () => crypto.randomBytes(24).toString('hex');

// P-256 key pair as SendGrid uses it: the public key in base64 DER SPKI (what SendGrid's UI
// shows), the private key as PEM.
export function newSendgridKeys() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicKeyBase64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

// Ed25519 key pair for Standard Webhooks v1a: whpk_/whsk_ + base64 of the raw 32-byte keys.
export function newStandardAsymmetricKeys() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const rawPub = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
  return { privateKey, publicKey: 'whpk_' + rawPub.toString('base64') };
}

// ---- Stripe ----

export function stripeEvent({ id = 'evt_' + crypto.randomBytes(12).toString('hex'), type = 'invoice.paid', extra = {} } = {}) {
  return {
    id,
    object: 'event',
    api_version: '2024-06-20',
    created: nowSeconds(),
    type,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object: { id: 'in_' + crypto.randomBytes(8).toString('hex'), object: 'invoice', amount_paid: 1900, currency: 'usd', ...extra } },
  };
}

export function signStripe(secret, body, { timestamp = nowSeconds() } = {}) {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const header = stripeClient.webhooks.generateTestHeaderString({ payload, secret, timestamp });
  return { headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header }, body: payload };
}

// ---- Standard Webhooks / Svix ----

export function standardPayload(type = 'user.created', data = {}) {
  return JSON.stringify({ type, timestamp: new Date().toISOString(), data: { id: crypto.randomUUID(), ...data } });
}

export function signStandard(secret, body, { msgId = 'msg_' + crypto.randomBytes(12).toString('hex'), timestamp = nowSeconds() } = {}) {
  const sig = new StandardWebhook(secret).sign(msgId, new Date(timestamp * 1000), body);
  return {
    headers: { 'content-type': 'application/json', 'webhook-id': msgId, 'webhook-timestamp': String(timestamp), 'webhook-signature': sig },
    body,
    msgId,
  };
}

export function signSvix(secret, body, { msgId = 'msg_' + crypto.randomBytes(12).toString('hex'), timestamp = nowSeconds() } = {}) {
  const sig = new SvixWebhook(secret).sign(msgId, new Date(timestamp * 1000), body);
  return {
    headers: { 'content-type': 'application/json', 'svix-id': msgId, 'svix-timestamp': String(timestamp), 'svix-signature': sig },
    body,
    msgId,
  };
}

// Standard Webhooks v1a: Ed25519 over "{id}.{timestamp}.{body}" (no SDK signs v1a in JS).
export function signStandardV1a(privateKey, body, { msgId = 'msg_' + crypto.randomBytes(12).toString('hex'), timestamp = nowSeconds() } = {}) {
  const sig = crypto.sign(null, Buffer.from(`${msgId}.${timestamp}.${body}`), privateKey).toString('base64');
  return {
    headers: { 'content-type': 'application/json', 'webhook-id': msgId, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1a,${sig}` },
    body,
    msgId,
  };
}

// ---- GitHub ----

export async function signGithub(secret, body, { event = 'issues', delivery = crypto.randomUUID() } = {}) {
  const sig = await octokitSign(secret, body);
  return {
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': delivery,
      'x-hub-signature-256': sig,
      'user-agent': 'GitHub-Hookshot/integration',
    },
    body,
    delivery,
  };
}

// ---- SendGrid (ECDSA P-256 / SHA-256 over timestamp + payload, DER, base64) ----

export function sendgridEvent(event = 'delivered', extra = {}) {
  return {
    email: `user${crypto.randomInt(1e9)}@example.com`,
    timestamp: nowSeconds(),
    event,
    sg_event_id: crypto.randomBytes(16).toString('base64url'),
    sg_message_id: crypto.randomBytes(10).toString('hex') + '.filter0001',
    ...extra,
  };
}

export function signSendgrid(privateKey, body, { timestamp = nowSeconds() } = {}) {
  const sig = crypto.sign('sha256', Buffer.from(String(timestamp) + body), privateKey).toString('base64');
  return {
    headers: {
      'content-type': 'application/json',
      'x-twilio-email-event-webhook-signature': sig,
      'x-twilio-email-event-webhook-timestamp': String(timestamp),
    },
    body,
  };
}

// ---- Slack: v0=hex(HMAC-SHA256(signing_secret, "v0:" + ts + ":" + body)) ----

export function slackEventCallback({ eventId = 'Ev' + crypto.randomBytes(6).toString('hex').toUpperCase(), type = 'app_mention' } = {}) {
  return {
    token: 'verification-token-unused',
    team_id: 'T0001',
    api_app_id: 'A0001',
    event: { type, user: 'U0001', text: 'hello', ts: `${nowSeconds()}.000100`, channel: 'C0001', event_ts: `${nowSeconds()}.000100` },
    type: 'event_callback',
    event_id: eventId,
    event_time: nowSeconds(),
  };
}

export function signSlack(secret, body, { timestamp = nowSeconds(), contentType = 'application/json' } = {}) {
  const mac = crypto.createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return {
    headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${mac}` },
    body,
  };
}

// ---- Mailgun: hex(HMAC-SHA256(signing_key, timestamp + token)), carried in the body ----

export function mailgunSignature(signingKey, { timestamp = nowSeconds(), token = crypto.randomBytes(25).toString('hex') } = {}) {
  const signature = crypto.createHmac('sha256', signingKey).update(String(timestamp) + token).digest('hex');
  return { timestamp: String(timestamp), token, signature };
}

export function mailgunJson(signingKey, { event = 'delivered', id = crypto.randomBytes(11).toString('base64url'), timestamp } = {}) {
  const signature = mailgunSignature(signingKey, { timestamp });
  const body = JSON.stringify({
    signature,
    'event-data': {
      id,
      timestamp: Number(signature.timestamp),
      event,
      recipient: 'someone@example.com',
      message: { headers: { 'message-id': `${crypto.randomBytes(6).toString('hex')}@mg.example.com` } },
    },
  });
  return { headers: { 'content-type': 'application/json' }, body, id, signature };
}

// Generic HMAC scheme (`verifier: hmac`).
export function signHmac({ secret, algorithm = 'sha256', encoding = 'hex', prefix = '', header = 'x-signature', timestampHeader, timestamp = nowSeconds() }, body) {
  const content = timestampHeader ? `${timestamp}.${body}` : body;
  const mac = crypto.createHmac(algorithm, secret).update(content).digest(encoding);
  const headers = { 'content-type': 'application/json', [header.toLowerCase()]: prefix + mac };
  if (timestampHeader) headers[timestampHeader.toLowerCase()] = String(timestamp);
  return { headers, body };
}
