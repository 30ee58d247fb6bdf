#include <gtest/gtest.h>

#include <algorithm>

#include "support/verifier_test_support.h"

namespace wharf::inbound {
namespace {

using testing::FakeRequest;
using testing::SourceConfig;

TEST(VerifierRegistry, NamesEveryScheme) {
  auto names = verifier_names();
  for (std::string_view n :
       {"github", "hmac", "mailgun", "sendgrid", "slack", "standard", "stripe"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
}

TEST(VerifierRegistry, RejectsUnknownNameListingTheKnownOnes) {
  SourceConfig config("{verifier: stripey, secret: s}");
  EXPECT_EQ(make_verifier("stripey", config.node()), nullptr);
  EXPECT_EQ(make_signer("stripey", config.node()), nullptr);
  ASSERT_FALSE(config.errors().empty());
  EXPECT_NE(config.errors().messages()[0].find("unknown verifier 'stripey'"), std::string::npos);
  EXPECT_NE(config.errors().messages()[0].find("standard"), std::string::npos);
}

TEST(VerifierRegistry, BuildsEachSchemeByName) {
  const std::pair<const char*, const char*> configs[] = {
      {"stripe", "{verifier: stripe, secret: whsec_x}"},
      {"github", "{verifier: github, secret: x}"},
      {"slack", "{verifier: slack, signing_secret: x}"},
      {"standard", "{verifier: standard, secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw}"},
      {"hmac", "{verifier: hmac, header: X-Sig, secret: x}"},
  };
  for (auto [name, yaml] : configs) {
    SourceConfig config(yaml);
    auto verifier = make_verifier(name, config.node());
    auto signer = make_signer(name, config.node());
    ASSERT_NE(verifier, nullptr) << name << ": " << config.error_text();
    ASSERT_NE(signer, nullptr) << name;
    FakeRequest req(signer->sign(R"({"id":"e1","type":"t"})", "", 1'700'000'000, "msg_1"));
    EXPECT_EQ(verifier->verify(req, 1'700'000'000), std::nullopt) << name;
    EXPECT_TRUE(verifier->parse(req).has_value()) << name;
  }
}

TEST(VerifierRegistry, LabelsEveryReason) {
  using R = VerifyFailure::Reason;
  EXPECT_EQ(reason_label(R::kMissing), "missing");
  EXPECT_EQ(reason_label(R::kMalformed), "malformed");
  EXPECT_EQ(reason_label(R::kMismatch), "mismatch");
  EXPECT_EQ(reason_label(R::kTimestamp), "timestamp");
}

}  // namespace
}  // namespace wharf::inbound
