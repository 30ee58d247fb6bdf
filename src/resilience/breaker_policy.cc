#include "resilience/breaker_policy.h"

#include <cassert>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/config_node.h"

namespace wharf::resilience {

using std::chrono::milliseconds;

namespace {

bool valid_rate(double percent) { return percent > 0.0 && percent <= 100.0; }

bool valid_wait(milliseconds d, bool zero_allowed) {
  return (zero_allowed ? d >= milliseconds(0) : d > milliseconds(0)) && d <= kMaxBreakerWait;
}

// A percentage in (0, 100]; records an error and returns `fallback` otherwise.
double read_rate(const ConfigNode& node, double fallback) {
  std::optional<double> value = node.percent();  // records a malformed one itself
  if (!value) return fallback;
  if (!valid_rate(*value)) {
    node.error("must be greater than 0% and at most 100%");
    return fallback;
  }
  return *value;
}

milliseconds read_wait(const ConfigNode& node, milliseconds fallback, bool zero_allowed) {
  if (!node.present()) return fallback;
  std::optional<milliseconds> d = node.duration();  // records a malformed one itself
  if (!d) return fallback;
  if (!valid_wait(*d, zero_allowed)) {
    node.error(zero_allowed ? "must be at most 24h" : "must be greater than 0 and at most 24h");
    return fallback;
  }
  return *d;
}

// `window: 20` (calls) or `window: 60s` (seconds); updates `policy` only when valid.
void read_window(const ConfigNode& node, BreakerPolicy& policy) {
  if (!node.present()) return;
  std::optional<std::string> text = node.str();
  if (!text) return;
  if (!text->empty() && text->find_first_not_of("0123456789") == std::string::npos) {
    const ConfigErrorWatch watch(node);
    auto calls = node.int_or(policy.window_size, 1, kMaxBreakerWindowCalls);
    if (!watch.ok()) return;
    policy.window_type = SlidingWindow::Type::kCountBased;
    policy.window_size = static_cast<int>(calls);
    return;
  }
  std::optional<milliseconds> d = parse_duration(*text);
  if (!d) {
    node.error("expected a number of calls (20) or a duration in whole seconds (60s), got '" +
               *text + "'");
    return;
  }
  if (d->count() % 1000 != 0 || *d < std::chrono::seconds(1) ||
      *d > std::chrono::seconds(kMaxBreakerWindowSeconds)) {
    node.error("a time window must be a whole number of seconds from 1s to 1h");
    return;
  }
  policy.window_type = SlidingWindow::Type::kTimeBased;
  policy.window_size = static_cast<int>(d->count() / 1000);
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

BreakerPolicy default_peer_breaker() {
  BreakerPolicy p;
  p.failure_rate_threshold = 50;
  p.window_size = 20;
  p.minimum_calls = 10;
  p.wait_in_open = std::chrono::seconds(30);
  p.permitted_calls_in_half_open = 2;
  return p;
}

std::optional<BreakerPolicy> read_breaker_policy(const ConfigNode& node, BreakerPolicy defaults) {
  assert(is_valid(defaults));
  if (!node.present()) return defaults;
  if (!node.is_map()) {
    node.error(
        "expected a map, e.g. { failure_rate: 50%, window: 20, min_calls: 10, open_for: 30s }");
    return std::nullopt;
  }
  const ConfigErrorWatch watch(node);
  node.allow_only_keys({"failure_rate", "slow_call_rate", "slow_call_duration", "window",
                        "min_calls", "open_for", "half_open_calls", "max_wait_in_half_open"});
  BreakerPolicy p = defaults;
  p.failure_rate_threshold = read_rate(node["failure_rate"], p.failure_rate_threshold);
  p.slow_call_rate_threshold = read_rate(node["slow_call_rate"], p.slow_call_rate_threshold);
  p.slow_call_duration = read_wait(node["slow_call_duration"], p.slow_call_duration, false);
  read_window(node["window"], p);
  p.minimum_calls =
      static_cast<int>(node["min_calls"].int_or(p.minimum_calls, 1, kMaxBreakerMinimumCalls));
  p.wait_in_open = read_wait(node["open_for"], p.wait_in_open, false);
  p.permitted_calls_in_half_open = static_cast<int>(
      node["half_open_calls"].int_or(p.permitted_calls_in_half_open, 1, kMaxBreakerHalfOpenCalls));
  p.max_wait_in_half_open = read_wait(node["max_wait_in_half_open"], p.max_wait_in_half_open, true);
  if (!watch.ok()) return std::nullopt;
  return p;
}

}  // namespace wharf::resilience
