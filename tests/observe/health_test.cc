#include "observe/health.h"

#include <gtest/gtest.h>

namespace wharf::observe {
namespace {

TEST(HealthTracker, StatusFollowsTheErrorRateOverTheLast24Hours) {
  FakeClock clock;
  HealthTracker tracker(clock);
  auto& stripe = tracker.entry("provider", "stripe");
  tracker.entry("source", "stripe");  // listed before any traffic
  for (int i = 0; i < 995; ++i) stripe.success();
  for (int i = 0; i < 5; ++i) stripe.failure("HTTP 503");
  auto snap = tracker.snapshot();
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].type, "provider");
  EXPECT_EQ(snap[0].successes_24h, 995);
  EXPECT_EQ(snap[0].failures_24h, 5);
  EXPECT_DOUBLE_EQ(snap[0].error_rate_24h, 0.005);
  EXPECT_EQ(snap[0].status, HealthStatus::kHealthy);
  EXPECT_EQ(snap[0].last_error, "HTTP 503");
  EXPECT_EQ(snap[0].last_failure_ms, clock.now_ms());
  EXPECT_EQ(snap[1].type, "source");
  EXPECT_EQ(snap[1].status, HealthStatus::kHealthy);
  EXPECT_FALSE(snap[1].last_success_ms);

  for (int i = 0; i < 50; ++i) stripe.failure("timeout");  // 55 of 1050: 5.2%
  EXPECT_EQ(tracker.snapshot()[0].status, HealthStatus::kDegraded);
  for (int i = 0; i < 100; ++i) stripe.failure("timeout");  // 155 of 1150: 13.5%
  EXPECT_EQ(tracker.snapshot()[0].status, HealthStatus::kDown);

  // A day later the old counts have left the window; the last times stay.
  clock.advance_ms(24LL * 3600 * 1000 + 1);
  stripe.success();
  auto later = tracker.snapshot()[0];
  EXPECT_EQ(later.successes_24h, 1);
  EXPECT_EQ(later.failures_24h, 0);
  EXPECT_EQ(later.status, HealthStatus::kHealthy);
  EXPECT_TRUE(later.last_failure_ms);
}

TEST(HealthTracker, CountsWithinTheWindowSurviveBucketChanges) {
  FakeClock clock;
  HealthTracker tracker(clock);
  auto& e = tracker.entry("source", "app");
  e.failure("bad signature");
  clock.advance_ms(23LL * 3600 * 1000);  // 23 h later: still inside
  e.success();
  auto s = tracker.snapshot()[0];
  EXPECT_EQ(s.failures_24h, 1);
  EXPECT_EQ(s.successes_24h, 1);
  EXPECT_EQ(s.status, HealthStatus::kDown);
}

TEST(HealthStatus, ThresholdsAreSpecs) {
  EXPECT_EQ(status_for(0.0), HealthStatus::kHealthy);
  EXPECT_EQ(status_for(0.0099), HealthStatus::kHealthy);
  EXPECT_EQ(status_for(0.01), HealthStatus::kDegraded);
  EXPECT_EQ(status_for(0.0999), HealthStatus::kDegraded);
  EXPECT_EQ(status_for(0.10), HealthStatus::kDown);
  EXPECT_EQ(to_string(HealthStatus::kDegraded), "degraded");
}

}  // namespace
}  // namespace wharf::observe
