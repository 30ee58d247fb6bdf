// Mailgun webhooks and inbound routes (`verifier: mailgun`).
//
// Mailgun signs `timestamp + token` with HMAC-SHA256 under the domain's webhook signing key and
// sends the lowercase hex MAC as `signature`. The three values arrive either
//   - in a JSON body (event webhooks): {"signature": {"timestamp", "token", "signature"},
//     "event-data": {...}}, or
//   - as form fields `timestamp`, `token`, `signature` of an application/x-www-form-urlencoded or
//     multipart/form-data post (inbound routes' store()/forward(), legacy webhooks).
// When a field repeats, its first occurrence counts. The body itself is not covered by the MAC
// (a property of Mailgun's scheme); replays are bounded by the timestamp tolerance and by
// deduplication on the event id.
//
// Config keys:
//   signing_key  the HTTP webhook signing key; a list during rotation. Required.
//   tolerance    max age of the signed timestamp, both directions (default 300s; 0 disables).
//
// parse():
//   JSON body: one event; id = event-data.id (else the token), type = event-data.event (else
//     "unknown"), payload = the body exactly as received.
//   Form body: one event; type = the `event` field (else "inbound"); id = the `Message-Id` field
//     (else `message-id`, else Message-Id inside the `message-headers` JSON field), else the
//     token. The payload is a JSON object built from the form so that handlers read JSON for
//     every Mailgun post: {"<field name>": "<value>", ...} for each text field (first occurrence
//     of a name wins; bytes that are not UTF-8 become U+FFFD), and, when files were attached,
//     "attachments": [{"field", "filename", "content_type", "size"}] in place of their content
//     (which is not kept; this key replaces a text field of the same name). E.g. payload["from"],
//     ["recipient"], ["subject"], ["body-plain"],
//     ["In-Reply-To"], ["References"].
// Immutable and thread-safe after construction.
#pragma once

#include <memory>

#include "core/config_node.h"
#include "inbound/verifier.h"

namespace wharf::inbound {

// nullptr (with errors recorded in source.errors()) when the config is invalid.
std::unique_ptr<Verifier> make_mailgun_verifier(const ConfigNode& source);
// Signs with the first `signing_key`, the way Mailgun does, by rewriting the body:
//   JSON object body: sets its "signature" object (a body that is not a JSON object is left as is);
//   urlencoded body: appends `timestamp`, `token`, `signature` fields;
//   multipart body: adds those three parts before the closing delimiter (or builds a body of only
//     them when it has none).
// The token is 50 random hex characters. An empty content type means JSON when the body is empty
// or starts with '{', urlencoded otherwise. The body should not already carry those fields (the
// verifier reads the first occurrence). nullptr (with errors recorded) when the config is invalid
// for the verifier too (no signing_key, an empty one, a bad tolerance, an unknown key).
std::unique_ptr<Signer> make_mailgun_signer(const ConfigNode& source);

}  // namespace wharf::inbound
