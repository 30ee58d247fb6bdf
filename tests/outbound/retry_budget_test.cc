#include "outbound/retry_budget.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "core/clock.h"

namespace wharf::outbound {
namespace {

int spend_all(RetryBudget& budget) {
  int granted = 0;
  while (budget.try_acquire_retry()) ++granted;
  return granted;
}

TEST(RetryBudget, AllowsItsShareOfTheWindowsCalls) {
  FakeClock clock;
  RetryBudget budget(20.0, 0, clock);
  EXPECT_FALSE(budget.try_acquire_retry());
  for (int i = 0; i < 4; ++i) budget.record_call();
  EXPECT_FALSE(budget.try_acquire_retry());  // 20% of 4 is 0.8: no retry yet
  budget.record_call();
  EXPECT_EQ(budget.remaining(), 1);
  EXPECT_EQ(spend_all(budget), 1);
  for (int i = 0; i < 10; ++i) budget.record_call();
  EXPECT_EQ(spend_all(budget), 2);
  EXPECT_EQ(budget.remaining(), 0);
}

TEST(RetryBudget, AllowsTheMinimumRateWithoutTraffic) {
  FakeClock clock;
  RetryBudget budget(20.0, 3, clock);
  EXPECT_EQ(spend_all(budget), 3 * RetryBudget::kWindowSeconds);
}

TEST(RetryBudget, RecoversAfterTheWindow) {
  FakeClock clock;
  RetryBudget budget(20.0, 1, clock);
  for (int i = 0; i < 10; ++i) budget.record_call();
  EXPECT_EQ(spend_all(budget), 2 + 10);
  clock.advance_ms(9'000);  // the retries still count
  EXPECT_FALSE(budget.try_acquire_retry());
  clock.advance_ms(1'000);  // they (and the calls) left the window: the minimum is back
  EXPECT_EQ(spend_all(budget), 10);
}

TEST(RetryBudget, SlidesOneSecondAtATime) {
  FakeClock clock;
  RetryBudget budget(50.0, 0, clock);
  for (int i = 0; i < 4; ++i) budget.record_call();  // t=0: 2 retries allowed
  clock.advance_ms(5'000);
  for (int i = 0; i < 4; ++i) budget.record_call();  // t=5: 4 allowed
  EXPECT_EQ(spend_all(budget), 4);
  clock.advance_ms(5'000);  // t=10: the calls of t=0 are gone, the retries of t=5 remain
  EXPECT_EQ(budget.remaining(), -2);
  EXPECT_FALSE(budget.try_acquire_retry());
  clock.advance_ms(5'000);  // t=15: everything is gone
  EXPECT_EQ(budget.remaining(), 0);
}

TEST(RetryBudget, GrantsExactlyItsShareToConcurrentCallers) {
  FakeClock clock;
  RetryBudget budget(20.0, 0, clock);
  for (int i = 0; i < 1'000; ++i) budget.record_call();
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        budget.record_call();
        if (budget.try_acquire_retry()) ++granted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(granted.load(), 280);  // 20% of 1400 calls
}

}  // namespace
}  // namespace wharf::outbound
