// Standard Webhooks (and Svix, its origin): headers `webhook-id`, `webhook-timestamp`,
// `webhook-signature` (or the `svix-` equivalents). The signed content is
// `id + "." + timestamp + "." + raw body`; the signature header is a space-separated list of
// `v1,<base64 HMAC-SHA256>` (key: the base64-decoded part of a `whsec_` secret) and
// `v1a,<base64 Ed25519>` (key: a `whpk_` public key, base64 of the raw 32 bytes) entries; any
// entry matching any configured key passes. Config: `secret` and/or `public_key` (each one or a
// list), `tolerance`, and `signing_key` (`whsk_` + base64 of a 32-byte seed or 64-byte
// seed||public) for signing v1a. Events: id `webhook-id`, type the JSON `type`. Immutable,
// thread-safe.
#pragma once

#include <memory>

#include "core/config_node.h"
#include "inbound/verifier.h"

namespace wharf::inbound {

// nullptr (with errors recorded in source.errors()) when the config is invalid.
std::unique_ptr<Verifier> make_standard_verifier(const ConfigNode& source);
// Signs `v1` with the first secret; with only public keys configured, `v1a` with `signing_key`
// (nullptr + config error when it is absent). Sends the `webhook-*` headers.
std::unique_ptr<Signer> make_standard_signer(const ConfigNode& source);

}  // namespace wharf::inbound
