// GitHub webhook signatures: `X-Hub-Signature-256: sha256=HEX`, HMAC-SHA256(secret, raw body); no
// timestamp (GitHub signs none, so there is no replay window). Config key: `secret` (one or a
// list). The event id is the `X-GitHub-Delivery` header; its type is `X-GitHub-Event` plus
// "." + the payload's `action` when it has one (`issues.opened`). Both JSON and form-encoded
// (`payload=`) deliveries are understood. Immutable and thread-safe.
#pragma once

#include <memory>

#include "core/config_node.h"
#include "inbound/verifier.h"

namespace wharf::inbound {

// nullptr (with errors recorded in source.errors()) when the config is invalid.
std::unique_ptr<Verifier> make_github_verifier(const ConfigNode& source);
// Sends what GitHub sends: X-Hub-Signature-256, the legacy SHA-1 X-Hub-Signature,
// X-GitHub-Delivery (`message_id`, or a random UUID) and X-GitHub-Event (inferred from the
// payload's top-level keys, e.g. `issue` → `issues`; "ping" when none is recognised).
std::unique_ptr<Signer> make_github_signer(const ConfigNode& source);

}  // namespace wharf::inbound
