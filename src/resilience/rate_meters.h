// The counting behind a local RateLimiter: one RateMeter per key decides whether a call at a
// given time fits the limit and, if not, how long until one would. Three algorithms:
//
//   SlidingLog   exact: never more than `limit` grants in ANY window of length `per` (SPEC §2.2).
//                Keeps the times of the last `limit` grants in a ring; memory O(limit). The
//                default.
//   TokenBucket  `limit` tokens per `per`, holding at most `burst`; smooth, O(1) memory. A window
//                of length `per` can see up to burst + limit grants, so it is opt-in.
//   FixedWindow  a count per window aligned on the Unix epoch; O(1) memory. Lets up to 2 x limit
//                through across a window boundary (limit at its end, limit at the next start),
//                which is why it is not the default.
//
// Times are Unix milliseconds from the caller's Clock. A time earlier than the latest one a meter
// has seen (the wall clock stepped back) is taken as that latest time, so a step back never frees
// capacity. Not thread-safe: LocalRateLimiter serialises access.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace wharf::resilience {

// What a meter (or a RateLimiter) answers for one call.
struct RateDecision {
  bool allowed = false;
  // When refused: how long from now until the earliest time a call would be allowed, if no other
  // call takes the room first (>= 1 ms). 0 when allowed.
  std::chrono::milliseconds retry_after{0};
  // When refused: true when a provider's hint (Retry-After, an exhausted quota) is the reason,
  // rather than wharf's own limit.
  bool provider_hint = false;
};

class RateMeter {
 public:
  virtual ~RateMeter() = default;
  // Decides a call at `now_ms`, and counts it when allowed.
  virtual RateDecision try_take(std::int64_t now_ms) = 0;
};

class SlidingLog final : public RateMeter {
 public:
  // limit >= 1, per_ms >= 1 (asserted). Memory grows to `limit` timestamps as grants arrive.
  SlidingLog(std::int64_t limit, std::int64_t per_ms);
  // Allowed iff fewer than `limit` grants lie in (now - per, now]; when refused, retry_after is
  // oldest_in_window + per - now, exactly the first millisecond at which a call fits.
  RateDecision try_take(std::int64_t now_ms) override;

 private:
  const std::size_t limit_;
  const std::int64_t per_ms_;
  std::vector<std::int64_t> grants_;  // a ring once full; grants_[next_] is then the oldest
  std::size_t next_ = 0;
  std::int64_t latest_ms_ = INT64_MIN;
};

class TokenBucket final : public RateMeter {
 public:
  // Refills `limit` tokens per `per_ms`, holds at most `burst`, starts full. limit, per_ms and
  // burst >= 1, and burst * per_ms must fit in 63 bits (asserted; the config bounds keep it so).
  TokenBucket(std::int64_t limit, std::int64_t per_ms, std::int64_t burst);
  // Takes one token; when none is left, retry_after is the time until one has refilled.
  RateDecision try_take(std::int64_t now_ms) override;

 private:
  void refill(std::int64_t now_ms);

  // Integer arithmetic, so refills are exact: a token is `per_ms_` units and every millisecond
  // adds `limit_` units.
  const std::int64_t limit_;
  const std::int64_t per_ms_;
  const std::int64_t capacity_units_;
  std::int64_t units_;
  std::int64_t latest_ms_ = INT64_MIN;
};

class FixedWindow final : public RateMeter {
 public:
  // limit >= 1, per_ms >= 1 (asserted). Windows are [k * per, (k + 1) * per) in Unix ms.
  FixedWindow(std::int64_t limit, std::int64_t per_ms);
  // Allowed iff fewer than `limit` grants in the current window; when refused, retry_after is
  // the time until the next window starts.
  RateDecision try_take(std::int64_t now_ms) override;

 private:
  const std::int64_t limit_;
  const std::int64_t per_ms_;
  std::int64_t window_ = INT64_MIN;  // index of the window `count_` is for
  std::int64_t count_ = 0;
  std::int64_t latest_ms_ = INT64_MIN;
};

}  // namespace wharf::resilience
