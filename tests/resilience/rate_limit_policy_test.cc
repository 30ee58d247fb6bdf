#include "resilience/rate_limit_policy.h"

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
  explicit Config(const std::string& yaml) : YamlConfig(yaml, {{"APOLLO_LIMIT", "250"}}) {}
};

TEST(ReadRateLimitPolicy, ReadsTheSpecExampleWithDefaultsForTheRest) {
  Config c(
      "providers:\n  apollo:\n"
      "    rate_limit: { limit: 100, per: 1h }   # scope: node (default) or cluster\n");
  auto p = read_rate_limit_policy(c.node()["providers"]["apollo"]["rate_limit"]);
  ASSERT_TRUE(p) << c.errors.messages()[0];
  EXPECT_TRUE(c.errors.empty());
  EXPECT_EQ(p->limit, 100);
  EXPECT_EQ(p->per, 1h);
  EXPECT_EQ(p->scope, RateScope::kNode);
  EXPECT_EQ(p->algorithm, RateAlgorithm::kSlidingLog);
  EXPECT_EQ(p->burst, 0);
  EXPECT_EQ(p->bucket_capacity(), 100);
  EXPECT_EQ(p->max_wait, 0ms);
  EXPECT_TRUE(is_valid(*p));
}

TEST(ReadRateLimitPolicy, ReadsEveryKey) {
  Config c(
      "rate_limit:\n"
      "  limit: ${APOLLO_LIMIT}\n"
      "  per: 1m\n"
      "  scope: cluster\n"
      "  algorithm: token_bucket\n"
      "  burst: 20\n"
      "  max_wait: 2s\n");
  auto p = read_rate_limit_policy(c.node()["rate_limit"]);
  ASSERT_TRUE(p) << c.errors.messages()[0];
  EXPECT_EQ(p->limit, 250);
  EXPECT_EQ(p->per, 1min);
  EXPECT_EQ(p->scope, RateScope::kCluster);
  EXPECT_EQ(p->algorithm, RateAlgorithm::kTokenBucket);
  EXPECT_EQ(p->burst, 20);
  EXPECT_EQ(p->bucket_capacity(), 20);
  EXPECT_EQ(p->max_wait, 2s);
}

TEST(ReadRateLimitPolicy, BurstAloneMeansTokenBucketAndFixedWindowIsNamed) {
  Config c(
      "a: { limit: 10, per: 1s, burst: 3 }\n"
      "b: { limit: 10, per: 1s, algorithm: fixed_window }\n"
      "c: { limit: 10, per: 1s, algorithm: sliding, max_wait: 0 }\n");
  auto a = read_rate_limit_policy(c.node()["a"]);
  auto b = read_rate_limit_policy(c.node()["b"]);
  auto s = read_rate_limit_policy(c.node()["c"]);
  ASSERT_TRUE(a && b && s);
  EXPECT_EQ(a->algorithm, RateAlgorithm::kTokenBucket);
  EXPECT_EQ(a->burst, 3);
  EXPECT_EQ(b->algorithm, RateAlgorithm::kFixedWindow);
  EXPECT_EQ(s->algorithm, RateAlgorithm::kSlidingLog);
  EXPECT_EQ(s->max_wait, 0ms);
}

TEST(ReadRateLimitPolicy, AbsentMeansNoLimitAndRecordsNothing) {
  Config c("providers: { apollo: { base_url: x } }\n");
  EXPECT_FALSE(read_rate_limit_policy(c.node()["providers"]["apollo"]["rate_limit"]));
  EXPECT_TRUE(c.errors.empty());
}

TEST(ReadRateLimitPolicy, ReportsEveryBadValueWithItsLine) {
  Config c(
      "rate_limit:\n"
      "  limit: 0\n"
      "  per: 31d\n"
      "  scope: planet\n"
      "  algorithm: leaky\n"
      "  burst: 100001\n"
      "  max_wait: 2h\n"
      "  limt: 5\n");
  EXPECT_FALSE(read_rate_limit_policy(c.node()["rate_limit"]));
  std::vector<std::string> expected = {
      "c.yaml:8: rate_limit.limt: unknown key",
      "c.yaml:2: rate_limit.limit: must be between 1 and 100000",
      "c.yaml:3: rate_limit.per: must be greater than 0 and at most 30d",
      "c.yaml:4: rate_limit.scope: unknown value 'planet' (expected one of: node, cluster)",
      "c.yaml:5: rate_limit.algorithm: unknown value 'leaky' (expected one of: sliding, "
      "token_bucket, fixed_window)",
      "c.yaml:6: rate_limit.burst: must be between 1 and 100000",
      "c.yaml:7: rate_limit.max_wait: must be at most 1h",
  };
  EXPECT_EQ(c.errors.messages(), expected);
}

TEST(ReadRateLimitPolicy, RejectsMissingAndMalformedValues) {
  Config c(
      "a: { per: 1h }\n"
      "b: { limit: 100 }\n"
      "c: { limit: lots, per: 0 }\n"
      "d: { limit: 5, per: 1 }\n"
      "e: { limit: 5, per: 1s, algorithm: fixed_window, burst: 2 }\n"
      "f: { limit: 5, per: 1s, max_wait: soon }\n"
      "g: 100/h\n");
  std::vector<std::string> expected = {
      "c.yaml:1: a: `limit` is required (calls per `per`), e.g. { limit: 100, per: 1h }",
      "c.yaml:2: b: `per` is required (a duration such as 1s, 1m, 1h), e.g. { limit: 100, per: 1h "
      "}",
      "c.yaml:3: c.limit: expected an integer, got 'lots'",
      "c.yaml:3: c.per: must be greater than 0 and at most 30d",
      "c.yaml:4: d.per: invalid duration '1' (write e.g. 500ms, 30s, 5m, 1h, 7d)",
      "c.yaml:5: e.burst: applies to algorithm: token_bucket only",
      "c.yaml:6: f.max_wait: invalid duration 'soon' (write e.g. 500ms, 30s, 5m, 1h, 7d)",
      "c.yaml:7: g: expected a map, e.g. { limit: 100, per: 1h }",
  };
  for (const char* key : {"a", "b", "c", "d", "e", "f", "g"}) {
    EXPECT_FALSE(read_rate_limit_policy(c.node()[key])) << key;
  }
  EXPECT_EQ(c.errors.messages(), expected);
}

TEST(RateLimitedMessage, SaysWhoLimitsWhatAndWhenToRetry) {
  RateLimitPolicy p;
  p.limit = 100;
  p.per = 1h;
  EXPECT_EQ(rate_limited_message("apollo", p, 37s),
            "rate limited by wharf: apollo allows 100 calls per 1h; retry after 37s");
  EXPECT_EQ(
      rate_limited_message("apollo", p, 36'001ms),
      "rate limited by wharf: apollo allows 100 calls per 1h; retry after 37s");  // rounded up
  EXPECT_EQ(rate_limited_message("apollo", p, 250ms),
            "rate limited by wharf: apollo allows 100 calls per 1h; retry after 250ms");
  p.limit = 1;
  p.per = 1500ms;
  EXPECT_EQ(rate_limited_message("slack", p, 2s),
            "rate limited by wharf: slack allows 1 call per 1500ms; retry after 2s");
  EXPECT_EQ(rate_limited_message("apollo", p, 30s, /*provider_hint=*/true),
            "rate limited by apollo (it asked wharf to pause: Retry-After or an exhausted quota); "
            "retry after 30s");
}

TEST(FormatDuration, UsesTheLargestExactUnit) {
  EXPECT_EQ(format_duration(0ms), "0");
  EXPECT_EQ(format_duration(500ms), "500ms");
  EXPECT_EQ(format_duration(90s), "90s");
  EXPECT_EQ(format_duration(5min), "5m");
  EXPECT_EQ(format_duration(24h), "1d");
  EXPECT_EQ(format_duration(36h), "36h");
}

}  // namespace
}  // namespace wharf::resilience
