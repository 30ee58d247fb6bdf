// A source's signature scheme: verifies an inbound request and splits its body into events
// (provider event id, type, payload). One implementation per scheme under verifiers/, registered
// by name in verifier_registry.cc; `verifier: NAME` in a source's config selects it. Verifiers are
// immutable after construction and called concurrently from every I/O thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config_node.h"
#include "core/error.h"

namespace wharf::inbound {

// What a verifier sees of an inbound HTTP request.
class RequestView {
 public:
  virtual ~RequestView() = default;
  // Value of header `name` (case-insensitive); empty when absent.
  virtual std::string_view header(std::string_view name) const = 0;
  // The raw body, exactly as received.
  virtual std::string_view body() const = 0;
};

struct VerifyFailure {
  enum class Reason {
    kMissing,    // no signature (header or field) at all
    kMalformed,  // a signature or timestamp that cannot be parsed
    kMismatch,   // no signature matches any configured key
    kTimestamp,  // signed timestamp outside the tolerance
    kReplayed,   // a signature nonce already used by another event (decided at commit)
  };
  Reason reason;
  std::string message;  // for the client's {"error": ...}; never echoes a secret or expected MAC
};
std::string_view reason_label(VerifyFailure::Reason r);  // "missing", "malformed", ... (metrics)

struct ParsedEvent {
  std::string provider_event_id;  // dedup key; a content hash ("sha256:<hex>") when none is given
  std::string type;               // e.g. "invoice.paid"; "unknown" when the payload has none
  std::string payload;            // the body as received, or one batch element re-serialised as
                        // compact JSON (SendGrid), or a form post as a JSON object (Mailgun)
  std::string content_type;  // the payload's type when it differs from the request's
                             // (a form post stored as JSON); empty: the request's
  // A signed value the sender never reuses (Mailgun's token). The store refuses a second event of
  // the same source carrying it, because the signature does not cover the body: a captured
  // signature must not authenticate other payloads. Empty: the scheme has none. Only for schemes
  // with one event per request: a replay answers the whole request with 401.
  std::string replay_nonce;
};

struct ParseOutput {
  std::vector<ParsedEvent> events;
  // The body is a batch of events (SendGrid): the reply lists every element's id.
  bool batch = false;
  // Set when the request must be answered with this JSON body and nothing stored (Slack's
  // url_verification challenge).
  std::optional<std::string> reply_json;
};

class Verifier {
 public:
  virtual ~Verifier() = default;
  // nullopt when the request carries a valid signature from one of the configured keys and its
  // signed timestamp (if the scheme has one) is within tolerance of `now_s`; else why not.
  virtual std::optional<VerifyFailure> verify(const RequestView& req, std::int64_t now_s) const = 0;
  // Splits a verified request into events. Error (Errc::kInvalidArgument) on a malformed body.
  virtual Result<ParseOutput> parse(const RequestView& req) const = 0;
};

// The request a Signer produces: what to POST so that the matching Verifier accepts it.
struct SignedRequest {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type;
  std::string body;
};

// Signs sample events the way the provider does (`wharf trigger`, tests, benchmarks).
class Signer {
 public:
  virtual ~Signer() = default;
  // `body` is the unsigned payload; `content_type` its type; `message_id` an id for schemes that
  // sign one (Standard Webhooks). Schemes that carry the signature in the body (Mailgun) rewrite
  // it.
  virtual SignedRequest sign(std::string body, std::string content_type, std::int64_t now_s,
                             std::string_view message_id) const = 0;
};

// Builds the verifier named by `name` from its source's config map (records every config error
// in source.errors() and returns nullptr when invalid).
std::unique_ptr<Verifier> make_verifier(std::string_view name, const ConfigNode& source);
// Builds a signer from the same config (secrets; for asymmetric schemes the source's
// `signing_key`, a private key read only by `wharf trigger`). nullptr + error when impossible.
std::unique_ptr<Signer> make_signer(std::string_view name, const ConfigNode& source);
// Names accepted by make_verifier, for error messages and --help.
std::vector<std::string_view> verifier_names();

}  // namespace wharf::inbound
