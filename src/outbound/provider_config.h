// A provider of outbound calls as configured (SPEC §1.2 `providers:`): where it lives, how wharf
// proves who it is, and the policies of each pipeline stage. Plain values; read_provider_config
// runs at start-up (not thread-safe, like ConfigNode).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "outbound/credentials.h"
#include "outbound/retry.h"
#include "resilience/breaker_policy.h"
#include "resilience/rate_limit_policy.h"

namespace wharf {
class ConfigNode;
}  // namespace wharf

namespace wharf::outbound {

// Headers in which a provider reports its remaining quota; a response with `remaining` at 0 pauses
// calls until `reset` (delta seconds, Unix seconds, or an RFC 3339 time). Empty names: not read.
struct QuotaHeaders {
  std::string remaining = "X-RateLimit-Remaining";
  std::string reset = "X-RateLimit-Reset";
};

struct ProviderConfig {
  std::string name;  // the key under `providers:`
  std::string kind;  // which typed calls apply (providers/provider_kind.h); default: `name`
  // scheme://host[:port][/path] without a trailing slash, user info, query or fragment. Every
  // call goes to base_url + target; nothing can steer it to another scheme, host or port.
  std::string base_url;
  CredentialsPolicy credentials;
  std::optional<resilience::RateLimitPolicy> rate_limit;  // nullopt: no limit of wharf's own
  RetryPolicy retry;
  resilience::BreakerPolicy breaker = resilience::default_peer_breaker();
  std::chrono::milliseconds timeout{10'000};         // per attempt, connect included
  std::chrono::milliseconds connect_timeout{5'000};  // per attempt
  std::size_t max_response_bytes = 10 << 20;
  std::string ca_file;        // PEM bundle to verify the provider with; empty: the system's CAs
  long max_connections = 16;  // to the provider at once; more calls queue for a connection
  std::string idempotency_header;  // sent on every POST with one key per logical call
  QuotaHeaders quota;
  // The request log line of every attempt ("outbound call"): true logs each attempt at info,
  // false only the failed ones (at warn).
  bool log_every_call = true;
};

// What a provider's kind contributes before the config is read.
struct ProviderDefaults {
  std::string base_url;            // may be empty: then `base_url` is required
  std::string idempotency_header;  // e.g. "Idempotency-Key"
};

// Reads one provider:
//   { kind: stripe, base_url: "https://api.stripe.com/v1", credentials: {...},
//     rate_limit: { limit: 100, per: 1h }, retry: {...}, breaker: {...}, timeout: 10s,
//     connect_timeout: 5s, max_response_size: 10485760, max_connections: 16, ca_file: PATH,
//     idempotency_header: Idempotency-Key, quota_headers: { remaining: ..., reset: ... },
//     log_every_call: true }
// `kind` is resolved by the caller (it picks `defaults`). Returns nullopt after recording every
// problem with its line through ConfigNode::error.
std::optional<ProviderConfig> read_provider_config(std::string name, std::string kind,
                                                   const ConfigNode& node,
                                                   const ProviderDefaults& defaults);

// Whether `url` is an acceptable base_url (see ProviderConfig::base_url); `why` says what is wrong.
bool valid_base_url(std::string_view url, std::string* why);

}  // namespace wharf::outbound
