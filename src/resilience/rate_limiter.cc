#include "resilience/rate_limiter.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace wharf::resilience {

using std::chrono::milliseconds;

LocalRateLimiter::LocalRateLimiter(MeterFactory make_meter, const Clock& clock)
    : make_meter_(std::move(make_meter)), clock_(clock) {
  assert(make_meter_);
}

LocalRateLimiter::KeyState& LocalRateLimiter::state_locked(std::string_view key) {
  auto it = keys_.find(key);
  if (it == keys_.end()) {
    it = keys_.emplace(std::string(key), KeyState{make_meter_(), 0}).first;
  }
  return it->second;
}

RateLimiter::Decision LocalRateLimiter::try_acquire(std::string_view key) {
  std::lock_guard lock(mutex_);
  // Read under the lock, so grants are timestamped in the order they are granted.
  const std::int64_t now = clock_.now_ms();
  KeyState& state = state_locked(key);
  if (now < state.deferred_until_ms) {
    return Decision{false, milliseconds(state.deferred_until_ms - now), true};
  }
  return state.meter->try_take(now);
}

void LocalRateLimiter::defer(std::string_view key, std::int64_t until_ms) {
  std::lock_guard lock(mutex_);
  KeyState& state = state_locked(key);
  state.deferred_until_ms = std::max(state.deferred_until_ms, until_ms);
}

std::unique_ptr<RateLimiter> make_local_rate_limiter(const RateLimitPolicy& policy,
                                                     const Clock& clock) {
  assert(is_valid(policy));
  const std::int64_t limit = policy.limit;
  const std::int64_t per_ms = policy.per.count();
  LocalRateLimiter::MeterFactory make_meter;
  switch (policy.algorithm) {
    case RateAlgorithm::kSlidingLog:
      make_meter = [=] { return std::make_unique<SlidingLog>(limit, per_ms); };
      break;
    case RateAlgorithm::kTokenBucket: {
      const std::int64_t burst = policy.bucket_capacity();
      make_meter = [=] { return std::make_unique<TokenBucket>(limit, per_ms, burst); };
      break;
    }
    case RateAlgorithm::kFixedWindow:
      make_meter = [=] { return std::make_unique<FixedWindow>(limit, per_ms); };
      break;
  }
  return std::make_unique<LocalRateLimiter>(std::move(make_meter), clock);
}

WaitPlan plan_wait(const RateDecision& decision, milliseconds wait_left) {
  if (decision.allowed) return WaitPlan{WaitPlan::Action::kProceed};
  if (decision.retry_after <= wait_left)
    return WaitPlan{WaitPlan::Action::kWait, decision.retry_after};
  return WaitPlan{WaitPlan::Action::kFail};
}

RateDecision acquire_within(RateLimiter& limiter, std::string_view key, milliseconds max_wait,
                            const std::function<void(milliseconds)>& sleep) {
  milliseconds left = max_wait;
  for (;;) {
    RateDecision decision = limiter.try_acquire(key);
    WaitPlan plan = plan_wait(decision, left);
    if (plan.action != WaitPlan::Action::kWait) return decision;
    sleep(plan.delay);
    left -= plan.delay;
  }
}

}  // namespace wharf::resilience
