#include <gtest/gtest.h>

#include "core/crypto.h"
#include "core/encoding.h"
#include "inbound/verifiers/stripe.h"
#include "support/verifier_test_support.h"

namespace wharf::inbound {
namespace {

using testing::FakeRequest;
using testing::SourceConfig;
using Reason = VerifyFailure::Reason;

constexpr std::int64_t kNow = 1'700'000'000;
const std::string kBody = R"({"id":"evt_1NqL2x2eZvKYlo2C","object":"event","type":"invoice.paid"})";

std::unique_ptr<Verifier> verifier(const std::string& yaml) {
  SourceConfig config(yaml);
  auto v = make_stripe_verifier(config.node());
  EXPECT_NE(v, nullptr) << config.error_text();
  return v;
}

std::string v1(std::string_view secret, std::int64_t ts, std::string_view body) {
  return encoding::hex_encode(
      crypto::hmac(crypto::Digest::kSha256, secret, std::to_string(ts) + "." + std::string(body)));
}

FakeRequest request(std::string header, std::string body = kBody) {
  return FakeRequest({{"Stripe-Signature", std::move(header)}}, std::move(body));
}

// Computed independently with Python's hmac module: the key is the whole secret, `whsec_` included,
// over "t.body" — the framing Stripe's SDKs use (constructEvent / generateTestHeaderString).
TEST(StripeVerifier, AcceptsIndependentlyComputedSignature) {
  auto v = verifier("{verifier: stripe, secret: whsec_test_secret}");
  auto req =
      request("t=1700000000,v1=f1a58e29714eda977fa8a798c8da8e453fd7965a88708a954a35be1ede4ff298");
  EXPECT_EQ(v->verify(req, kNow), std::nullopt);
}

TEST(StripeVerifier, AcceptsSignatureFromRotatedSecret) {
  auto v = verifier("{verifier: stripe, secret: [whsec_old, whsec_new]}");
  auto req = request("t=1700000000,v1=" + v1("whsec_new", kNow, kBody));
  EXPECT_EQ(v->verify(req, kNow), std::nullopt);
}

TEST(StripeVerifier, AcceptsAnyOfSeveralV1SignaturesAndIgnoresV0) {
  auto v = verifier("{verifier: stripe, secret: whsec_new}");
  auto req = request("t=1700000000,v1=" + v1("whsec_old", kNow, kBody) +
                     ",v1=" + v1("whsec_new", kNow, kBody) + ",v0=" + std::string(64, 'a'));
  EXPECT_EQ(v->verify(req, kNow), std::nullopt);
}

TEST(StripeVerifier, RejectsTamperedBody) {
  auto v = verifier("{verifier: stripe, secret: whsec_s}");
  auto req = request("t=1700000000,v1=" + v1("whsec_s", kNow, kBody), kBody + " ");
  auto f = v->verify(req, kNow);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->reason, Reason::kMismatch);
  EXPECT_EQ(f->message, "no signature matches (checked 1 key)");
}

TEST(StripeVerifier, RejectsWrongSecretWithoutEchoingIt) {
  auto v = verifier("{verifier: stripe, secret: [whsec_a, whsec_b]}");
  auto req = request("t=1700000000,v1=" + v1("whsec_c", kNow, kBody));
  auto f = v->verify(req, kNow);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->reason, Reason::kMismatch);
  EXPECT_EQ(f->message, "no signature matches (checked 2 keys)");
  EXPECT_EQ(f->message.find("whsec"), std::string::npos);
  EXPECT_EQ(f->message.find(v1("whsec_a", kNow, kBody)), std::string::npos);
}

TEST(StripeVerifier, RejectsStaleTimestamp) {
  auto v = verifier("{verifier: stripe, secret: whsec_s}");
  std::int64_t ts = kNow - 301;
  auto f = v->verify(request("t=" + std::to_string(ts) + ",v1=" + v1("whsec_s", ts, kBody)), kNow);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->reason, Reason::kTimestamp);
  EXPECT_EQ(f->message, "timestamp outside tolerance of 300s");
}

TEST(StripeVerifier, AcceptsTimestampAtTheEdgeOfTolerance) {
  auto v = verifier("{verifier: stripe, secret: whsec_s, tolerance: 5m}");
  std::int64_t ts = kNow - 300;
  EXPECT_EQ(v->verify(request("t=" + std::to_string(ts) + ",v1=" + v1("whsec_s", ts, kBody)), kNow),
            std::nullopt);
}

TEST(StripeVerifier, RejectsFarFutureTimestamp) {
  auto v = verifier("{verifier: stripe, secret: whsec_s, tolerance: 60s}");
  std::int64_t ts = kNow + 61;
  auto f = v->verify(request("t=" + std::to_string(ts) + ",v1=" + v1("whsec_s", ts, kBody)), kNow);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->reason, Reason::kTimestamp);
  EXPECT_EQ(f->message, "timestamp outside tolerance of 60s");
}

TEST(StripeVerifier, ToleranceZeroAcceptsOldTimestamp) {
  auto v = verifier("{verifier: stripe, secret: whsec_s, tolerance: 0}");
  std::int64_t ts = 1'500'000'000;
  EXPECT_EQ(v->verify(request("t=" + std::to_string(ts) + ",v1=" + v1("whsec_s", ts, kBody)), kNow),
            std::nullopt);
}

TEST(StripeVerifier, RejectsMissingHeader) {
  auto v = verifier("{verifier: stripe, secret: whsec_s}");
  auto f = v->verify(FakeRequest({}, kBody), kNow);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->reason, Reason::kMissing);
  EXPECT_EQ(f->message, "missing Stripe-Signature header");
}

TEST(StripeVerifier, RejectsMalformedHeaders) {
  auto v = verifier("{verifier: stripe, secret: whsec_s}");
  std::string good = v1("whsec_s", kNow, kBody);
  for (const std::string& header :
       std::vector<std::string>{"garbage", "v1=" + good, "t=abc,v1=" + good, "t=-5,v1=" + good,
                                "t=1700000000", "t=1700000000,v0=" + good, "t=1700000000,v1=zz"}) {
    auto f = v->verify(request(header), kNow);
    ASSERT_TRUE(f.has_value()) << header;
    EXPECT_EQ(f->reason, Reason::kMalformed) << header;
  }
}

TEST(StripeVerifier, VerifiesAnEmptyBodyOnlyWhenSignedEmpty) {
  auto v = verifier("{verifier: stripe, secret: whsec_s}");
  EXPECT_EQ(v->verify(request("t=1700000000,v1=" + v1("whsec_s", kNow, ""), ""), kNow),
            std::nullopt);
  auto f = v->verify(request("t=1700000000,v1=" + v1("whsec_s", kNow, kBody), ""), kNow);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->reason, Reason::kMismatch);
}

TEST(StripeVerifier, RejectsSignatureMadeForAnotherSource) {
  auto other = testing::signer_from("stripe", "{verifier: stripe, secret: whsec_other_account}");
  auto v = verifier("{verifier: stripe, secret: whsec_this_account}");
  FakeRequest req(other->sign(kBody, "", kNow, ""));
  ASSERT_TRUE(v->verify(req, kNow).has_value());
  EXPECT_EQ(v->verify(req, kNow)->reason, Reason::kMismatch);
}

TEST(StripeVerifier, RejectsSignatureMadeForAnotherScheme) {
  // Same secret, but signed the GitHub way: the Stripe header is simply absent.
  auto github = testing::signer_from("github", "{verifier: github, secret: whsec_s}");
  auto v = verifier("{verifier: stripe, secret: whsec_s}");
  auto f = v->verify(FakeRequest(github->sign(kBody, "", kNow, "d-1")), kNow);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->reason, Reason::kMissing);
}

TEST(StripeSigner, ProducesStripeHeaderThatVerifies) {
  auto signer = testing::signer_from("stripe", "{verifier: stripe, secret: [whsec_a, whsec_b]}");
  ASSERT_NE(signer, nullptr);
  SignedRequest signed_request = signer->sign(kBody, "", kNow, "");
  ASSERT_EQ(signed_request.headers.size(), 1u);
  EXPECT_EQ(signed_request.headers[0].first, "Stripe-Signature");
  EXPECT_EQ(signed_request.headers[0].second, "t=1700000000,v1=" + v1("whsec_a", kNow, kBody));
  EXPECT_EQ(signed_request.content_type, "application/json; charset=utf-8");
  EXPECT_EQ(signed_request.body, kBody);
  auto v = verifier("{verifier: stripe, secret: [whsec_b, whsec_a]}");
  EXPECT_EQ(v->verify(FakeRequest(signed_request), kNow + 10), std::nullopt);
}

TEST(StripeVerifier, ParsesIdAndType) {
  auto v = verifier("{verifier: stripe, secret: whsec_s}");
  auto out = v->parse(request("", kBody));
  ASSERT_TRUE(out.has_value());
  ASSERT_EQ(out->events.size(), 1u);
  EXPECT_EQ(out->events[0].provider_event_id, "evt_1NqL2x2eZvKYlo2C");
  EXPECT_EQ(out->events[0].type, "invoice.paid");
  EXPECT_EQ(out->events[0].payload, kBody);
  EXPECT_FALSE(out->reply_json.has_value());
}

TEST(StripeVerifier, ParseFallsBackToContentHashAndUnknownType) {
  auto v = verifier("{verifier: stripe, secret: whsec_s}");
  auto out = v->parse(request("", "{}"));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->events[0].provider_event_id,
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  EXPECT_EQ(out->events[0].type, "unknown");
}

TEST(StripeVerifier, ParseRejectsBodiesThatAreNotJsonObjects) {
  auto v = verifier("{verifier: stripe, secret: whsec_s}");
  for (std::string body : std::vector<std::string>{"", "not json", "[1,2]", "{\"id\":"}) {
    auto out = v->parse(request("", body));
    ASSERT_FALSE(out.has_value()) << body;
    EXPECT_EQ(out.error().code, Errc::kInvalidArgument);
  }
}

TEST(StripeVerifier, ReportsConfigErrors) {
  for (std::string yaml :
       std::vector<std::string>{"{verifier: stripe}", "{verifier: stripe, secret: ''}",
                                "{verifier: stripe, secret: whsec_s, secrt: x}",
                                "{verifier: stripe, secret: whsec_s, tolerance: soon}",
                                "{verifier: stripe, secret: []}"}) {
    SourceConfig config(yaml);
    EXPECT_EQ(make_stripe_verifier(config.node()), nullptr) << yaml;
    EXPECT_FALSE(config.errors().empty()) << yaml;
  }
}

}  // namespace
}  // namespace wharf::inbound
