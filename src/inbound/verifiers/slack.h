// Slack request signatures: `X-Slack-Signature: v0=HEX`, HMAC-SHA256(signing_secret,
// "v0:" + X-Slack-Request-Timestamp + ":" + raw body), timestamp within the tolerance. Config:
// `signing_secret` (one or a list), `tolerance`. Parsing: Events API JSON (id `event_id`, type
// `event.type`; a `url_verification` request is answered with its challenge and stores nothing),
// or a form-encoded interactive payload / slash command (content-hash id). Immutable, thread-safe.
#pragma once

#include <memory>

#include "core/config_node.h"
#include "inbound/verifier.h"

namespace wharf::inbound {

// nullptr (with errors recorded in source.errors()) when the config is invalid.
std::unique_ptr<Verifier> make_slack_verifier(const ConfigNode& source);
// Signs with the first signing secret, as Slack does.
std::unique_ptr<Signer> make_slack_signer(const ConfigNode& source);

}  // namespace wharf::inbound
