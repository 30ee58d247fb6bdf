#include "oauth/form_encoding.h"

#include <gtest/gtest.h>

namespace wharf::oauth {
namespace {

TEST(FormEncoding, EncodesRfc6749AppendixBExample) {
  // " %&+£€" from RFC 6749 Appendix B (the '"' of its example included).
  EXPECT_EQ(form_urlencode(" %\"&+\xC2\xA3\xE2\x82\xAC"), "+%25%22%26%2B%C2%A3%E2%82%AC");
}

TEST(FormEncoding, KeepsAlphanumericsAndDashDotUnderscoreStar) {
  EXPECT_EQ(form_urlencode("AZaz09-._*"), "AZaz09-._*");
}

TEST(FormEncoding, EncodesSlashColonQuestionEqualsAndTilde) {
  EXPECT_EQ(form_urlencode("https://a/b?c=d~"), "https%3A%2F%2Fa%2Fb%3Fc%3Dd%7E");
}

TEST(FormEncoding, JoinsParamsInOrder) {
  EXPECT_EQ(form_encode({{"b", "1 2"}, {"a", "x+y"}, {"c d", ""}}), "b=1+2&a=x%2By&c+d=");
  EXPECT_EQ(form_encode({}), "");
}

}  // namespace
}  // namespace wharf::oauth
