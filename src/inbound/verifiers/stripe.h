// Stripe webhook signatures: `Stripe-Signature: t=TS,v1=HEX[,v1=HEX...]`, HMAC-SHA256 keyed with
// the whole endpoint secret (`whsec_...`, prefix included) over `TS + "." + raw body`. Config keys:
// `secret` (one or a list, for rolling), `tolerance`. Events are the body's JSON object (`id`,
// `type`). The verifier and signer are immutable and thread-safe.
#pragma once

#include <memory>

#include "core/config_node.h"
#include "inbound/verifier.h"

namespace wharf::inbound {

// nullptr (with errors recorded in source.errors()) when the config is invalid.
std::unique_ptr<Verifier> make_stripe_verifier(const ConfigNode& source);
// Signs with the first configured secret, exactly as Stripe does.
std::unique_ptr<Signer> make_stripe_signer(const ConfigNode& source);

}  // namespace wharf::inbound
