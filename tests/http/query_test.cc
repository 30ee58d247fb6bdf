#include "http/query.h"

#include <gtest/gtest.h>

namespace wharf::http {
namespace {

TEST(ParseQuery, DecodesPairsInOrder) {
  auto q = parse_query("source=stripe&type=invoice.paid&x=a%20b+c&flag");
  ASSERT_TRUE(q);
  ASSERT_EQ(q->size(), 4u);
  EXPECT_EQ((*q)[0], (std::pair<std::string, std::string>{"source", "stripe"}));
  EXPECT_EQ((*q)[2].second, "a b c");
  EXPECT_EQ((*q)[3], (std::pair<std::string, std::string>{"flag", ""}));
}

TEST(ParseQuery, EmptyAndStrayAmpersandsAreFine) {
  EXPECT_TRUE(parse_query("")->empty());
  EXPECT_EQ(parse_query("&&a=1&")->size(), 1u);
}

TEST(ParseQuery, RejectsMalformedEscapes) { EXPECT_FALSE(parse_query("a=%zz")); }

}  // namespace
}  // namespace wharf::http
