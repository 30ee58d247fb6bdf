#include "resilience/breaker_policy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/config_node.h"
#include "support/yaml_config.h"

namespace wharf::resilience {
namespace {

using namespace std::chrono_literals;

// The environment these tests' configs interpolate from.
struct Config : wharf::testing::YamlConfig {
  explicit Config(const std::string& yaml) : YamlConfig(yaml, {{"BREAKER_WINDOW", "30s"}}) {}
};

TEST(ReadBreakerPolicy, ReadsTheSpecExampleAndKeepsDefaultsForTheRest) {
  Config c(
      "providers:\n  apollo:\n"
      "    breaker: { failure_rate: 50%, window: 20, min_calls: 10, open_for: 30s }\n");
  auto p = read_breaker_policy(c.node()["providers"]["apollo"]["breaker"], BreakerPolicy{});
  ASSERT_TRUE(p) << c.errors.messages()[0];
  EXPECT_TRUE(c.errors.empty());
  EXPECT_EQ(p->failure_rate_threshold, 50.0);
  EXPECT_EQ(p->window_type, SlidingWindow::Type::kCountBased);
  EXPECT_EQ(p->window_size, 20);
  EXPECT_EQ(p->minimum_calls, 10);
  EXPECT_EQ(p->wait_in_open, 30s);
  BreakerPolicy d;
  EXPECT_EQ(p->slow_call_rate_threshold, d.slow_call_rate_threshold);
  EXPECT_EQ(p->slow_call_duration, d.slow_call_duration);
  EXPECT_EQ(p->permitted_calls_in_half_open, d.permitted_calls_in_half_open);
  EXPECT_EQ(p->max_wait_in_half_open, d.max_wait_in_half_open);
  EXPECT_TRUE(is_valid(*p));
}

TEST(ReadBreakerPolicy, ReadsEveryKeyAndATimeWindow) {
  Config c(
      "breaker:\n"
      "  failure_rate: 12.5\n"
      "  slow_call_rate: 80%\n"
      "  slow_call_duration: 2s\n"
      "  window: 60s\n"
      "  min_calls: 5\n"
      "  open_for: 1m\n"
      "  half_open_calls: 3\n"
      "  max_wait_in_half_open: 20s\n");
  auto p = read_breaker_policy(c.node()["breaker"], BreakerPolicy{});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->failure_rate_threshold, 12.5);
  EXPECT_EQ(p->slow_call_rate_threshold, 80.0);
  EXPECT_EQ(p->slow_call_duration, 2s);
  EXPECT_EQ(p->window_type, SlidingWindow::Type::kTimeBased);
  EXPECT_EQ(p->window_size, 60);
  EXPECT_EQ(p->minimum_calls, 5);
  EXPECT_EQ(p->wait_in_open, 1min);
  EXPECT_EQ(p->permitted_calls_in_half_open, 3);
  EXPECT_EQ(p->max_wait_in_half_open, 20s);
}

TEST(ReadBreakerPolicy, AbsentGivesTheCallersDefaults) {
  Config c("providers: {}\n");
  BreakerPolicy defaults;
  defaults.window_size = 7;
  auto p = read_breaker_policy(c.node()["providers"]["breaker"], defaults);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->window_size, 7);
  EXPECT_TRUE(c.errors.empty());
}

TEST(ReadBreakerPolicy, InterpolatesTheEnvironment) {
  Config c("breaker: { window: \"${BREAKER_WINDOW}\" }\n");
  auto p = read_breaker_policy(c.node()["breaker"], BreakerPolicy{});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->window_type, SlidingWindow::Type::kTimeBased);
  EXPECT_EQ(p->window_size, 30);
}

TEST(ReadBreakerPolicy, ReportsEveryBadValueWithItsLine) {
  Config c(
      "breaker:\n"
      "  failure_rate: 0%\n"
      "  slow_call_rate: fast\n"
      "  slow_call_duration: 0\n"
      "  window: 1500ms\n"
      "  min_calls: 0\n"
      "  open_for: 2x\n"
      "  half_open_calls: 1001\n"
      "  max_wait_in_half_open: 25h\n"
      "  open_forr: 30s\n");
  EXPECT_FALSE(read_breaker_policy(c.node()["breaker"], BreakerPolicy{}));
  std::vector<std::string> expected = {
      "c.yaml:10: breaker.open_forr: unknown key",
      "c.yaml:2: breaker.failure_rate: must be greater than 0% and at most 100%",
      "c.yaml:3: breaker.slow_call_rate: expected a percentage such as 50% or 50, got 'fast'",
      "c.yaml:4: breaker.slow_call_duration: must be greater than 0 and at most 24h",
      "c.yaml:5: breaker.window: a time window must be a whole number of seconds from 1s to 1h",
      "c.yaml:6: breaker.min_calls: must be between 1 and 1000000",
      "c.yaml:7: breaker.open_for: invalid duration '2x' (write e.g. 500ms, 30s, 5m, 1h, 7d)",
      "c.yaml:8: breaker.half_open_calls: must be between 1 and 1000",
      "c.yaml:9: breaker.max_wait_in_half_open: must be at most 24h",
  };
  EXPECT_EQ(c.errors.messages(), expected);
}

TEST(ReadBreakerPolicy, RejectsBadWindowsAndRates) {
  Config c(
      "a: { window: 0 }\n"
      "b: { window: 10001 }\n"
      "c: { window: 2h }\n"
      "d: { window: lots }\n"
      "e: { failure_rate: 101% }\n"
      "f: { failure_rate: \"%\" }\n"
      "g: { failure_rate: 50%% }\n");
  std::vector<std::string> expected = {
      "c.yaml:1: a.window: must be between 1 and 10000",
      "c.yaml:2: b.window: must be between 1 and 10000",
      "c.yaml:3: c.window: a time window must be a whole number of seconds from 1s to 1h",
      "c.yaml:4: d.window: expected a number of calls (20) or a duration in whole seconds (60s), "
      "got 'lots'",
      "c.yaml:5: e.failure_rate: must be greater than 0% and at most 100%",
      "c.yaml:6: f.failure_rate: expected a percentage such as 50% or 50, got '%'",
      "c.yaml:7: g.failure_rate: expected a percentage such as 50% or 50, got '50%%'",
  };
  for (const char* key : {"a", "b", "c", "d", "e", "f", "g"}) {
    EXPECT_FALSE(read_breaker_policy(c.node()[key], BreakerPolicy{})) << key;
  }
  EXPECT_EQ(c.errors.messages(), expected);
}

TEST(ReadBreakerPolicy, RejectsANonMap) {
  Config c("x: 1\nbreaker: 50%\n");
  EXPECT_FALSE(read_breaker_policy(c.node()["breaker"], BreakerPolicy{}));
  ASSERT_EQ(c.errors.messages().size(), 1u);
  EXPECT_EQ(c.errors.messages()[0],
            "c.yaml:2: breaker: expected a map, e.g. { failure_rate: 50%, window: 20, min_calls: "
            "10, open_for: 30s }");
}

}  // namespace
}  // namespace wharf::resilience
