#include <gtest/gtest.h>

#include "core/crypto.h"
#include "core/encoding.h"
#include "inbound/verifiers/slack.h"
#include "support/verifier_test_support.h"

namespace wharf::inbound {
namespace {

using testing::FakeRequest;
using testing::SourceConfig;
using Reason = VerifyFailure::Reason;

// Slack's documented example ("Verifying requests from Slack", docs.slack.dev / api.slack.com).
constexpr std::string_view kDocSecret = "8f742231b10e8888abcd99yyyzzz85a5";
constexpr std::int64_t kDocTimestamp = 1531420618;
const std::string kDocBody =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&"
    "channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"
    "response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%"
    "2F96rGlfmibIGl"
    "gcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
constexpr std::string_view kDocSignature =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

constexpr std::int64_t kNow = 1'700'000'000;
const std::string kEvent =
    R"({"token":"t","team_id":"T1","type":"event_callback","event_id":"Ev08MFMKH6",)"
    R"("event":{"type":"app_mention","text":"hi","user":"U1"}})";

std::unique_ptr<Verifier> verifier(const std::string& yaml) {
  SourceConfig config(yaml);
  auto v = make_slack_verifier(config.node());
  EXPECT_NE(v, nullptr) << config.error_text();
  return v;
}

std::string sign(std::string_view secret, std::int64_t ts, std::string_view body) {
  return "v0=" +
         encoding::hex_encode(crypto::hmac(crypto::Digest::kSha256, secret,
                                           "v0:" + std::to_string(ts) + ":" + std::string(body)));
}

FakeRequest request(std::string sig, std::int64_t ts, std::string body = kEvent) {
  return FakeRequest(
      {{"X-Slack-Signature", std::move(sig)}, {"X-Slack-Request-Timestamp", std::to_string(ts)}},
      std::move(body));
}

TEST(SlackVerifier, AcceptsSlackDocumentedExample) {
  auto v = verifier("{verifier: slack, signing_secret: " + std::string(kDocSecret) + "}");
  auto req = request(std::string(kDocSignature), kDocTimestamp, kDocBody);
  EXPECT_EQ(v->verify(req, kDocTimestamp + 10), std::nullopt);
}

TEST(SlackVerifier, DocumentedExampleIsStaleToday) {
  auto v = verifier("{verifier: slack, signing_secret: " + std::string(kDocSecret) + "}");
  auto f = v->verify(request(std::string(kDocSignature), kDocTimestamp, kDocBody), kNow);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->reason, Reason::kTimestamp);
}

TEST(SlackVerifier, AcceptsSignatureFromRotatedSecret) {
  auto v = verifier("{verifier: slack, signing_secret: [first, second]}");
  EXPECT_EQ(v->verify(request(sign("second", kNow, kEvent), kNow), kNow), std::nullopt);
}

TEST(SlackVerifier, RejectsTamperedBodyAndWrongSecret) {
  auto v = verifier("{verifier: slack, signing_secret: s}");
  EXPECT_EQ(v->verify(request(sign("s", kNow, kEvent), kNow, kEvent + " "), kNow)->reason,
            Reason::kMismatch);
  auto f = v->verify(request(sign("t", kNow, kEvent), kNow), kNow);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->message, "no signature matches (checked 1 key)");
}

TEST(SlackVerifier, RejectsTimestampThatDiffersFromTheSignedOne) {
  auto v = verifier("{verifier: slack, signing_secret: s}");
  EXPECT_EQ(v->verify(request(sign("s", kNow, kEvent), kNow + 1), kNow)->reason, Reason::kMismatch);
}

TEST(SlackVerifier, RejectsStaleAndFarFutureTimestamps) {
  auto v = verifier("{verifier: slack, signing_secret: s}");
  for (std::int64_t ts : {kNow - 301, kNow + 301, std::int64_t{0}}) {
    auto f = v->verify(request(sign("s", ts, kEvent), ts), kNow);
    ASSERT_TRUE(f.has_value()) << ts;
    EXPECT_EQ(f->reason, Reason::kTimestamp) << ts;
  }
}

TEST(SlackVerifier, ToleranceZeroAcceptsOldTimestamp) {
  auto v = verifier("{verifier: slack, signing_secret: s, tolerance: 0}");
  EXPECT_EQ(v->verify(request(sign("s", 1'000'000'000, kEvent), 1'000'000'000), kNow),
            std::nullopt);
}

TEST(SlackVerifier, RejectsMissingHeaders) {
  auto v = verifier("{verifier: slack, signing_secret: s}");
  FakeRequest no_sig = request("", kNow);
  EXPECT_EQ(v->verify(no_sig, kNow)->reason, Reason::kMissing);
  EXPECT_EQ(v->verify(no_sig, kNow)->message, "missing X-Slack-Signature header");
  FakeRequest no_ts = request(sign("s", kNow, kEvent), kNow);
  no_ts.set("X-Slack-Request-Timestamp", "");
  EXPECT_EQ(v->verify(no_ts, kNow)->reason, Reason::kMalformed);
  EXPECT_EQ(v->verify(no_ts, kNow)->message, "missing X-Slack-Request-Timestamp header");
}

TEST(SlackVerifier, RejectsMalformedHeaders) {
  auto v = verifier("{verifier: slack, signing_secret: s}");
  std::string good = sign("s", kNow, kEvent);
  for (const std::string& sig :
       std::vector<std::string>{good.substr(3), "v1=" + good.substr(3), "v0=nothex", "v0="}) {
    auto f = v->verify(request(sig, kNow), kNow);
    ASSERT_TRUE(f.has_value()) << sig;
    EXPECT_EQ(f->reason, Reason::kMalformed) << sig;
  }
  FakeRequest bad_ts = request(good, kNow);
  bad_ts.set("X-Slack-Request-Timestamp", "1700000000.5");
  EXPECT_EQ(v->verify(bad_ts, kNow)->reason, Reason::kMalformed);
}

TEST(SlackVerifier, VerifiesEmptyBodyButCannotParseIt) {
  auto v = verifier("{verifier: slack, signing_secret: s}");
  FakeRequest req = request(sign("s", kNow, ""), kNow, "");
  EXPECT_EQ(v->verify(req, kNow), std::nullopt);
  EXPECT_FALSE(v->parse(req).has_value());
}

TEST(SlackVerifier, RejectsSignatureMadeForAnotherSourceOrScheme) {
  auto v = verifier("{verifier: slack, signing_secret: s}");
  auto other = testing::signer_from("slack", "{verifier: slack, signing_secret: other}");
  EXPECT_EQ(v->verify(FakeRequest(other->sign(kEvent, "", kNow, "")), kNow)->reason,
            Reason::kMismatch);
  auto github = testing::signer_from("github", "{verifier: github, secret: s}");
  EXPECT_EQ(v->verify(FakeRequest(github->sign(kEvent, "", kNow, "")), kNow)->reason,
            Reason::kMissing);
}

TEST(SlackVerifier, AnswersUrlVerificationChallengeAndStoresNothing) {
  auto v = verifier("{verifier: slack, signing_secret: s}");
  auto out = v->parse(request("", kNow,
                              R"({"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":)"
                              R"("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",)"
                              R"("type":"url_verification"})"));
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(out->events.empty());
  EXPECT_EQ(out->reply_json,
            R"({"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})");
  EXPECT_FALSE(v->parse(request("", kNow, R"({"type":"url_verification"})")).has_value());
}

TEST(SlackVerifier, ParsesEventCallback) {
  auto v = verifier("{verifier: slack, signing_secret: s}");
  auto out = v->parse(request("", kNow));
  ASSERT_TRUE(out.has_value());
  ASSERT_EQ(out->events.size(), 1u);
  EXPECT_EQ(out->events[0].provider_event_id, "Ev08MFMKH6");
  EXPECT_EQ(out->events[0].type, "app_mention");
  EXPECT_EQ(out->events[0].payload, kEvent);
  EXPECT_FALSE(out->reply_json.has_value());
}

TEST(SlackVerifier, ParsesTopLevelTypeWithoutEventAndHashesMissingId) {
  auto v = verifier("{verifier: slack, signing_secret: s}");
  std::string body = R"({"type":"app_rate_limited","minute_rate_limited":1518467820})";
  auto out = v->parse(request("", kNow, body));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->events[0].type, "app_rate_limited");
  EXPECT_EQ(out->events[0].provider_event_id.rfind("sha256:", 0), 0u);
  EXPECT_EQ(out->events[0].provider_event_id.size(), 7u + 64u);
}

TEST(SlackVerifier, ParsesInteractivePayloadAndSlashCommand) {
  auto v = verifier("{verifier: slack, signing_secret: s}");
  std::string interactive =
      "payload=" + encoding::url_encode(R"({"type":"block_actions","user":{"id":"U1"}})");
  auto out = v->parse(request("", kNow, interactive));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->events[0].type, "interactive");
  EXPECT_EQ(out->events[0].payload, interactive);
  EXPECT_EQ(out->events[0].provider_event_id.rfind("sha256:", 0), 0u);

  auto command = v->parse(request("", kNow, kDocBody));
  ASSERT_TRUE(command.has_value());
  EXPECT_EQ(command->events[0].type, "slash_command");

  EXPECT_FALSE(v->parse(request("", kNow, "payload=%zz")).has_value());
  EXPECT_FALSE(v->parse(request("", kNow, "{not json")).has_value());
}

TEST(SlackSigner, RoundTripsThroughVerifier) {
  auto signer = testing::signer_from("slack", "{verifier: slack, signing_secret: [a, b]}");
  ASSERT_NE(signer, nullptr);
  SignedRequest s = signer->sign(kEvent, "", kNow, "");
  FakeRequest req(s);
  EXPECT_EQ(req.header("X-Slack-Request-Timestamp"), "1700000000");
  EXPECT_EQ(req.header("X-Slack-Signature"), sign("a", kNow, kEvent));
  EXPECT_EQ(s.content_type, "application/json");
  EXPECT_EQ(verifier("{verifier: slack, signing_secret: a}")->verify(req, kNow + 5), std::nullopt);
}

TEST(SlackSigner, ReproducesSlackDocumentedExample) {
  auto signer = testing::signer_from(
      "slack", "{verifier: slack, signing_secret: " + std::string(kDocSecret) + "}");
  FakeRequest req(signer->sign(kDocBody, "application/x-www-form-urlencoded", kDocTimestamp, ""));
  EXPECT_EQ(req.header("X-Slack-Signature"), kDocSignature);
  EXPECT_EQ(req.header("Content-Type"), "application/x-www-form-urlencoded");
}

TEST(SlackVerifier, ReportsConfigErrors) {
  for (const std::string& yaml :
       std::vector<std::string>{"{verifier: slack}", "{verifier: slack, secret: s}",
                                "{verifier: slack, signing_secret: s, tolerance: -1s}"}) {
    SourceConfig config(yaml);
    EXPECT_EQ(make_slack_verifier(config.node()), nullptr) << yaml;
    EXPECT_FALSE(config.errors().empty()) << yaml;
  }
}

}  // namespace
}  // namespace wharf::inbound
