#include "observe/metrics.h"

#include <gtest/gtest.h>

namespace wharf::observe {
namespace {

TEST(Registry, ExposesCountersWithLabelsInPrometheusFormat) {
  Registry r;
  r.counter("wharf_x_total", "Things", {{"source", "stripe"}}).inc(3);
  std::string out = r.expose();
  EXPECT_NE(out.find("# HELP wharf_x_total Things\n# TYPE wharf_x_total counter\n"),
            std::string::npos);
  EXPECT_NE(out.find("wharf_x_total{source=\"stripe\"} 3\n"), std::string::npos);
}

TEST(Registry, SameNameAndLabelsReturnTheSameMetric) {
  Registry r;
  auto& a = r.counter("c", "h", {{"k", "v"}});
  auto& b = r.counter("c", "h", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &r.counter("c", "h", {{"k", "w"}}));
}

TEST(Registry, EscapesLabelValues) {
  EXPECT_EQ(render_labels({{"a", "x\"y\\z\n"}}), "{a=\"x\\\"y\\\\z\\n\"}");
}

TEST(Histogram, BucketsAreCumulativeWithInfSumAndCount) {
  Registry r;
  auto& h = r.histogram("lat", "Latency", {{"s", "a"}}, {0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  std::string out = r.expose();
  EXPECT_NE(out.find("lat_bucket{s=\"a\",le=\"0.1\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("lat_bucket{s=\"a\",le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("lat_bucket{s=\"a\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(out.find("lat_count{s=\"a\"} 3\n"), std::string::npos);
  EXPECT_NEAR(h.sum(), 5.55, 1e-6);
}

TEST(Registry, RefusesOneNameWithTwoTypes) {
  Registry r;
  r.counter("m", "h");
  EXPECT_THROW(r.gauge("m", "h"), std::logic_error);
}

}  // namespace
}  // namespace wharf::observe
