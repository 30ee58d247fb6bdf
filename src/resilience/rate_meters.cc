#include "resilience/rate_meters.h"

#include <algorithm>
#include <cassert>

namespace wharf::resilience {

using std::chrono::milliseconds;

namespace {

// The clock never appears to go back for a meter (see the header).
std::int64_t monotonic(std::int64_t& latest_ms, std::int64_t now_ms) {
  latest_ms = std::max(latest_ms, now_ms);
  return latest_ms;
}

RateDecision refuse(std::int64_t wait_ms) {
  return RateDecision{false, milliseconds(std::max<std::int64_t>(wait_ms, 1)), false};
}

}  // namespace

SlidingLog::SlidingLog(std::int64_t limit, std::int64_t per_ms)
    : limit_(static_cast<std::size_t>(limit)), per_ms_(per_ms) {
  assert(limit >= 1 && per_ms >= 1);
}

RateDecision SlidingLog::try_take(std::int64_t now_ms) {
  const std::int64_t now = monotonic(latest_ms_, now_ms);
  if (grants_.size() < limit_) {
    grants_.push_back(now);
    return RateDecision{true};
  }
  // The ring is full, so grants_[next_] is the limit-th most recent grant: the call fits iff it
  // has left the window (now - per, now].
  const std::int64_t oldest = grants_[next_];
  if (oldest > now - per_ms_) return refuse(oldest + per_ms_ - now);
  grants_[next_] = now;
  next_ = (next_ + 1) % limit_;
  return RateDecision{true};
}

TokenBucket::TokenBucket(std::int64_t limit, std::int64_t per_ms, std::int64_t burst)
    : limit_(limit), per_ms_(per_ms), capacity_units_(burst * per_ms), units_(capacity_units_) {
  assert(limit >= 1 && per_ms >= 1 && burst >= 1);
  assert(burst <= INT64_MAX / per_ms);
}

void TokenBucket::refill(std::int64_t now_ms) {
  const std::int64_t before = latest_ms_;
  const std::int64_t now = monotonic(latest_ms_, now_ms);
  if (before == INT64_MIN) return;  // first call: the bucket starts full
  const std::int64_t elapsed = now - before;
  const std::int64_t room = capacity_units_ - units_;
  // Compared by division first so that elapsed * limit_ cannot overflow after a long idle.
  if (elapsed >= (room + limit_ - 1) / limit_) {
    units_ = capacity_units_;
  } else {
    units_ += elapsed * limit_;
  }
}

RateDecision TokenBucket::try_take(std::int64_t now_ms) {
  refill(now_ms);
  if (units_ < per_ms_) return refuse((per_ms_ - units_ + limit_ - 1) / limit_);
  units_ -= per_ms_;
  return RateDecision{true};
}

FixedWindow::FixedWindow(std::int64_t limit, std::int64_t per_ms) : limit_(limit), per_ms_(per_ms) {
  assert(limit >= 1 && per_ms >= 1);
}

RateDecision FixedWindow::try_take(std::int64_t now_ms) {
  const std::int64_t now = monotonic(latest_ms_, now_ms);
  // Floor division, so that windows stay aligned for (test) times before the epoch too.
  const std::int64_t window = now / per_ms_ - (now % per_ms_ < 0 ? 1 : 0);
  if (window != window_) {
    window_ = window;
    count_ = 0;
  }
  if (count_ >= limit_) return refuse((window + 1) * per_ms_ - now);
  ++count_;
  return RateDecision{true};
}

}  // namespace wharf::resilience
