#include "dispatch/retry_policy.h"

#include <gtest/gtest.h>

#include "core/config_node.h"
#include "resilience/retry_after.h"
#include "support/yaml_config.h"

namespace wharf::dispatch {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

RetryPolicy::Uniform01 always(double u) {
  return [u] { return u; };
}

RetrySchedule schedule_of(std::vector<milliseconds> delays) { return RetrySchedule{delays}; }

TEST(RetrySchedule, DefaultIsTheSpecsScheduleWithNineAttempts) {
  RetrySchedule s = default_retry_schedule();
  std::vector<milliseconds> expected = {5s, 30s, 2min, 10min, 30min, 1h, 2h, 4h};
  EXPECT_EQ(s.delays, expected);
  EXPECT_EQ(s.max_attempts(), 9u);
}

TEST(RetryPolicy, WaitsTheScheduledDelayAfterEachFailureWithoutJitter) {
  RetrySchedule s = default_retry_schedule();
  RetryPolicy policy(s, 0.0, always(0.0));
  for (int attempts = 1; attempts <= 8; ++attempts) {
    RetryPolicy::Decision d = policy.after_failure(attempts, std::nullopt);
    EXPECT_FALSE(d.give_up) << attempts;
    EXPECT_EQ(d.delay, s.delays[attempts - 1]) << attempts;
  }
}

TEST(RetryPolicy, GivesUpExactlyAfterDelaysPlusOneAttempts) {
  RetryPolicy policy(default_retry_schedule(), 0.0, always(0.5));
  EXPECT_FALSE(policy.after_failure(8, std::nullopt).give_up);
  RetryPolicy::Decision ninth = policy.after_failure(9, std::nullopt);
  EXPECT_TRUE(ninth.give_up);
  EXPECT_EQ(ninth.delay, milliseconds(0));
  EXPECT_TRUE(policy.after_failure(10, std::nullopt).give_up);

  RetryPolicy one(schedule_of({1s}), 0.0, always(0.5));
  EXPECT_FALSE(one.after_failure(1, std::nullopt).give_up);
  EXPECT_TRUE(one.after_failure(2, std::nullopt).give_up);
}

TEST(RetryPolicy, JittersDownWithinTheConfiguredFraction) {
  RetrySchedule s = schedule_of({2min});
  EXPECT_EQ(RetryPolicy(s, 0.2, always(0.0)).after_failure(1, std::nullopt).delay, 96s);
  EXPECT_EQ(RetryPolicy(s, 0.2, always(0.5)).after_failure(1, std::nullopt).delay, 108s);
  EXPECT_EQ(RetryPolicy(s, 0.2, always(1.0)).after_failure(1, std::nullopt).delay, 120s);
}

TEST(RetryPolicy, FullJitterSpansZeroToTheDelay) {
  RetrySchedule s = schedule_of({10s});
  EXPECT_EQ(RetryPolicy(s, 1.0, always(0.0)).after_failure(1, std::nullopt).delay, 0ms);
  EXPECT_EQ(RetryPolicy(s, 1.0, always(0.5)).after_failure(1, std::nullopt).delay, 5s);
  EXPECT_EQ(RetryPolicy(s, 1.0, always(1.0)).after_failure(1, std::nullopt).delay, 10s);
}

TEST(RetryPolicy, DefaultJitterIsFullJitter) {
  RetryPolicy policy(schedule_of({1h}), kDefaultRetryJitter, always(0.0));
  EXPECT_EQ(policy.jitter(), 1.0);
  EXPECT_EQ(policy.after_failure(1, std::nullopt).delay, 0min);
}

TEST(RetryPolicy, PartialJitterKeepsTheUsersScheduleRecognisable) {
  RetryPolicy policy(schedule_of({1h}), 0.2, always(0.0));
  EXPECT_EQ(policy.after_failure(1, std::nullopt).delay, 48min);
}

TEST(RetryPolicy, RealRandomnessStaysInBoundsAndSpreadsOverThem) {
  RetryPolicy policy(schedule_of({2min}), 0.2);  // CSPRNG-seeded source
  milliseconds lo = 1h;
  milliseconds hi = 0ms;
  double sum_ms = 0;
  constexpr int kDraws = 10'000;
  for (int i = 0; i < kDraws; ++i) {
    RetryPolicy::Decision d = policy.after_failure(1, std::nullopt);
    ASSERT_FALSE(d.give_up);
    ASSERT_GE(d.delay, 96s);
    ASSERT_LE(d.delay, 120s);
    lo = std::min(lo, d.delay);
    hi = std::max(hi, d.delay);
    sum_ms += static_cast<double>(d.delay.count());
  }
  // Missing the outer 1/24 of the range in 10k uniform draws has probability ~e^-417 each side.
  EXPECT_LT(lo, 97s);
  EXPECT_GT(hi, 119s);
  // The mean of 10k uniform draws over 24 s has a standard deviation of ~70 ms.
  EXPECT_NEAR(sum_ms / kDraws, 108'000.0, 1'000.0);
}

TEST(RetryPolicy, RetryAfterRaisesTheDelayButNeverLowersIt) {
  RetryPolicy policy(schedule_of({5s, 10min}), 0.0, always(1.0));
  EXPECT_EQ(policy.after_failure(1, milliseconds(60s)).delay, 60s);
  EXPECT_EQ(policy.after_failure(2, milliseconds(60s)).delay, 10min);
  EXPECT_EQ(policy.after_failure(1, milliseconds(0)).delay, 5s);
}

TEST(RetryPolicy, RetryAfterIsCappedAndDoesNotPreventGivingUp) {
  RetryPolicy policy(schedule_of({5s}), 0.2, always(0.0));
  EXPECT_EQ(policy.after_failure(1, milliseconds(48h)).delay, resilience::kMaxRetryAfter);
  EXPECT_EQ(policy.after_failure(1, milliseconds(-5s)).delay, 4s);
  RetryPolicy::Decision last = policy.after_failure(2, milliseconds(60s));
  EXPECT_TRUE(last.give_up);
  EXPECT_EQ(last.delay, 0ms);
}

TEST(RetryPolicy, ALongerScheduledDelayBeatsTheRetryAfterCap) {
  RetryPolicy policy(schedule_of({48h}), 0.0, always(1.0));
  EXPECT_EQ(policy.after_failure(1, milliseconds(48h)).delay, 48h);
}

using Config = wharf::testing::YamlConfig;

TEST(ReadRetrySchedule, ReadsAListOfDurations) {
  Config c("dispatch:\n  retry_schedule: [500ms, 5s, 2m, 1h, 7d]\n");
  auto s = read_retry_schedule(c.node()["dispatch"]["retry_schedule"]);
  ASSERT_TRUE(s);
  std::vector<milliseconds> expected = {500ms, 5s, 2min, 1h, std::chrono::days(7)};
  EXPECT_EQ(s->delays, expected);
  EXPECT_TRUE(c.errors.empty());
}

TEST(ReadRetrySchedule, ReportsEveryBadEntryWithItsLine) {
  Config c("dispatch:\n  retry_schedule:\n    - 5s\n    - 0\n    - 2x\n    - 31d\n    - 0s\n");
  EXPECT_FALSE(read_retry_schedule(c.node()["dispatch"]["retry_schedule"]));
  std::vector<std::string> expected = {
      "c.yaml:4: dispatch.retry_schedule[1]: a retry delay must be greater than 0",
      "c.yaml:5: dispatch.retry_schedule[2]: invalid duration '2x' (write e.g. 500ms, 30s, 5m, "
      "1h, 7d)",
      "c.yaml:6: dispatch.retry_schedule[3]: a retry delay must be at most 30d",
      "c.yaml:7: dispatch.retry_schedule[4]: a retry delay must be greater than 0",
  };
  EXPECT_EQ(c.errors.messages(), expected);
}

TEST(ReadRetrySchedule, RejectsAnEmptyListAScalarAndAnAbsentKey) {
  Config empty("retry_schedule: []\n");
  EXPECT_FALSE(read_retry_schedule(empty.node()["retry_schedule"]));
  ASSERT_EQ(empty.errors.messages().size(), 1u);
  EXPECT_EQ(empty.errors.messages()[0],
            "c.yaml:1: retry_schedule: must list at least one delay (an empty schedule would "
            "never retry)");

  Config scalar("x: 1\nretry_schedule: 5s\n");
  EXPECT_FALSE(read_retry_schedule(scalar.node()["retry_schedule"]));
  ASSERT_EQ(scalar.errors.messages().size(), 1u);
  EXPECT_EQ(scalar.errors.messages()[0],
            "c.yaml:2: retry_schedule: expected a list of durations, e.g. [5s, 30s, 2m]");

  Config absent("dispatch: {}\n");
  EXPECT_FALSE(read_retry_schedule(absent.node()["dispatch"]["retry_schedule"]));
  ASSERT_EQ(absent.errors.messages().size(), 1u);
  EXPECT_EQ(absent.errors.messages()[0], "c.yaml:1: dispatch.retry_schedule: is required");
}

TEST(ReadRetrySchedule, AcceptsAHundredEntriesButNotMore) {
  std::string list = "1s";
  for (int i = 1; i < 100; ++i) list += ", 1s";
  Config hundred("retry_schedule: [" + list + "]\n");
  auto s = read_retry_schedule(hundred.node()["retry_schedule"]);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->max_attempts(), 101u);

  Config more("retry_schedule: [" + list + ", 1s]\n");
  EXPECT_FALSE(read_retry_schedule(more.node()["retry_schedule"]));
  ASSERT_EQ(more.errors.messages().size(), 1u);
  EXPECT_EQ(more.errors.messages()[0],
            "c.yaml:1: retry_schedule: has 101 delays; at most 100 are allowed");
}

}  // namespace
}  // namespace wharf::dispatch
