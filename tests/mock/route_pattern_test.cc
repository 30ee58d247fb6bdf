#include "mock/route_pattern.h"

#include <gtest/gtest.h>

namespace wharf::mock {
namespace {

TEST(RoutePattern, MethodAndExactPath) {
  auto p = RoutePattern::parse("POST /v3/mail/send");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->matches("POST", "/v3/mail/send"));
  EXPECT_TRUE(p->matches("post", "/v3/mail/send"));
  EXPECT_FALSE(p->matches("GET", "/v3/mail/send"));
  EXPECT_FALSE(p->matches("POST", "/v3/mail/send/x"));
}

TEST(RoutePattern, PrefixAndGlob) {
  auto prefix = RoutePattern::parse("/v1/");
  EXPECT_TRUE(prefix->matches("DELETE", "/v1/subscriptions/sub_1"));
  EXPECT_FALSE(prefix->matches("POST", "/v3/mail/send"));
  auto glob = RoutePattern::parse("POST /v1/subscriptions/*");
  EXPECT_TRUE(glob->matches("POST", "/v1/subscriptions/sub_1"));
  EXPECT_FALSE(glob->matches("POST", "/v1/subscriptions"));
  auto mid = RoutePattern::parse("/v*/send");
  EXPECT_TRUE(mid->matches("POST", "/v3/mail/send"));
  EXPECT_TRUE(RoutePattern::parse("*")->matches("GET", "/anything"));
}

TEST(RoutePattern, RejectsEmptyOrRelative) {
  EXPECT_FALSE(RoutePattern::parse(""));
  EXPECT_FALSE(RoutePattern::parse("POST v1"));
  EXPECT_FALSE(RoutePattern::parse("POST "));
}

}  // namespace
}  // namespace wharf::mock
