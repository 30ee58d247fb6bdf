// Generic HMAC signatures, for providers without a dedicated scheme. Config:
//   header (required)     header carrying the signature
//   algorithm             sha1 | sha256 (default) | sha512
//   encoding              hex (default) | base64
//   prefix                text before the encoded MAC, e.g. "sha256=" (default none)
//   secret                one or a list (rotation)
//   timestamp_header      when set, the signed content is `timestamp + "." + body` and the
//                         timestamp must be within `tolerance`; otherwise the body alone is signed
//   id_header | id_field  provider event id: a header, or a top-level JSON field (required when
//                         configured); default the content hash
//   type_header | type_field  event type; default the JSON `type`, else "unknown"
// The header may carry several comma- or space-separated signatures. Immutable, thread-safe.
#pragma once

#include <memory>

#include "core/config_node.h"
#include "inbound/verifier.h"

namespace wharf::inbound {

// nullptr (with errors recorded in source.errors()) when the config is invalid.
std::unique_ptr<Verifier> make_hmac_verifier(const ConfigNode& source);
// Signs with the first secret; sets timestamp_header, id_header (`message_id`) and type_header
// (from the body's type field) when configured.
std::unique_ptr<Signer> make_hmac_signer(const ConfigNode& source);

}  // namespace wharf::inbound
