#include "resilience/breaker_policy.h"

namespace wharf::resilience {

using std::chrono::milliseconds;

namespace {

bool valid_rate(double percent) { return percent > 0.0 && percent <= 100.0; }

bool valid_wait(milliseconds d, bool zero_allowed) {
  return (zero_allowed ? d >= milliseconds(0) : d > milliseconds(0)) && d <= kMaxBreakerWait;
}

}  // namespace

bool is_valid(const BreakerPolicy& p) {
  const int max_window = p.window_type == SlidingWindow::Type::kCountBased
                             ? kMaxBreakerWindowCalls
                             : kMaxBreakerWindowSeconds;
  return valid_rate(p.failure_rate_threshold) && valid_rate(p.slow_call_rate_threshold) &&
         valid_wait(p.slow_call_duration, false) && p.window_size >= 1 &&
         p.window_size <= max_window && p.minimum_calls >= 1 &&
         p.minimum_calls <= kMaxBreakerMinimumCalls && valid_wait(p.wait_in_open, false) &&
         p.permitted_calls_in_half_open >= 1 &&
         p.permitted_calls_in_half_open <= kMaxBreakerHalfOpenCalls &&
         valid_wait(p.max_wait_in_half_open, true);
}

}  // namespace wharf::resilience
