#include <gtest/gtest.h>

#include "core/crypto.h"
#include "core/encoding.h"
#include "inbound/verifiers/hmac.h"
#include "support/verifier_test_support.h"

namespace wharf::inbound {
namespace {

using testing::FakeRequest;
using testing::SourceConfig;
using Reason = VerifyFailure::Reason;

constexpr std::int64_t kNow = 1'700'000'000;
const std::string kBody = R"({"type":"order.created","id":"o_1"})";
// Expected MACs of kBody under "generic-secret", computed independently with Python's hmac module.
const std::string kSha256Hex = "bb1c5d6bfad77d07f421f7b4d8a9de010af9c92f4c5ae5546b5ec4cf926ba795";
const std::string kSha1Hex = "be8454b07d42ab3332cede84d3b8e03aa15a2a0f";
const std::string kSha512Base64 =
    "XiYhac8fmD4EBdX+oWMJv0iJK6IZyNovZAHL88u+hcF5mo3CFaqH9UtZYMEHPa1KnRRVY8EZE3tJGFZKVbNlBA==";
// Of "1700000000." + kBody.
const std::string kTimestampedSha256Hex =
    "d7494b91871dbef37accae59dbe91c3b849b7ec455190d50900bbb05504cf097";

std::unique_ptr<Verifier> verifier(const std::string& yaml) {
  SourceConfig config(yaml);
  auto v = make_hmac_verifier(config.node());
  EXPECT_NE(v, nullptr) << config.error_text();
  return v;
}

FakeRequest request(std::string header, std::string value, std::string body = kBody) {
  return FakeRequest({{std::move(header), std::move(value)}}, std::move(body));
}

TEST(HmacVerifier, AcceptsIndependentlyComputedSha256HexWithPrefix) {
  auto v =
      verifier("{verifier: hmac, header: X-Signature, prefix: 'sha256=', secret: generic-secret}");
  EXPECT_EQ(v->verify(request("x-signature", "sha256=" + kSha256Hex), kNow), std::nullopt);
}

TEST(HmacVerifier, SupportsSha1AndSha512Base64) {
  auto sha1 = verifier("{verifier: hmac, header: X-Sig, algorithm: sha1, secret: generic-secret}");
  EXPECT_EQ(sha1->verify(request("X-Sig", kSha1Hex), kNow), std::nullopt);
  auto sha512 = verifier(
      "{verifier: hmac, header: X-Sig, algorithm: sha512, encoding: base64, secret: "
      "generic-secret}");
  EXPECT_EQ(sha512->verify(request("X-Sig", kSha512Base64), kNow), std::nullopt);
  // The same MAC in the other encoding does not pass.
  EXPECT_EQ(
      sha1->verify(request("X-Sig", encoding::base64_encode(*encoding::hex_decode(kSha1Hex))), kNow)
          ->reason,
      Reason::kMalformed);
}

TEST(HmacVerifier, AcceptsSignatureFromRotatedSecret) {
  auto v = verifier("{verifier: hmac, header: X-Sig, secret: [old, generic-secret]}");
  EXPECT_EQ(v->verify(request("X-Sig", kSha256Hex), kNow), std::nullopt);
}

TEST(HmacVerifier, AcceptsAnyOfSeveralSignaturesInTheHeader) {
  auto v = verifier("{verifier: hmac, header: X-Sig, prefix: 'sha256=', secret: generic-secret}");
  std::string other(64, 'a');
  EXPECT_EQ(v->verify(request("X-Sig", "sha256=" + other + ", sha256=" + kSha256Hex), kNow),
            std::nullopt);
  EXPECT_EQ(v->verify(request("X-Sig", "sha256=" + other + " sha256=" + kSha256Hex), kNow),
            std::nullopt);
}

TEST(HmacVerifier, RejectsTamperedBodyAndWrongSecret) {
  auto v = verifier("{verifier: hmac, header: X-Sig, secret: generic-secret}");
  EXPECT_EQ(v->verify(request("X-Sig", kSha256Hex, kBody + " "), kNow)->reason, Reason::kMismatch);
  auto wrong = verifier("{verifier: hmac, header: X-Sig, secret: [a, b, c]}");
  auto f = wrong->verify(request("X-Sig", kSha256Hex), kNow);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->message, "no signature matches (checked 3 keys)");
}

TEST(HmacVerifier, SignsTimestampAndEnforcesToleranceWhenConfigured) {
  auto v = verifier(
      "{verifier: hmac, header: X-Sig, timestamp_header: X-Timestamp, secret: generic-secret}");
  FakeRequest req({{"X-Sig", kTimestampedSha256Hex}, {"X-Timestamp", "1700000000"}}, kBody);
  EXPECT_EQ(v->verify(req, kNow), std::nullopt);
  EXPECT_EQ(v->verify(req, kNow + 301)->reason, Reason::kTimestamp);  // stale
  EXPECT_EQ(v->verify(req, kNow - 301)->reason, Reason::kTimestamp);  // far future
  // The body-only MAC is not accepted when a timestamp is part of the scheme.
  FakeRequest untimed({{"X-Sig", kSha256Hex}, {"X-Timestamp", "1700000000"}}, kBody);
  EXPECT_EQ(v->verify(untimed, kNow)->reason, Reason::kMismatch);
  FakeRequest no_ts({{"X-Sig", kTimestampedSha256Hex}}, kBody);
  EXPECT_EQ(v->verify(no_ts, kNow)->reason, Reason::kMalformed);
  EXPECT_EQ(v->verify(no_ts, kNow)->message, "missing X-Timestamp header");
}

TEST(HmacVerifier, ToleranceZeroAcceptsOldTimestamp) {
  auto v = verifier(
      "{verifier: hmac, header: X-Sig, timestamp_header: X-Timestamp, tolerance: 0, "
      "secret: generic-secret}");
  FakeRequest req({{"X-Sig", kTimestampedSha256Hex}, {"X-Timestamp", "1700000000"}}, kBody);
  EXPECT_EQ(v->verify(req, kNow + 86'400 * 30), std::nullopt);
}

TEST(HmacVerifier, RejectsMissingAndMalformedHeaders) {
  auto v = verifier("{verifier: hmac, header: X-Sig, prefix: 'sha256=', secret: generic-secret}");
  auto missing = v->verify(FakeRequest({}, kBody), kNow);
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->reason, Reason::kMissing);
  EXPECT_EQ(missing->message, "missing X-Sig header");
  for (const std::string& value :
       std::vector<std::string>{kSha256Hex, "sha256=", "sha256=xyz", "sha1=" + kSha256Hex}) {
    auto f = v->verify(request("X-Sig", value), kNow);
    ASSERT_TRUE(f.has_value()) << value;
    EXPECT_EQ(f->reason, Reason::kMalformed) << value;
  }
}

TEST(HmacVerifier, VerifiesEmptyBody) {
  auto v = verifier("{verifier: hmac, header: X-Sig, secret: generic-secret}");
  std::string mac =
      encoding::hex_encode(crypto::hmac(crypto::Digest::kSha256, "generic-secret", ""));
  EXPECT_EQ(v->verify(request("X-Sig", mac, ""), kNow), std::nullopt);
  EXPECT_EQ(v->verify(request("X-Sig", kSha256Hex, ""), kNow)->reason, Reason::kMismatch);
}

TEST(HmacVerifier, RejectsSignatureMadeForAnotherSourceOrScheme) {
  auto v = verifier("{verifier: hmac, header: X-Hub-Signature-256, prefix: 'sha256=', secret: s}");
  auto other = testing::signer_from("hmac",
                                    "{verifier: hmac, header: X-Hub-Signature-256, "
                                    "prefix: 'sha256=', secret: t}");
  EXPECT_EQ(v->verify(FakeRequest(other->sign(kBody, "", kNow, "")), kNow)->reason,
            Reason::kMismatch);
  // GitHub's scheme is this one with those settings: its signature verifies.
  auto github = testing::signer_from("github", "{verifier: github, secret: s}");
  EXPECT_EQ(v->verify(FakeRequest(github->sign(kBody, "", kNow, "")), kNow), std::nullopt);
  auto slack = testing::signer_from("slack", "{verifier: slack, signing_secret: s}");
  EXPECT_EQ(v->verify(FakeRequest(slack->sign(kBody, "", kNow, "")), kNow)->reason,
            Reason::kMissing);
}

TEST(HmacVerifier, ParsesDefaultsFromJson) {
  auto v = verifier("{verifier: hmac, header: X-Sig, secret: s}");
  auto out = v->parse(request("X-Sig", "", kBody));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->events[0].type, "order.created");
  EXPECT_EQ(out->events[0].provider_event_id,
            "sha256:" + encoding::hex_encode(crypto::sha256(kBody)));
  auto text = v->parse(request("X-Sig", "", "plain text"));
  ASSERT_TRUE(text.has_value());  // a body need not be JSON when no field is read from it
  EXPECT_EQ(text->events[0].type, "unknown");
}

TEST(HmacVerifier, ParsesIdAndTypeFromConfiguredFieldsOrHeaders) {
  auto fields =
      verifier("{verifier: hmac, header: X-Sig, secret: s, id_field: event_id, type_field: kind}");
  auto out = fields->parse(request("X-Sig", "", R"({"event_id":12345,"kind":"paid"})"));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->events[0].provider_event_id, "12345");
  EXPECT_EQ(out->events[0].type, "paid");
  EXPECT_FALSE(fields->parse(request("X-Sig", "", R"({"kind":"paid"})")).has_value());
  EXPECT_FALSE(fields->parse(request("X-Sig", "", "not json")).has_value());

  auto headers = verifier(
      "{verifier: hmac, header: X-Sig, secret: s, id_header: X-Event-Id, type_header: X-Event}");
  FakeRequest req({{"X-Event-Id", "e-9"}, {"X-Event", "thing.happened"}}, "anything");
  auto h = headers->parse(req);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->events[0].provider_event_id, "e-9");
  EXPECT_EQ(h->events[0].type, "thing.happened");
  auto missing = headers->parse(FakeRequest({}, kBody));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message, "missing X-Event-Id header");
}

TEST(HmacSigner, RoundTripsWithEveryOption) {
  std::string yaml =
      "{verifier: hmac, header: X-Sig, algorithm: sha512, encoding: base64, prefix: 'v1=', "
      "secret: [generic-secret, old], timestamp_header: X-Ts, id_header: X-Id, type_header: "
      "X-Type}";
  auto signer = testing::signer_from("hmac", yaml);
  ASSERT_NE(signer, nullptr);
  FakeRequest req(signer->sign(kBody, "", kNow, "m-1"));
  EXPECT_EQ(req.header("X-Ts"), "1700000000");
  EXPECT_EQ(req.header("X-Id"), "m-1");
  EXPECT_EQ(req.header("X-Type"), "order.created");
  EXPECT_EQ(req.header("X-Sig"),
            "v1=" + encoding::base64_encode(crypto::hmac(crypto::Digest::kSha512, "generic-secret",
                                                         "1700000000." + kBody)));
  auto v = verifier(yaml);
  EXPECT_EQ(v->verify(req, kNow), std::nullopt);
  EXPECT_EQ(v->parse(req)->events[0].provider_event_id, "m-1");
}

TEST(HmacSigner, ReproducesIndependentVector) {
  auto signer = testing::signer_from(
      "hmac", "{verifier: hmac, header: X-Signature, prefix: 'sha256=', secret: generic-secret}");
  FakeRequest req(signer->sign(kBody, "", kNow, ""));
  EXPECT_EQ(req.header("X-Signature"), "sha256=" + kSha256Hex);
}

TEST(HmacVerifier, ReportsConfigErrors) {
  for (const std::string& yaml : std::vector<std::string>{
           "{verifier: hmac, secret: s}",
           "{verifier: hmac, header: X-Sig}",
           "{verifier: hmac, header: X-Sig, secret: s, algorithm: md5}",
           "{verifier: hmac, header: X-Sig, secret: s, encoding: base32}",
           "{verifier: hmac, header: X-Sig, secret: s, id_header: A, id_field: b}",
           "{verifier: hmac, header: X-Sig, secret: s, headr: X}",
       }) {
    SourceConfig config(yaml);
    EXPECT_EQ(make_hmac_verifier(config.node()), nullptr) << yaml;
    EXPECT_FALSE(config.errors().empty()) << yaml;
  }
}

}  // namespace
}  // namespace wharf::inbound
