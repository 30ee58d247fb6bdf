#include "core/glob.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace wharf {
namespace {

TEST(GlobMatch, LiteralPatternMatchesOnlyTheSameText) {
  EXPECT_TRUE(glob_match("stripe", "stripe"));
  EXPECT_FALSE(glob_match("stripe", "stripe2"));
  EXPECT_FALSE(glob_match("stripe", "strip"));
  EXPECT_FALSE(glob_match("Stripe", "stripe"));
  EXPECT_TRUE(glob_match("", ""));
  EXPECT_FALSE(glob_match("", "a"));
}

TEST(GlobMatch, StarMatchesAnyRunIncludingDotsAndNothing) {
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*", "anything.at.all"));
  EXPECT_TRUE(glob_match("invoice.*", "invoice.paid"));
  EXPECT_TRUE(glob_match("invoice.*", "invoice.payment.failed"));
  EXPECT_TRUE(glob_match("invoice.*", "invoice."));
  EXPECT_FALSE(glob_match("invoice.*", "invoice"));
  EXPECT_FALSE(glob_match("invoice.*", "invoiceitem.created"));
  EXPECT_TRUE(glob_match("customer.subscription.*", "customer.subscription.updated"));
  EXPECT_FALSE(glob_match("customer.subscription.*", "customer.created"));
  EXPECT_TRUE(glob_match("*.failed", "invoice.payment.failed"));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYbZZc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYYbZZ"));
  EXPECT_TRUE(glob_match("**", "x"));
}

TEST(GlobMatch, QuestionMarkMatchesExactlyOneCharacter) {
  EXPECT_TRUE(glob_match("app?", "app2"));
  EXPECT_FALSE(glob_match("app?", "app"));
  EXPECT_FALSE(glob_match("app?", "app22"));
  EXPECT_TRUE(glob_match("?*", "a"));
  EXPECT_FALSE(glob_match("?*", ""));
}

TEST(GlobMatch, BacktracksToTheLastStarWhenALaterLiteralFails) {
  EXPECT_TRUE(glob_match("*ab", "aab"));
  EXPECT_TRUE(glob_match("*.paid", "invoice.x.paid"));
  EXPECT_TRUE(glob_match("a*?c", "abbc"));
  EXPECT_FALSE(glob_match("a*?c", "ac"));
}

TEST(GlobMatch, HostilePatternAgainstLongTextStaysFast) {
  // A naive recursive matcher needs exponential time here; the iterative one needs
  // O(pattern * text) steps, a few million, which is milliseconds even under sanitizers.
  std::string pattern;
  for (int i = 0; i < 40; ++i) pattern += "a*";
  pattern += "b";
  const std::string text(10'000, 'a');
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(glob_match(pattern, text));
  EXPECT_TRUE(glob_match(pattern, text + "b"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace wharf
