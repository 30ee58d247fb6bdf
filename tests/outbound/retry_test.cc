#include "outbound/retry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config_node.h"
#include "outbound/retry_budget.h"
#include "support/yaml_config.h"

namespace wharf::outbound {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

constexpr std::int64_t kNowMs = 1'700'000'000'000;  // Tue, 14 Nov 2023 22:13:20 GMT

RetryDecider::Uniform01 always(double u) {
  return [u] { return u; };
}

RetryDecider decider(double u, RetryPolicy policy = {}, RetryBudget* budget = nullptr) {
  return RetryDecider(policy, always(u), budget);
}

Attempt attempt(int number, std::variant<int, TransportError> outcome,
                std::string_view method = "GET", bool has_key = false,
                std::optional<std::string> retry_after = std::nullopt) {
  Attempt a;
  a.number = number;
  a.outcome = outcome;
  a.method = method;
  a.has_idempotency_key = has_key;
  a.retry_after = std::move(retry_after);
  a.now_ms = kNowMs;
  return a;
}

TEST(RetryDecider, Retries503TwiceWithGrowingMaximumDelaysThenStopsOn200) {
  for (double u : {0.0, 1.0}) {
    RetryDecider d = decider(u);
    RetryDecision first = d.decide(attempt(1, 503));
    RetryDecision second = d.decide(attempt(2, 503));
    RetryDecision third = d.decide(attempt(3, 200));
    EXPECT_TRUE(first.retry);
    EXPECT_TRUE(second.retry);
    EXPECT_FALSE(third.retry);
    // Full jitter: uniform 0 waits nothing, uniform 1 the whole min(cap, base * 2^(n-1)).
    EXPECT_EQ(first.delay, u == 0.0 ? 0ms : 1000ms);
    EXPECT_EQ(second.delay, u == 0.0 ? 0ms : 2000ms);
    EXPECT_EQ(third.delay, 0ms);
    EXPECT_EQ(third.reason, "HTTP 200: done");
    EXPECT_FALSE(third.retry_after_for_caller);
  }
  EXPECT_EQ(decider(1.0).decide(attempt(1, 503)).reason, "HTTP 503: retry 1 of 2 in 1000ms");
  EXPECT_EQ(decider(0.5).decide(attempt(2, 503)).delay, 1000ms);
}

TEST(RetryDecider, NarrowerJitterDrawsFromTheTopOfTheBackoff) {
  RetryPolicy none;
  none.jitter = 0.0;
  EXPECT_EQ(decider(0.0, none).decide(attempt(1, 503)).delay, 1000ms);
  EXPECT_EQ(decider(0.7, none).decide(attempt(2, 503)).delay, 2000ms);
  RetryPolicy fifth;
  fifth.jitter = 0.2;
  EXPECT_EQ(decider(0.0, fifth).decide(attempt(1, 503)).delay, 800ms);
  EXPECT_EQ(decider(0.5, fifth).decide(attempt(1, 503)).delay, 900ms);
  EXPECT_EQ(decider(1.0, fifth).decide(attempt(1, 503)).delay, 1000ms);
}

TEST(RetryDecider, WaitsAtLeastRetryAfterSecondsOn429) {
  RetryDecision d = decider(0.0).decide(attempt(1, 429, "GET", false, "2"));
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, 2000ms);
  EXPECT_EQ(d.reason, "HTTP 429: retry 1 of 2 in 2000ms (Retry-After)");
  EXPECT_GE(decider(1.0).decide(attempt(1, 429, "GET", false, "2")).delay, 2000ms);
}

TEST(RetryDecider, KeepsALongerBackoffThanRetryAfter) {
  RetryPolicy p;
  p.max_attempts = 5;
  RetryDecision d = decider(1.0, p).decide(attempt(3, 429, "GET", false, "1"));
  EXPECT_EQ(d.delay, 4000ms);
}

TEST(RetryDecider, HonoursAnHttpDateRetryAfter) {
  RetryDecision d =
      decider(0.0).decide(attempt(1, 503, "GET", false, "Tue, 14 Nov 2023 22:13:25 GMT"));
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, 5000ms);
}

TEST(RetryDecider, IgnoresAMalformedRetryAfter) {
  RetryDecision d = decider(0.0).decide(attempt(1, 503, "GET", false, "soon"));
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, 0ms);
  EXPECT_FALSE(d.retry_after_for_caller);
}

TEST(RetryDecider, GivesUpAndReportsRetryAfterBeyondMaxRetryAfter) {
  RetryDecision d = decider(0.0).decide(attempt(1, 429, "GET", false, "120"));
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.delay, 0ms);
  EXPECT_EQ(d.retry_after_for_caller, milliseconds(120s));
  EXPECT_EQ(d.reason,
            "HTTP 429: Retry-After 120000ms exceeds max_retry_after 60000ms: not waited for");
  // Exactly max_retry_after is still waited for.
  EXPECT_TRUE(decider(0.0).decide(attempt(1, 429, "GET", false, "60")).retry);
}

TEST(RetryDecider, ReportsRetryAfterWhenAttemptsRunOut) {
  RetryDecision d = decider(0.0).decide(attempt(3, 429, "GET", false, "5"));
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.retry_after_for_caller, milliseconds(5s));
  EXPECT_EQ(d.reason, "HTTP 429: gave up after 3 of 3 attempts");
}

TEST(RetryDecider, DoesNotRetryOtherClientErrorsOrSuccesses) {
  for (int status : {400, 401, 403, 404, 409, 422}) {
    RetryDecision d = decider(1.0).decide(attempt(1, status));
    EXPECT_FALSE(d.retry) << status;
    EXPECT_EQ(d.reason,
              "HTTP " + std::to_string(status) + ": not retried: the request was refused");
  }
  for (int status : {200, 201, 204, 301, 304}) {
    EXPECT_FALSE(decider(1.0).decide(attempt(1, status)).retry) << status;
  }
}

TEST(RetryDecider, RetriesEveryServerErrorOfAnIdempotentCall) {
  for (int status : {500, 502, 503, 504, 599}) {
    EXPECT_TRUE(decider(1.0).decide(attempt(1, status)).retry) << status;
  }
}

TEST(RetryDecider, RetriesAConnectFailureOfAPostWithoutKey) {
  RetryDecision d = decider(1.0).decide(attempt(1, TransportError::kConnect, "POST"));
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, 1000ms);
  EXPECT_EQ(d.reason, "connect: retry 1 of 2 in 1000ms");
  EXPECT_TRUE(decider(1.0).decide(attempt(1, TransportError::kTls, "POST")).retry);
}

TEST(RetryDecider, DoesNotRetryATimeoutOfAPostWithoutKey) {
  RetryDecision d = decider(1.0).decide(attempt(1, TransportError::kTimeout, "POST"));
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.reason,
            "timeout: not retried: a POST without an idempotency key may have been processed");
  EXPECT_FALSE(decider(1.0).decide(attempt(1, TransportError::kProtocol, "POST")).retry);
  EXPECT_FALSE(decider(1.0).decide(attempt(1, TransportError::kTimeout, "PATCH")).retry);
  for (int status : {500, 502, 503, 504, 429}) {
    EXPECT_FALSE(decider(1.0).decide(attempt(1, status, "POST")).retry) << status;
  }
  // A Retry-After vouches for "not processed" only on 429 and 503.
  EXPECT_FALSE(decider(1.0).decide(attempt(1, 500, "POST", false, "1")).retry);
}

TEST(RetryDecider, RetriesAPostWithoutKeyOn429Or503WithRetryAfter) {
  EXPECT_TRUE(decider(0.0).decide(attempt(1, 429, "POST", false, "1")).retry);
  EXPECT_TRUE(decider(0.0).decide(attempt(1, 503, "POST", false, "1")).retry);
}

TEST(RetryDecider, RetriesATimeoutOfAPostWithKey) {
  EXPECT_TRUE(decider(1.0).decide(attempt(1, TransportError::kTimeout, "POST", true)).retry);
  EXPECT_TRUE(decider(1.0).decide(attempt(1, TransportError::kProtocol, "POST", true)).retry);
  EXPECT_TRUE(decider(1.0).decide(attempt(1, 500, "POST", true)).retry);
}

TEST(RetryDecider, RetriesATimeoutOfIdempotentMethods) {
  for (const char* method : {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}) {
    EXPECT_TRUE(decider(1.0).decide(attempt(1, TransportError::kTimeout, method)).retry) << method;
  }
}

TEST(RetryDecider, NeverRetriesTooLargeCancelledOrOther) {
  for (TransportError e :
       {TransportError::kTooLarge, TransportError::kCancelled, TransportError::kOther}) {
    EXPECT_FALSE(decider(1.0).decide(attempt(1, e, "GET", true)).retry) << to_string(e);
  }
}

TEST(RetryDecider, CapsTheBackoffAtHighAttemptNumbers) {
  RetryPolicy p;
  p.max_attempts = 10;
  RetryDecider d = decider(1.0, p);
  std::vector<milliseconds> expected = {1s, 2s, 4s, 8s, 10s, 10s, 10s, 10s, 10s};
  for (int n = 1; n <= 9; ++n) {
    EXPECT_EQ(d.max_backoff(n), expected[n - 1]) << n;
    EXPECT_EQ(d.decide(attempt(n, 503)).delay, expected[n - 1]) << n;
  }
  p.base = 1h;
  p.cap = 1h;
  EXPECT_EQ(decider(1.0, p).decide(attempt(9, 503)).delay, milliseconds(1h));
  EXPECT_EQ(decider(1.0, p).max_backoff(1'000'000), milliseconds(1h));
}

TEST(RetryDecider, StopsAtMaxAttempts) {
  RetryPolicy p;
  p.max_attempts = 1;
  RetryDecision d = decider(1.0, p).decide(attempt(1, 503));
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.reason, "HTTP 503: gave up after 1 of 1 attempts");
  EXPECT_FALSE(decider(1.0).decide(attempt(3, TransportError::kConnect)).retry);
  EXPECT_TRUE(decider(1.0).decide(attempt(2, TransportError::kConnect)).retry);
}

TEST(RetryDecider, StopsWhenTheBudgetIsSpentAndRetriesAgainAfterTheWindow) {
  FakeClock clock(kNowMs);
  RetryBudget budget(20.0, 0, clock);
  RetryDecider d = decider(1.0, RetryPolicy{}, &budget);
  for (int i = 0; i < 10; ++i) budget.record_call();
  EXPECT_TRUE(d.decide(attempt(1, 503)).retry);
  EXPECT_TRUE(d.decide(attempt(1, 503)).retry);
  RetryDecision spent = d.decide(attempt(1, 503));
  EXPECT_FALSE(spent.retry);
  EXPECT_EQ(spent.reason, "HTTP 503: not retried: the provider's retry budget is spent");

  clock.advance_ms(RetryBudget::kWindowSeconds * 1000);
  for (int i = 0; i < 5; ++i) budget.record_call();
  EXPECT_TRUE(d.decide(attempt(1, 503)).retry);
  EXPECT_FALSE(d.decide(attempt(1, 503)).retry);
}

TEST(RetryDecider, SpendsNoBudgetWhenItWouldNotRetryAnyway) {
  FakeClock clock(kNowMs);
  RetryBudget budget(20.0, 0, clock);
  RetryDecider d = decider(1.0, RetryPolicy{}, &budget);
  for (int i = 0; i < 5; ++i) budget.record_call();
  EXPECT_FALSE(d.decide(attempt(1, 404)).retry);
  EXPECT_FALSE(d.decide(attempt(3, 503)).retry);
  EXPECT_FALSE(d.decide(attempt(1, TransportError::kTimeout, "POST")).retry);
  EXPECT_EQ(budget.remaining(), 1);
}

TEST(AttemptFrom, ReadsTheStatusAndRetryAfterOrTheTransportError) {
  HttpResponse r;
  r.status = 429;
  r.headers = {{"retry-after", "7"}};
  Attempt a = attempt_from(HttpResult(r), 2, "POST", true, kNowMs);
  EXPECT_EQ(a.number, 2);
  EXPECT_EQ(std::get<int>(a.outcome), 429);
  EXPECT_EQ(a.retry_after, "7");
  EXPECT_EQ(a.method, "POST");
  EXPECT_TRUE(a.has_idempotency_key);
  EXPECT_EQ(a.now_ms, kNowMs);

  Attempt e = attempt_from(HttpResult(ClientError{TransportError::kConnect, "refused"}), 1, "GET",
                           false, kNowMs);
  EXPECT_EQ(std::get<TransportError>(e.outcome), TransportError::kConnect);
  EXPECT_FALSE(e.retry_after);
}

TEST(IsIdempotent, FollowsRfc9110OrAnIdempotencyKey) {
  for (const char* m : {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"}) {
    EXPECT_TRUE(is_idempotent(m, false)) << m;
  }
  EXPECT_FALSE(is_idempotent("POST", false));
  EXPECT_FALSE(is_idempotent("PATCH", false));
  EXPECT_FALSE(is_idempotent("get", false));
  EXPECT_TRUE(is_idempotent("POST", true));
}

using Config = wharf::testing::YamlConfig;

TEST(ReadRetryPolicy, ReadsTheSpecExampleAndKeepsDefaultsForTheRest) {
  Config c("providers:\n  apollo:\n    retry: { max_attempts: 4, base: 500ms, cap: 8s }\n");
  auto p = read_retry_policy(c.node()["providers"]["apollo"]["retry"]);
  ASSERT_TRUE(p) << c.errors.messages()[0];
  EXPECT_EQ(p->max_attempts, 4);
  EXPECT_EQ(p->base, 500ms);
  EXPECT_EQ(p->cap, 8s);
  RetryPolicy d;
  EXPECT_EQ(p->budget_percent, d.budget_percent);
  EXPECT_EQ(p->min_retries_per_second, d.min_retries_per_second);
  EXPECT_EQ(p->max_retry_after, d.max_retry_after);
  EXPECT_TRUE(is_valid(*p));
}

TEST(ReadRetryPolicy, ReadsEveryKey) {
  Config c(
      "retry:\n"
      "  max_attempts: 10\n"
      "  base: 200ms\n"
      "  cap: 1h\n"
      "  budget: 12.5%\n"
      "  min_retries_per_s: 0\n"
      "  max_retry_after: 0\n");
  auto p = read_retry_policy(c.node()["retry"]);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->max_attempts, 10);
  EXPECT_EQ(p->base, 200ms);
  EXPECT_EQ(p->cap, 1h);
  EXPECT_EQ(p->budget_percent, 12.5);
  EXPECT_EQ(p->min_retries_per_second, 0);
  EXPECT_EQ(p->max_retry_after, 0ms);
  EXPECT_TRUE(c.errors.empty());
}

TEST(ReadRetryPolicy, GivesTheDefaultsWhenAbsent) {
  Config c("other: 1\n");
  RetryPolicy defaults;
  defaults.max_attempts = 5;
  auto p = read_retry_policy(c.node()["retry"], defaults);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->max_attempts, 5);
  EXPECT_TRUE(c.errors.empty());
}

TEST(ReadRetryPolicy, RejectsEveryBadValueWithItsLine) {
  Config c(
      "retry:\n"
      "  max_attempts: 0\n"
      "  base: 0\n"
      "  cap: 2h\n"
      "  budget: 101%\n"
      "  min_retries_per_s: -1\n"
      "  max_retry_after: 25h\n"
      "  jitter: half\n"
      "  jiter: full\n");
  EXPECT_FALSE(read_retry_policy(c.node()["retry"]));
  std::vector<std::string> expected = {
      "c.yaml:9: retry.jiter: unknown key",
      "c.yaml:2: retry.max_attempts: must be between 1 and 10",
      "c.yaml:3: retry.base: must be greater than 0 and at most 1h",
      "c.yaml:4: retry.cap: must be greater than 0 and at most 1h",
      "c.yaml:8: retry.jitter: expected full, none, or a fraction from 0 to 1 (0.2: waits in "
      "[0.8 d, d])",
      "c.yaml:5: retry.budget: must be between 0% and 100%",
      "c.yaml:6: retry.min_retries_per_s: must be between 0 and 1000",
      "c.yaml:7: retry.max_retry_after: must be at most 24h",
  };
  EXPECT_EQ(c.errors.messages(), expected);
}

TEST(ReadRetryPolicy, RejectsMalformedValuesWithTheirLines) {
  Config c(
      "a: { max_attempts: 11 }\n"
      "b: { base: soon }\n"
      "c: { budget: lots }\n"
      "d: { max_retry_after: 2x }\n"
      "e: { base: 5s, cap: 2s }\n"
      "f: { base: 20s }\n"
      "g: [3]\n");
  std::vector<std::string> expected = {
      "c.yaml:1: a.max_attempts: must be between 1 and 10",
      "c.yaml:2: b.base: invalid duration 'soon' (write e.g. 500ms, 30s, 5m, 1h, 7d)",
      "c.yaml:3: c.budget: expected a percentage such as 50% or 50, got 'lots'",
      "c.yaml:4: d.max_retry_after: invalid duration '2x' (write e.g. 500ms, 30s, 5m, 1h, 7d)",
      "c.yaml:5: e.cap: cap (2000ms) must not be less than base (5000ms)",
      "c.yaml:6: f.base: cap (10000ms) must not be less than base (20000ms)",
      "c.yaml:7: g: expected a map, e.g. { max_attempts: 3, base: 1s, cap: 10s }",
  };
  for (const char* key : {"a", "b", "c", "d", "e", "f", "g"}) {
    EXPECT_FALSE(read_retry_policy(c.node()[key])) << key;
  }
  EXPECT_EQ(c.errors.messages(), expected);
}

}  // namespace
}  // namespace wharf::outbound
