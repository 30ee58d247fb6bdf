// How a provider's calls are rate limited, how that is read from wharf's config
// (`rate_limit: { limit: 100, per: 1h }`, SPEC §1.2), and what a caller over the limit is told.
// Plain values; read_rate_limit_policy runs at start-up (not thread-safe, like ConfigNode); the
// other functions are pure and thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wharf {
class ConfigNode;
}  // namespace wharf

namespace wharf::resilience {

// Bounds read_rate_limit_policy enforces (and make_local_rate_limiter asserts). A sliding log
// keeps `limit` timestamps per key, hence the cap on limit and burst.
inline constexpr std::int64_t kMaxRateLimit = 100'000;
inline constexpr std::chrono::milliseconds kMaxRatePeriod = std::chrono::days(30);
inline constexpr std::chrono::milliseconds kMaxRateWait = std::chrono::hours(1);

// See rate_meters.h for what each guarantees.
enum class RateAlgorithm { kSlidingLog, kTokenBucket, kFixedWindow };
// kNode: each wharf node counts on its own. kCluster: one count over every node, which needs a
// shared limiter (Redis, `coordination.url: redis://...`; the config loader checks that).
enum class RateScope { kNode, kCluster };

// "sliding", "token_bucket", "fixed_window"; "node", "cluster" (as written in config).
std::string_view to_string(RateAlgorithm algorithm);
std::string_view to_string(RateScope scope);

struct RateLimitPolicy {
  std::int64_t limit = 1;                                 // calls per `per`; 1..kMaxRateLimit
  std::chrono::milliseconds per = std::chrono::hours(1);  // (0, kMaxRatePeriod]
  RateScope scope = RateScope::kNode;
  RateAlgorithm algorithm = RateAlgorithm::kSlidingLog;
  // Token bucket capacity; 0 means `limit`. Only meaningful for kTokenBucket.
  std::int64_t burst = 0;
  // How long a caller over the limit may wait for room before failing; 0 fails at once.
  std::chrono::milliseconds max_wait{0};  // [0, kMaxRateWait]

  std::int64_t bucket_capacity() const { return burst > 0 ? burst : limit; }
};

// Reads `rate_limit: { limit: 100, per: 1h, scope: node|cluster,
// algorithm: sliding|token_bucket|fixed_window, burst: N, max_wait: 2s }`:
//   limit      required, 1 to 100000
//   per        required, a duration > 0 and at most 30d
//   scope      node (default) or cluster
//   algorithm  sliding (default; exact over any window), token_bucket, fixed_window
//   burst      1 to 100000, token_bucket only; giving it without `algorithm` picks token_bucket
//   max_wait   a duration from 0 (default: fail at once) to 1h
// Returns nullopt after recording every problem (unknown keys included) with its line through
// ConfigNode::error. An absent `node` means "no limit": nullopt with nothing recorded, so a
// caller tells the two apart with node.present().
std::optional<RateLimitPolicy> read_rate_limit_policy(const ConfigNode& node);

// Whether every field lies within the bounds above.
bool is_valid(const RateLimitPolicy& policy);

// "100 calls per 1h", "1 call per 500ms".
std::string describe(const RateLimitPolicy& policy);

// A duration as config writes it, in the largest unit that divides it exactly: "1h", "90s",
// "1500ms", "0".
std::string format_duration(std::chrono::milliseconds d);

// What a caller over the limit is told, e.g. "rate limited by wharf: apollo allows 100 calls per
// 1h; retry after 37s", or, when the provider itself asked for a pause (provider_hint),
// "rate limited by apollo (it asked wharf to pause: Retry-After or an exhausted quota); retry
// after 37s". retry_after is
// shown rounded up to whole seconds (milliseconds below 1 s).
std::string rate_limited_message(std::string_view provider, const RateLimitPolicy& policy,
                                 std::chrono::milliseconds retry_after, bool provider_hint = false);

}  // namespace wharf::resilience
