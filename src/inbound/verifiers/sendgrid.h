// SendGrid Signed Event Webhook (`verifier: sendgrid`).
//
// SendGrid POSTs a JSON array of events and signs `timestamp + raw body` with ECDSA P-256 /
// SHA-256: `X-Twilio-Email-Event-Webhook-Signature` is the base64 of the DER signature and
// `X-Twilio-Email-Event-Webhook-Timestamp` the Unix seconds it signed.
//
// Config keys:
//   public_key   base64 of the DER SubjectPublicKeyInfo, as SendGrid's UI shows it (a PEM
//                "-----BEGIN PUBLIC KEY-----" block is accepted too); a list during rotation.
//                Required by the verifier; a key that is not EC P-256 is a config error.
//   tolerance    max age of the signed timestamp, both directions (default 300s; 0 disables).
//   signing_key  PEM private P-256 key, read only by the signer (`wharf trigger`, tests).
//
// parse(): one event per array element; id = `sg_event_id` (else "sha256:" + hex SHA-256 of the
// element's serialization), type = `event` (else "unknown"), payload = the element re-serialized
// compactly. An empty array is zero events. Immutable and thread-safe after construction.
#pragma once

#include <memory>

#include "core/config_node.h"
#include "inbound/verifier.h"

namespace wharf::inbound {

inline constexpr std::string_view kSendGridSignatureHeader =
    "X-Twilio-Email-Event-Webhook-Signature";
inline constexpr std::string_view kSendGridTimestampHeader =
    "X-Twilio-Email-Event-Webhook-Timestamp";

// nullptr (with errors recorded in source.errors()) when the config is invalid.
std::unique_ptr<Verifier> make_sendgrid_verifier(const ConfigNode& source);
// Signs with `signing_key`; nullptr (with errors recorded) when it is absent or not a P-256 PEM.
// The signed body is the given body, unchanged; Content-Type defaults to application/json.
std::unique_ptr<Signer> make_sendgrid_signer(const ConfigNode& source);

}  // namespace wharf::inbound
