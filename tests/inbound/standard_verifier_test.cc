#include <gtest/gtest.h>

#include "core/crypto.h"
#include "core/encoding.h"
#include "inbound/verifiers/standard.h"
#include "support/verifier_test_support.h"

namespace wharf::inbound {
namespace {

using testing::FakeRequest;
using testing::SourceConfig;
using Reason = VerifyFailure::Reason;

// The Standard Webhooks reference vector (standard-webhooks/standard-webhooks,
// libraries/python/tests/test_webhooks.py `test_sign_function`; the Svix libraries test the same).
const std::string kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string kMsgId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t kTimestamp = 1614265330;
const std::string kPayload = R"({"test": 2432232314})";
const std::string kSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

// v1a (Ed25519) over the same content with the RFC 8032 §7.1 TEST 1 key; computed independently
// with `openssl pkeyutl -sign -rawin` and Python's `cryptography` (Ed25519 signatures are
// deterministic).
const std::string kPublicKey = "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
const std::string kSigningKey = "whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
const std::string kSigningKey64 =
    "whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2DXWpgBgrEKt9VL/tPJZAc6DuFy89qmIyWvAhpo9wdRGg==";
const std::string kV1a =
    "v1a,fldxM4gAKugP6nnt1hdz3sgGfZ6d99nzrMFnZOELIxbzEHoVmAb2ADpkJK7zgPePmPsle0zV9jSeGlHFG2NVAw==";

std::unique_ptr<Verifier> verifier(const std::string& yaml) {
  SourceConfig config(yaml);
  auto v = make_standard_verifier(config.node());
  EXPECT_NE(v, nullptr) << config.error_text();
  return v;
}

FakeRequest request(std::string signature, std::int64_t ts = kTimestamp,
                    std::string body = kPayload, std::string prefix = "webhook-") {
  return FakeRequest({{prefix + "id", kMsgId},
                      {prefix + "timestamp", std::to_string(ts)},
                      {prefix + "signature", std::move(signature)}},
                     std::move(body));
}

std::string v1(std::string_view secret_b64, std::int64_t ts, std::string_view body) {
  auto key = encoding::base64_decode(secret_b64).value();
  return "v1," + encoding::base64_encode(
                     crypto::hmac(crypto::Digest::kSha256, key,
                                  kMsgId + "." + std::to_string(ts) + "." + std::string(body)));
}

TEST(StandardVerifier, AcceptsReferenceVector) {
  auto v = verifier("{verifier: standard, secret: " + kSecret + "}");
  EXPECT_EQ(v->verify(request(kSignature), kTimestamp), std::nullopt);
}

TEST(StandardVerifier, AcceptsSvixHeaders) {
  auto v = verifier("{verifier: standard, secret: " + kSecret + "}");
  EXPECT_EQ(v->verify(request(kSignature, kTimestamp, kPayload, "svix-"), kTimestamp),
            std::nullopt);
}

TEST(StandardVerifier, RejectsReferenceVectorWithOneBitChanged) {
  auto v = verifier("{verifier: standard, secret: " + kSecret + "}");
  auto f = v->verify(request("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="), kTimestamp);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->reason, Reason::kMismatch);
}

// As the reference libraries' test_multi_sig_payload_is_valid: unknown versions are skipped.
TEST(StandardVerifier, AcceptsAnyOfSeveralSignaturesAndSkipsUnknownVersions) {
  auto v = verifier("{verifier: standard, secret: " + kSecret + "}");
  std::string header =
      "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "
      "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " +
      kSignature + " v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
  EXPECT_EQ(v->verify(request(header), kTimestamp), std::nullopt);
}

TEST(StandardVerifier, AcceptsSignatureFromRotatedSecret) {
  auto v = verifier("{verifier: standard, secret: [whsec_b2xkLXNlY3JldC1rZXk=, " + kSecret + "]}");
  auto f = v->verify(request(kSignature), kTimestamp);
  EXPECT_EQ(f, std::nullopt);
}

TEST(StandardVerifier, RejectsTamperedBodyAndWrongSecret) {
  auto v = verifier("{verifier: standard, secret: " + kSecret + "}");
  EXPECT_EQ(
      v->verify(request(kSignature, kTimestamp, R"({"test": 2432232315})"), kTimestamp)->reason,
      Reason::kMismatch);
  auto wrong = verifier("{verifier: standard, secret: whsec_b2xkLXNlY3JldC1rZXk=}");
  auto f = wrong->verify(request(kSignature), kTimestamp);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->message, "no signature matches (checked 1 key)");
}

TEST(StandardVerifier, RejectsSignatureReplayedWithAnotherId) {
  auto v = verifier("{verifier: standard, secret: " + kSecret + "}");
  FakeRequest req = request(kSignature);
  req.set("webhook-id", "msg_other");
  EXPECT_EQ(v->verify(req, kTimestamp)->reason, Reason::kMismatch);
}

TEST(StandardVerifier, RejectsStaleAndFarFutureTimestamps) {
  auto v = verifier("{verifier: standard, secret: " + kSecret + "}");
  std::string b64 = kSecret.substr(6);
  for (std::int64_t ts : {kTimestamp - 301, kTimestamp + 301}) {
    auto f = v->verify(request(v1(b64, ts, kPayload), ts), kTimestamp);
    ASSERT_TRUE(f.has_value()) << ts;
    EXPECT_EQ(f->reason, Reason::kTimestamp) << ts;
    EXPECT_EQ(f->message, "timestamp outside tolerance of 300s");
  }
  EXPECT_EQ(v->verify(request(v1(b64, kTimestamp + 300, kPayload), kTimestamp + 300), kTimestamp),
            std::nullopt);
}

TEST(StandardVerifier, ToleranceZeroAcceptsOldTimestamp) {
  auto v = verifier("{verifier: standard, secret: " + kSecret + ", tolerance: 0}");
  EXPECT_EQ(v->verify(request(kSignature), kTimestamp + 86'400 * 365), std::nullopt);
}

TEST(StandardVerifier, RejectsMissingHeaders) {
  auto v = verifier("{verifier: standard, secret: " + kSecret + "}");
  auto no_sig = v->verify(request(""), kTimestamp);
  ASSERT_TRUE(no_sig.has_value());
  EXPECT_EQ(no_sig->reason, Reason::kMissing);
  EXPECT_EQ(no_sig->message, "missing webhook-signature header");
  FakeRequest no_id = request(kSignature);
  no_id.set("webhook-id", "");
  EXPECT_EQ(v->verify(no_id, kTimestamp)->message, "missing webhook-id header");
  FakeRequest no_ts = request(kSignature);
  no_ts.set("webhook-timestamp", "");
  EXPECT_EQ(v->verify(no_ts, kTimestamp)->reason, Reason::kMalformed);
}

TEST(StandardVerifier, RejectsMalformedHeaders) {
  auto v = verifier("{verifier: standard, secret: " + kSecret + "}");
  FakeRequest bad_ts = request(kSignature);
  bad_ts.set("webhook-timestamp", "hello");
  EXPECT_EQ(v->verify(bad_ts, kTimestamp)->reason, Reason::kMalformed);
  for (const std::string& sig : std::vector<std::string>{"garbage", "v2,abc", "g0hM9SsE+OTPJTGt"}) {
    auto f = v->verify(request(sig), kTimestamp);
    ASSERT_TRUE(f.has_value()) << sig;
    EXPECT_EQ(f->reason, Reason::kMalformed) << sig;
  }
  std::string many;
  for (int i = 0; i < 17; ++i) many += kSignature + " ";
  EXPECT_EQ(v->verify(request(many), kTimestamp)->reason, Reason::kMalformed);
}

TEST(StandardVerifier, VerifiesEmptyBody) {
  auto v = verifier("{verifier: standard, secret: " + kSecret + "}");
  std::string sig = v1(kSecret.substr(6), kTimestamp, "");
  EXPECT_EQ(v->verify(request(sig, kTimestamp, ""), kTimestamp), std::nullopt);
  EXPECT_FALSE(v->parse(request(sig, kTimestamp, "")).has_value());
}

TEST(StandardVerifier, RejectsSignatureMadeForAnotherScheme) {
  // The same HMAC key and content, but Stripe-style framing and header.
  auto v = verifier("{verifier: standard, secret: " + kSecret + "}");
  auto stripe = testing::signer_from("stripe", "{verifier: stripe, secret: " + kSecret + "}");
  FakeRequest req(stripe->sign(kPayload, "", kTimestamp, kMsgId));
  EXPECT_EQ(v->verify(req, kTimestamp)->reason, Reason::kMissing);
}

TEST(StandardVerifier, AcceptsEd25519V1a) {
  auto v = verifier("{verifier: standard, public_key: \"" + kPublicKey + "\"}");
  EXPECT_EQ(v->verify(request(kV1a), kTimestamp), std::nullopt);
  EXPECT_EQ(v->verify(request(kV1a, kTimestamp, kPayload + " "), kTimestamp)->reason,
            Reason::kMismatch);
  // An HMAC signature does not satisfy a public-key-only source.
  EXPECT_EQ(v->verify(request(kSignature), kTimestamp)->reason, Reason::kMismatch);
}

TEST(StandardVerifier, AcceptsEitherSchemeWhenBothAreConfigured) {
  auto v =
      verifier("{verifier: standard, secret: " + kSecret + ", public_key: \"" + kPublicKey + "\"}");
  EXPECT_EQ(v->verify(request(kV1a), kTimestamp), std::nullopt);
  EXPECT_EQ(v->verify(request(kSignature), kTimestamp), std::nullopt);
  EXPECT_EQ(v->verify(request("v1,AAAA " + kV1a), kTimestamp), std::nullopt);
}

TEST(StandardVerifier, AcceptsV1aFromRotatedPublicKey) {
  auto other = crypto::PrivateKey::generate_ed25519();
  auto v = verifier("{verifier: standard, public_key: [\"whpk_" +
                    encoding::base64_encode(other.public_raw()) + "\", \"" + kPublicKey + "\"]}");
  EXPECT_EQ(v->verify(request(kV1a), kTimestamp), std::nullopt);
}

TEST(StandardVerifier, ParsesWebhookIdAndType) {
  auto v = verifier("{verifier: standard, secret: " + kSecret + "}");
  std::string body =
      R"({"type":"invoice.paid","timestamp":"2022-11-03T20:26:10.344522Z","data":{}})";
  auto out = v->parse(request("", kTimestamp, body));
  ASSERT_TRUE(out.has_value());
  ASSERT_EQ(out->events.size(), 1u);
  EXPECT_EQ(out->events[0].provider_event_id, kMsgId);
  EXPECT_EQ(out->events[0].type, "invoice.paid");
  EXPECT_EQ(out->events[0].payload, body);
  auto untyped = v->parse(request("", kTimestamp, kPayload, "svix-"));
  ASSERT_TRUE(untyped.has_value());
  EXPECT_EQ(untyped->events[0].type, "unknown");
  EXPECT_EQ(untyped->events[0].provider_event_id, kMsgId);
}

TEST(StandardVerifier, ParseRequiresIdHeaderAndJson) {
  auto v = verifier("{verifier: standard, secret: " + kSecret + "}");
  FakeRequest no_id = request("");
  no_id.set("webhook-id", "");
  auto out = v->parse(no_id);
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, Errc::kInvalidArgument);
  EXPECT_FALSE(v->parse(request("", kTimestamp, "nope")).has_value());
}

TEST(StandardSigner, ReproducesReferenceVector) {
  auto signer = testing::signer_from("standard", "{verifier: standard, secret: " + kSecret + "}");
  ASSERT_NE(signer, nullptr);
  FakeRequest req(signer->sign(kPayload, "", kTimestamp, kMsgId));
  EXPECT_EQ(req.header("webhook-id"), kMsgId);
  EXPECT_EQ(req.header("webhook-timestamp"), "1614265330");
  EXPECT_EQ(req.header("webhook-signature"), kSignature);
  EXPECT_EQ(req.header("Content-Type"), "application/json");
}

TEST(StandardSigner, SignsV1aWithSeedOrSeedAndPublicKey) {
  for (const std::string& key : {kSigningKey, kSigningKey64}) {
    std::string yaml =
        "{verifier: standard, public_key: \"" + kPublicKey + "\", signing_key: \"" + key + "\"}";
    auto signer = testing::signer_from("standard", yaml);
    ASSERT_NE(signer, nullptr) << key;
    FakeRequest req(signer->sign(kPayload, "", kTimestamp, kMsgId));
    EXPECT_EQ(req.header("webhook-signature"), kV1a);
    EXPECT_EQ(verifier(yaml)->verify(req, kTimestamp), std::nullopt);
  }
}

TEST(StandardSigner, GeneratesMessageIdsAndRoundTrips) {
  auto signer = testing::signer_from("standard", "{verifier: standard, secret: " + kSecret + "}");
  FakeRequest a(signer->sign(kPayload, "", kTimestamp, ""));
  FakeRequest b(signer->sign(kPayload, "", kTimestamp, ""));
  EXPECT_EQ(a.header("webhook-id").rfind("msg_", 0), 0u);
  EXPECT_NE(a.header("webhook-id"), b.header("webhook-id"));
  auto v = verifier("{verifier: standard, secret: " + kSecret + "}");
  EXPECT_EQ(v->verify(a, kTimestamp), std::nullopt);
}

TEST(StandardSigner, NeedsASigningKeyMatchingAPublicKey) {
  SourceConfig missing("{verifier: standard, public_key: \"" + kPublicKey + "\"}");
  EXPECT_EQ(make_standard_signer(missing.node()), nullptr);
  EXPECT_NE(missing.error_text().find("signing_key"), std::string::npos);
  auto other = crypto::PrivateKey::generate_ed25519();
  SourceConfig mismatched("{verifier: standard, public_key: \"" + kPublicKey +
                          "\", signing_key: \"whsk_" + encoding::base64_encode(other.public_raw()) +
                          "\"}");
  EXPECT_EQ(make_standard_signer(mismatched.node()), nullptr);
}

TEST(StandardVerifier, ReportsConfigErrors) {
  for (const std::string& yaml : std::vector<std::string>{
           "{verifier: standard}",
           "{verifier: standard, secret: MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw}",
           "{verifier: standard, secret: whsec_not*base64}",
           "{verifier: standard, secret: whsec_}",
           "{verifier: standard, public_key: whpk_AAAA}",
           "{verifier: standard, public_key: \"" + kPublicKey.substr(5) + "\"}",
           "{verifier: standard, secret: " + kSecret + ", signing_key: whsk_AAAA}",
           "{verifier: standard, secret: " + kSecret + ", header: x}",
       }) {
    SourceConfig config(yaml);
    EXPECT_EQ(make_standard_verifier(config.node()), nullptr) << yaml;
    EXPECT_FALSE(config.errors().empty()) << yaml;
    EXPECT_EQ(config.error_text().find("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), std::string::npos)
        << yaml;
  }
}

}  // namespace
}  // namespace wharf::inbound
