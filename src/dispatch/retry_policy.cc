#include "dispatch/retry_policy.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>
#include <utility>

#include "core/config_node.h"
#include "resilience/retry_after.h"

namespace wharf::dispatch {

using std::chrono::milliseconds;

RetrySchedule default_retry_schedule() {
  using namespace std::chrono_literals;
  return RetrySchedule{{5s, 30s, 2min, 10min, 30min, 1h, 2h, 4h}};
}

std::optional<RetrySchedule> read_retry_schedule(const ConfigNode& node) {
  if (!node.present()) {
    node.error("is required");
    return std::nullopt;
  }
  if (!node.is_list()) {
    node.error("expected a list of durations, e.g. [5s, 30s, 2m]");
    return std::nullopt;
  }
  std::vector<ConfigNode> items = node.items();
  if (items.empty()) {
    node.error("must list at least one delay (an empty schedule would never retry)");
    return std::nullopt;
  }
  if (items.size() > kMaxRetryScheduleEntries) {
    node.error("has " + std::to_string(items.size()) + " delays; at most " +
               std::to_string(kMaxRetryScheduleEntries) + " are allowed");
    return std::nullopt;
  }
  RetrySchedule schedule;
  bool ok = true;
  for (const ConfigNode& item : items) {
    std::optional<milliseconds> delay = item.duration();  // records a malformed one itself
    if (!delay) {
      ok = false;
    } else if (delay->count() <= 0) {
      item.error("a retry delay must be greater than 0");
      ok = false;
    } else if (*delay > kMaxRetryScheduleDelay) {
      item.error("a retry delay must be at most 30d");
      ok = false;
    } else {
      schedule.delays.push_back(*delay);
    }
  }
  if (!ok) return std::nullopt;
  return schedule;
}

RetryPolicy::RetryPolicy(RetrySchedule schedule, double jitter, Uniform01 uniform01)
    : schedule_(std::move(schedule)),
      jitter_(jitter),
      uniform01_(uniform01 ? std::move(uniform01) : seeded_uniform01()) {
  assert(jitter_ >= 0.0 && jitter_ <= 1.0);
  assert(!schedule_.delays.empty() && schedule_.delays.size() <= kMaxRetryScheduleEntries);
  for (milliseconds d : schedule_.delays) assert(d.count() > 0 && d <= kMaxRetryScheduleDelay);
}

RetryPolicy::Decision RetryPolicy::after_failure(int attempts_made,
                                                 std::optional<milliseconds> retry_after) const {
  assert(attempts_made >= 1);
  if (attempts_made < 1) attempts_made = 1;
  if (static_cast<std::size_t>(attempts_made) > schedule_.delays.size()) {
    return Decision{.give_up = true, .delay = milliseconds(0)};
  }
  milliseconds scheduled = schedule_.delays[static_cast<std::size_t>(attempts_made) - 1];
  double u = uniform01_();
  assert(u >= 0.0 && u <= 1.0);
  u = std::clamp(u, 0.0, 1.0);
  // Delays are at most 30 days (2.6e9 ms), so the double arithmetic is exact to well under 1 ms.
  auto cut = std::llround(static_cast<double>(scheduled.count()) * jitter_ * (1.0 - u));
  milliseconds delay = scheduled - milliseconds(cut);
  if (retry_after) {
    delay = std::max(delay, std::clamp(*retry_after, milliseconds(0), resilience::kMaxRetryAfter));
  }
  return Decision{.give_up = false, .delay = delay};
}

}  // namespace wharf::dispatch
