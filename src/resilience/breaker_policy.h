// How a CircuitBreaker decides (thresholds, window, waits) and how it is read from wharf's config
// (`breaker: { failure_rate: 50%, window: 20, min_calls: 10, open_for: 30s }`, SPEC §1.2). Plain
// values; read_breaker_policy runs at start-up (not thread-safe, like ConfigNode).
#pragma once

#include <chrono>
#include <optional>

#include "resilience/sliding_window.h"

namespace wharf {
class ConfigNode;
}  // namespace wharf

namespace wharf::resilience {

// Bounds read_breaker_policy enforces (and CircuitBreaker asserts); beyond them is a typo.
inline constexpr int kMaxBreakerWindowCalls = 10'000;
inline constexpr int kMaxBreakerWindowSeconds = 3'600;
inline constexpr int kMaxBreakerMinimumCalls = 1'000'000;
inline constexpr int kMaxBreakerHalfOpenCalls = 1'000;
inline constexpr std::chrono::milliseconds kMaxBreakerWait = std::chrono::hours(24);

// The defaults are resilience4j's.
struct BreakerPolicy {
  // Percentages in (0, 100]: the breaker opens when a rate is >= its threshold.
  double failure_rate_threshold = 50.0;
  double slow_call_rate_threshold = 100.0;
  // A call that took longer than this is slow (whether it succeeded or failed). > 0.
  std::chrono::milliseconds slow_call_duration = std::chrono::seconds(60);
  // The last window_size calls, or the calls of the last window_size seconds.
  SlidingWindow::Type window_type = SlidingWindow::Type::kCountBased;
  int window_size = 100;
  // No rate is computed before the window holds this many calls. For a count-based window, a
  // value above window_size acts as window_size (as in resilience4j).
  int minimum_calls = 100;
  std::chrono::milliseconds wait_in_open = std::chrono::seconds(60);  // > 0
  int permitted_calls_in_half_open = 10;
  // 0: stay half-open until every probe has completed.
  std::chrono::milliseconds max_wait_in_half_open{0};
};

// The defaults wharf uses for a remote peer (a forward destination, a provider), tighter than
// resilience4j's: open after half of the last 20 calls failed (at least 10 calls), probe again
// after 30 s with 2 calls.
BreakerPolicy default_peer_breaker();

// Reads a breaker from config, e.g. `breaker: { failure_rate: 50%, window: 20, min_calls: 10,
// open_for: 30s }`. Every key is optional (absent → its value in `defaults`):
//   failure_rate, slow_call_rate   a percentage in (0, 100], written 50% or 50 (decimals allowed)
//   slow_call_duration             a duration > 0
//   window                         a number of calls (20, count-based, at most 10000) or a
//                                  duration in whole seconds (60s, time-based, at most 1h)
//   min_calls                      1 to 1000000
//   open_for                       a duration > 0 (wait_in_open)
//   half_open_calls                1 to 1000 (permitted_calls_in_half_open)
//   max_wait_in_half_open          a duration; 0 waits for every probe
// Durations are at most kMaxBreakerWait. An absent `node` gives `defaults`. Returns nullopt after
// recording every problem (unknown keys included) with its line through ConfigNode::error.
std::optional<BreakerPolicy> read_breaker_policy(const ConfigNode& node, BreakerPolicy defaults);

// Whether every field lies within the bounds above (what CircuitBreaker asserts).
bool is_valid(const BreakerPolicy& policy);

}  // namespace wharf::resilience
