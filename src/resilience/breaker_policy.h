// How a CircuitBreaker decides: thresholds, window, waits. Plain values.
#pragma once

#include <chrono>

#include "resilience/sliding_window.h"

namespace wharf::resilience {

// Bounds CircuitBreaker asserts; beyond them is a typo.
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

// Whether every field lies within the bounds above (what CircuitBreaker asserts).
bool is_valid(const BreakerPolicy& policy);

}  // namespace wharf::resilience
