// What wharf knows about each third-party API it has typed calls for: its default base URL, how
// it takes idempotency keys, and its actions (typed calls with JSON input and output, exposed by
// the admin API as POST /api/v1/providers/{provider}/actions/{action}). One file pair per provider
// (stripe.{h,cc}, sendgrid.{h,cc}, ...) defines its typed C++ calls and registers its kind in
// provider_kind.cc. A provider in the config names its kind with `kind:` (default: its own name);
// `kind: generic` has no actions (proxy only). Immutable after static initialisation:
// thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outbound/call.h"

namespace wharf::providers {

// Why an action has no result.
struct ActionError {
  enum class Kind {
    kInvalidInput,  // the action's JSON input is wrong; message names the field (HTTP 400)
    kCall,          // the pipeline gave up: `call` says why (rate limit, breaker, transport, ...)
    kRejected,      // the provider answered a 4xx: status, and the provider's own error message
    kBadResponse,   // a 2xx answer that is not what the provider documents
  };
  Kind kind = Kind::kInvalidInput;
  std::string message;  // safe to show: never a secret; a provider's message at most 300 bytes
  int status = 0;       // kRejected, kBadResponse: the provider's HTTP status
  std::optional<outbound::CallError> call;  // kCall
};

using ActionResult = boost::system::result<boost::json::value, ActionError>;

// Passes a streamed answer on as it arrives (Anthropic's server-sent events, raw bytes).
using ChunkSink = std::function<void(std::string_view)>;

struct Action {
  std::string_view name;     // "mail_send"; [a-z0-9_]+
  std::string_view summary;  // one line for docs and GET /api/v1/providers
  bool streams = false;      // accepts `"stream": true` and then relays to the sink
  // Validates `input`, makes the call(s) through `caller`, returns the JSON the caller gets.
  // `sink` is non-null only for a streaming action asked to stream; the result is then a small
  // summary (the stream itself went to the sink).
  std::function<boost::asio::awaitable<ActionResult>(
      outbound::Caller& caller, const boost::json::object& input, const ChunkSink* sink)>
      run;
};

struct ProviderKind {
  std::string_view name;                // "stripe"
  std::string_view default_base_url;    // "https://api.stripe.com/v1"; Call targets follow it
  std::string_view idempotency_header;  // "Idempotency-Key"; empty: none
  std::vector<Action> actions;

  const Action* find_action(std::string_view action) const;
};

// Every kind, "generic" included, in name order.
const std::vector<ProviderKind>& provider_kinds();
// The kind called `name`, or nullptr.
const ProviderKind* find_provider_kind(std::string_view name);

// Helpers for typed calls.

// The error for a non-2xx HttpResponse of `provider`: kRejected with the status and the
// provider's own message when the body has one (Stripe/Anthropic `error.message`, SendGrid
// `errors[0].message`, Google `error.message`, Slack `error`), cut to 300 bytes.
ActionError rejected(std::string_view provider, const outbound::HttpResponse& response);
// A CallError as an ActionError (kCall).
ActionError call_failed(outbound::CallError error);
// An input problem (kInvalidInput).
ActionError invalid_input(std::string message);

}  // namespace wharf::providers
