#include "oauth/pkce.h"

#include <gtest/gtest.h>

#include <set>

namespace wharf::oauth {
namespace {

TEST(Pkce, S256ChallengeMatchesRfc7636AppendixB) {
  EXPECT_EQ(s256_code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(Pkce, ChallengeHasNoPaddingAndIs43Characters) {
  auto challenge = s256_code_challenge(make_code_verifier().value());
  EXPECT_EQ(challenge.size(), 43u);
  EXPECT_EQ(challenge.find('='), std::string::npos);
}

TEST(Pkce, VerifierHasTheDefaultLengthAndOnlyUnreservedCharacters) {
  auto verifier = make_code_verifier().value();
  EXPECT_EQ(verifier.size(), kDefaultCodeVerifierLength);
  EXPECT_TRUE(is_valid_code_verifier(verifier));
}

TEST(Pkce, VerifierLengthsAtTheBoundsAreAcceptedAndOutsideRefused) {
  EXPECT_EQ(make_code_verifier(43).value().size(), 43u);
  EXPECT_EQ(make_code_verifier(128).value().size(), 128u);
  EXPECT_FALSE(make_code_verifier(42));
  EXPECT_FALSE(make_code_verifier(129));
  EXPECT_EQ(make_code_verifier(0).error().code, Errc::kInvalidArgument);
}

TEST(Pkce, VerifiersAreFreshEachTime) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(make_code_verifier().value());
  EXPECT_EQ(seen.size(), 100u);
}

TEST(Pkce, VerifierUsesTheWholeAlphabet) {
  std::set<char> chars;
  for (int i = 0; i < 50; ++i) {
    for (char c : make_code_verifier(128).value()) chars.insert(c);
  }
  EXPECT_EQ(chars.size(), 64u);  // A-Z a-z 0-9 - _
}

TEST(Pkce, ValidatesVerifierSyntax) {
  EXPECT_TRUE(is_valid_code_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
  EXPECT_TRUE(is_valid_code_verifier(std::string(43, '~')));
  EXPECT_TRUE(is_valid_code_verifier(std::string(128, '.')));
  EXPECT_FALSE(is_valid_code_verifier(std::string(42, 'a')));
  EXPECT_FALSE(is_valid_code_verifier(std::string(129, 'a')));
  EXPECT_FALSE(is_valid_code_verifier(std::string(42, 'a') + "+"));
  EXPECT_FALSE(is_valid_code_verifier(std::string(42, 'a') + "="));
  EXPECT_FALSE(is_valid_code_verifier(std::string(42, 'a') + " "));
}

}  // namespace
}  // namespace wharf::oauth
