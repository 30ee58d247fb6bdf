// A call to a provider as its callers see it: one logical request relative to the provider's base
// URL, and what came of it after the whole pipeline (credentials, rate limit, breaker, retries,
// timeouts). Typed provider calls (src/providers/) build Calls; applications and the admin API
// make them through a Caller (outbound/pipeline.h implements one per provider). Plain values.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "outbound/http_types.h"

namespace wharf::outbound {

struct Call {
  std::string method = "GET";
  // The path and query after the provider's base URL, starting with '/': "/mail/send",
  // "/calendars/primary/events?pageToken=x". The pipeline refuses a target that could leave the
  // base URL (a scheme, "//", "..", '@', '\\', control characters).
  std::string target;
  HeaderList headers;  // Authorization, Host and hop-by-hop headers are refused
  std::string body;
  // The label of this call in metrics and the request log ("mail_send", "customers.create");
  // empty: derived from the target's path, with id-like segments collapsed to "{id}".
  std::string endpoint;
  // This logical call's idempotency key, for a provider with an idempotency header: the caller's
  // own (1 to 255 visible ASCII characters), reused on every attempt. Empty: the header's value
  // if the caller set it in `headers`, else a fresh key.
  std::string idempotency_key;
  // The connection whose secret authenticates the call (an OAuth grant or a user's API key,
  // credentials.h ConnectionCredentials); empty: the provider's configured `connection`, else
  // its configured credentials.
  std::string connection;
  // Streaming: the body of a 2xx answer is passed here chunk by chunk as it arrives (see
  // RequestOptions::on_body_chunk), and the response's body stays empty. Once a chunk has been
  // passed on, the call is not retried.
  std::function<void(std::string_view)> on_body_chunk;
};

// Why a call has no usable answer. Every kind carries a message that is safe to show a caller:
// it names the provider and what happened, never a secret nor a raw upstream body.
enum class CallErrorKind {
  kRateLimited,  // wharf's limit for the provider, or the provider's own hint (retry_after set)
  kCircuitOpen,  // the provider's breaker is open (retry_after: when it half-opens)
  kTransport,    // no HTTP answer: connect, TLS, timeout, broken connection, too large
  kUpstream,     // the provider answered 429 or 5xx on the last attempt (status set)
  kRefused,      // the call itself is not allowed: a target or header that could leave the base URL
  kCredentials,  // the credentials could not be applied (e.g. an OAuth connection without token)
};

// "rate_limited", "circuit_open", "transport", "upstream", "refused", "credentials".
std::string_view to_string(CallErrorKind kind);

struct CallError {
  CallErrorKind kind = CallErrorKind::kTransport;
  std::string provider;
  std::string message;
  std::optional<std::chrono::milliseconds> retry_after;  // when trying again makes sense
  int attempts = 0;                                      // attempts that reached the transport
  int status = 0;                                        // the last HTTP status, 0 without one
};

// A final HTTP answer (2xx, 3xx, or a 4xx other than 429: the provider's verdict on the request),
// or a CallError.
using CallResult = boost::system::result<HttpResponse, CallError>;

// Lets CallResult::value() throw std::runtime_error (tests and start-up code only).
[[noreturn]] void throw_exception_from_error(const CallError& e, const boost::source_location& loc);

// Makes calls to one provider. Implementations are thread-safe.
class Caller {
 public:
  virtual ~Caller() = default;
  virtual const std::string& provider() const = 0;
  // `call` is an rvalue reference, not a value: GCC 12 destroys a by-value argument of a
  // co_awaited call twice (see http/offload.h). Pass a named Call: `co_await
  // caller.call(std::move(c))`; it outlives the co_await, so implementations may use it throughout.
  virtual boost::asio::awaitable<CallResult> call(Call&& call) = 0;
};

}  // namespace wharf::outbound
