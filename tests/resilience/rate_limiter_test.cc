#include "resilience/rate_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "resilience/rate_meters.h"

namespace wharf::resilience {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

RateLimitPolicy policy(std::int64_t limit, milliseconds per,
                       RateAlgorithm algorithm = RateAlgorithm::kSlidingLog,
                       std::int64_t burst = 0) {
  RateLimitPolicy p;
  p.limit = limit;
  p.per = per;
  p.algorithm = algorithm;
  p.burst = burst;
  return p;
}

// Grants in [from, from + length), by brute force.
int grants_in(const std::vector<std::int64_t>& grants, std::int64_t from, std::int64_t length) {
  return static_cast<int>(std::count_if(grants.begin(), grants.end(), [&](std::int64_t g) {
    return g >= from && g < from + length;
  }));
}

// Whether no window of `length` ms holds more than `limit` of `grants` (sorted). The fullest
// window can be taken to start at a grant.
bool never_more_than(const std::vector<std::int64_t>& grants, int limit, std::int64_t length) {
  for (std::int64_t g : grants) {
    if (grants_in(grants, g, length) > limit) return false;
  }
  return true;
}

TEST(SlidingLimiter, HoldsTheSpecPropertyForRandomCallTimes) {
  constexpr int kLimit = 5;
  constexpr std::int64_t kPer = 1000;
  FakeClock clock;
  auto limiter = make_local_rate_limiter(policy(kLimit, milliseconds(kPer)), clock);
  std::mt19937 rng(20261127);
  // Bursts of calls in the same millisecond, short gaps and gaps longer than the window.
  std::uniform_int_distribution<int> gap(0, 400);
  std::bernoulli_distribution probe_retry_after(0.3);
  std::vector<std::int64_t> grants;
  int refusals = 0;
  for (int i = 0; i < 3000; ++i) {
    clock.advance_ms(gap(rng) < 100 ? 0 : gap(rng));
    const std::int64_t now = clock.now_ms();
    const int in_window = grants_in(grants, now - kPer + 1, kPer);  // (now - P, now]
    RateDecision d = limiter->try_acquire("apollo");
    // Refused exactly when the window is full: never over the limit, no false refusals.
    ASSERT_EQ(d.allowed, in_window < kLimit) << "call " << i << " at +" << now - 1'700'000'000'000;
    if (d.allowed) {
      EXPECT_EQ(d.retry_after, 0ms);
      grants.push_back(now);
      continue;
    }
    ++refusals;
    EXPECT_FALSE(d.provider_hint);
    // The oldest grant in the window leaves it at oldest + P.
    const std::int64_t oldest = grants[grants.size() - kLimit];
    ASSERT_EQ(d.retry_after, milliseconds(oldest + kPer - now));
    if (probe_retry_after(rng)) {
      clock.set_ms(now + d.retry_after.count() - 1);
      ASSERT_FALSE(limiter->try_acquire("apollo").allowed);
      clock.set_ms(now + d.retry_after.count());
      ASSERT_TRUE(limiter->try_acquire("apollo").allowed);
      grants.push_back(clock.now_ms());
    }
  }
  EXPECT_GT(refusals, 100);  // the test exercised the limit
  EXPECT_GT(grants.size(), 1000u);
  EXPECT_TRUE(never_more_than(grants, kLimit, kPer));
}

TEST(SlidingLimiter, AllowsAtRetryAfterAndNotAMillisecondBefore) {
  FakeClock clock;
  auto limiter = make_local_rate_limiter(policy(2, 1s), clock);
  const std::int64_t t0 = clock.now_ms();
  EXPECT_TRUE(limiter->try_acquire("k").allowed);
  clock.advance_ms(300);
  EXPECT_TRUE(limiter->try_acquire("k").allowed);
  clock.advance_ms(100);
  RateDecision d = limiter->try_acquire("k");
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 600ms);  // the grant at t0 leaves the window at t0 + 1s
  clock.set_ms(t0 + 999);
  EXPECT_EQ(limiter->try_acquire("k").retry_after, 1ms);
  clock.set_ms(t0 + 1000);
  EXPECT_TRUE(limiter->try_acquire("k").allowed);
  // Now the grant at t0 + 300 is the oldest in the window.
  EXPECT_EQ(limiter->try_acquire("k").retry_after, 300ms);
}

TEST(SlidingLimiter, CountsEachKeyOnItsOwn) {
  FakeClock clock;
  auto limiter = make_local_rate_limiter(policy(2, 1min), clock);
  EXPECT_TRUE(limiter->try_acquire("apollo").allowed);
  EXPECT_TRUE(limiter->try_acquire("apollo").allowed);
  EXPECT_FALSE(limiter->try_acquire("apollo").allowed);
  EXPECT_TRUE(limiter->try_acquire("sendgrid").allowed);
  EXPECT_TRUE(limiter->try_acquire("apollo mixed_people/search").allowed);
  EXPECT_TRUE(limiter->try_acquire("sendgrid").allowed);
  EXPECT_FALSE(limiter->try_acquire("sendgrid").allowed);
}

TEST(SlidingLimiter, AClockSteppingBackFreesNothing) {
  FakeClock clock;
  auto limiter = make_local_rate_limiter(policy(1, 1s), clock);
  EXPECT_TRUE(limiter->try_acquire("k").allowed);
  clock.advance_ms(-10'000);
  RateDecision d = limiter->try_acquire("k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 1s);  // measured from the latest time the limiter has seen
}

TEST(LocalRateLimiter, DeferBlocksTheKeyUntilItsTime) {
  FakeClock clock;
  auto limiter = make_local_rate_limiter(policy(100, 1s), clock);
  const std::int64_t t0 = clock.now_ms();
  limiter->defer("apollo", t0 + 5000);
  limiter->defer("apollo", t0 + 2000);  // an earlier hint does not shorten the pause
  RateDecision d = limiter->try_acquire("apollo");
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.provider_hint);
  EXPECT_EQ(d.retry_after, 5s);
  EXPECT_TRUE(limiter->try_acquire("sendgrid").allowed);
  clock.set_ms(t0 + 4999);
  EXPECT_EQ(limiter->try_acquire("apollo").retry_after, 1ms);
  clock.set_ms(t0 + 5000);
  EXPECT_TRUE(limiter->try_acquire("apollo").allowed);
}

TEST(LocalRateLimiter, RefusalsWhileDeferredSpendNothing) {
  FakeClock clock;
  auto limiter = make_local_rate_limiter(policy(1, 1s), clock);
  limiter->defer("k", clock.now_ms() + 100);
  EXPECT_FALSE(limiter->try_acquire("k").allowed);
  clock.advance_ms(100);
  EXPECT_TRUE(limiter->try_acquire("k").allowed);
}

TEST(LocalRateLimiter, ObserveQuotaDefersOnlyWhenNothingRemains) {
  FakeClock clock;
  auto limiter = make_local_rate_limiter(policy(100, 1s), clock);
  const std::int64_t reset = clock.now_ms() + 30'000;
  limiter->observe_quota("k", 3, reset);
  EXPECT_TRUE(limiter->try_acquire("k").allowed);
  limiter->observe_quota("k", 0, reset);
  RateDecision d = limiter->try_acquire("k");
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.provider_hint);
  EXPECT_EQ(d.retry_after, 30s);
}

TEST(TokenBucket, StartsWithItsBurstThenRefillsAtTheRate) {
  FakeClock clock;
  auto limiter =
      make_local_rate_limiter(policy(10, 1s, RateAlgorithm::kTokenBucket, /*burst=*/3), clock);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter->try_acquire("k").allowed) << i;
  RateDecision d = limiter->try_acquire("k");
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 100ms);  // 10 per second: one token every 100 ms
  clock.advance_ms(99);
  EXPECT_EQ(limiter->try_acquire("k").retry_after, 1ms);
  clock.advance_ms(1);
  EXPECT_TRUE(limiter->try_acquire("k").allowed);
  EXPECT_FALSE(limiter->try_acquire("k").allowed);
  // A long idle fills the bucket to its burst, no further.
  clock.advance_ms(3'600'000);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter->try_acquire("k").allowed) << i;
  EXPECT_FALSE(limiter->try_acquire("k").allowed);
}

TEST(TokenBucket, GrantsBurstPlusRateOverTimeWhenCalledEveryMillisecond) {
  FakeClock clock;
  auto limiter = make_local_rate_limiter(policy(10, 1s, RateAlgorithm::kTokenBucket), clock);
  int granted = 0;
  for (int ms = 0; ms < 10'000; ++ms) {
    granted += limiter->try_acquire("k").allowed ? 1 : 0;
    clock.advance_ms(1);
  }
  // Burst defaults to the limit: 10 at once, then 10 per second for the remaining 9.999 s.
  EXPECT_EQ(granted, 10 + 99);
}

TEST(TokenBucket, RefillsExactlyWhenTheRateIsNotAWholeNumberPerMillisecond) {
  FakeClock clock;
  TokenBucket bucket(3, 1000, 1);  // one token every 333.3 ms
  const std::int64_t t0 = clock.now_ms();
  EXPECT_TRUE(bucket.try_take(t0).allowed);
  EXPECT_EQ(bucket.try_take(t0).retry_after, 334ms);
  EXPECT_FALSE(bucket.try_take(t0 + 333).allowed);
  EXPECT_TRUE(bucket.try_take(t0 + 334).allowed);
  int granted = 2;
  for (std::int64_t t = t0 + 335; t < t0 + 30'000; ++t) granted += bucket.try_take(t).allowed;
  EXPECT_EQ(granted, 90);  // 3 per second over 30 s, no drift
}

// Why fixed windows are not the default: they can let 2 x limit through across a boundary.
TEST(FixedWindow, CanLetTwiceTheLimitThroughAcrossAWindowBoundary) {
  FakeClock clock(1'700'000'000'000);  // a whole second: the start of a window
  auto limiter = make_local_rate_limiter(policy(5, 1s, RateAlgorithm::kFixedWindow), clock);
  clock.advance_ms(999);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter->try_acquire("k").allowed);
  RateDecision d = limiter->try_acquire("k");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 1ms);  // until the next window
  clock.advance_ms(1);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter->try_acquire("k").allowed);
  EXPECT_FALSE(limiter->try_acquire("k").allowed);
  // 10 calls within 2 ms: a sliding log of the same limit would have allowed 5.
  clock.advance_ms(400);
  EXPECT_EQ(limiter->try_acquire("k").retry_after, 600ms);
}

TEST(PlanWait, ProceedsWaitsWithinTheBudgetOrFails) {
  using Action = WaitPlan::Action;
  EXPECT_EQ(plan_wait(RateDecision{true}, 0ms).action, Action::kProceed);
  WaitPlan wait = plan_wait(RateDecision{false, 300ms}, 500ms);
  EXPECT_EQ(wait.action, Action::kWait);
  EXPECT_EQ(wait.delay, 300ms);
  EXPECT_EQ(plan_wait(RateDecision{false, 500ms}, 500ms).action, Action::kWait);
  EXPECT_EQ(plan_wait(RateDecision{false, 501ms}, 500ms).action, Action::kFail);
  EXPECT_EQ(plan_wait(RateDecision{false, 1ms}, 0ms).action, Action::kFail);  // max_wait 0
}

TEST(AcquireWithin, WaitsForRoomWhenItFitsInMaxWait) {
  FakeClock clock;
  auto limiter = make_local_rate_limiter(policy(1, 1s), clock);
  std::vector<milliseconds> slept;
  auto sleep = [&](milliseconds d) {
    slept.push_back(d);
    clock.advance_ms(d.count());
  };
  EXPECT_TRUE(acquire_within(*limiter, "k", 0ms, sleep).allowed);
  EXPECT_TRUE(acquire_within(*limiter, "k", 2s, sleep).allowed);
  EXPECT_EQ(slept, std::vector<milliseconds>{1s});
  RateDecision d = acquire_within(*limiter, "k", 999ms, sleep);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, 1s);
  EXPECT_EQ(slept.size(), 1u);  // did not wait for what could not fit
}

TEST(AcquireWithin, BoundsTheTotalWaitWhenOthersTakeTheRoomFirst) {
  FakeClock clock;
  auto limiter = make_local_rate_limiter(policy(1, 1s), clock);
  ASSERT_TRUE(limiter->try_acquire("k").allowed);
  milliseconds total{0};
  // Another caller takes every slot just as it frees up.
  auto sleep = [&](milliseconds d) {
    total += d;
    clock.advance_ms(d.count());
    limiter->try_acquire("k");
  };
  EXPECT_FALSE(acquire_within(*limiter, "k", 2500ms, sleep).allowed);
  EXPECT_EQ(total, 2s);
}

// The clock a call used, seen by the thread that made the call.
class RecordingClock final : public Clock {
 public:
  std::int64_t now_ms() const override {
    last_read_ms_ = SystemClock::instance().now_ms();
    return last_read_ms_;
  }
  static std::int64_t last_read_ms() { return last_read_ms_; }

 private:
  static thread_local std::int64_t last_read_ms_;
};
thread_local std::int64_t RecordingClock::last_read_ms_ = 0;

TEST(SlidingLimiter, NeverExceedsTheLimitUnderConcurrentCallers) {
  constexpr int kLimit = 20;
  constexpr std::int64_t kPer = 50;
  RecordingClock clock;
  auto limiter = make_local_rate_limiter(policy(kLimit, milliseconds(kPer)), clock);
  std::mutex mutex;
  std::vector<std::int64_t> grants;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      std::vector<std::int64_t> mine;
      while (!stop.load()) {
        if (limiter->try_acquire("apollo").allowed) mine.push_back(RecordingClock::last_read_ms());
      }
      std::lock_guard lock(mutex);
      grants.insert(grants.end(), mine.begin(), mine.end());
    });
  }
  std::this_thread::sleep_for(200ms);
  stop = true;
  for (auto& t : threads) t.join();
  std::sort(grants.begin(), grants.end());
  EXPECT_GE(grants.size(), static_cast<std::size_t>(kLimit));
  for (std::size_t i = 0; i + kLimit < grants.size(); ++i) {
    ASSERT_GE(grants[i + kLimit] - grants[i], kPer)
        << "more than " << kLimit << " grants in " << kPer << " ms from grant " << i;
  }
}

}  // namespace
}  // namespace wharf::resilience
