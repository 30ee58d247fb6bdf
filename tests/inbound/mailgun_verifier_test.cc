#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/crypto.h"
#include "core/encoding.h"
#include "inbound/form.h"
#include "inbound/verifiers/mailgun.h"

namespace wharf::inbound {
namespace {

using Reason = VerifyFailure::Reason;

// Vector from Mailgun's official PHP SDK (mailgun/mailgun-php tests/Api/WebhookTest.php,
// testVerifyWebhookGood / testVerifyWebhookBad); the algorithm is the one in Mailgun's docs
// ("Securing webhooks"): hex(HMAC-SHA256(signing key, timestamp + token)).
constexpr std::string_view kKey = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";
constexpr std::string_view kTimestamp = "1403645220";
constexpr std::int64_t kNow = 1403645220;
constexpr std::string_view kToken = "5egbgr1vjgqxtrnp65xfznchgdccwh5d6i09vijqi3whgowmn6";
constexpr std::string_view kSignature =
    "9cfc5c41582e51246e73c88d34db3af0a3a2692a76fbab81492842f000256d33";
constexpr std::string_view kOtherToken = "owyldpe6nxhmrn78epljl6bj0orrki1u3d2v5e6cnlmmuox8jr";

class FakeRequest final : public RequestView {
 public:
  FakeRequest(std::string content_type, std::string body) : body_(std::move(body)) {
    if (!content_type.empty()) headers_.emplace_back("Content-Type", std::move(content_type));
  }
  std::string_view header(std::string_view name) const override {
    for (const auto& [k, v] : headers_) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return v;
      }
    }
    return {};
  }
  std::string_view body() const override { return body_; }

 private:
  std::string body_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

FakeRequest from_signed(const SignedRequest& s) { return FakeRequest(s.content_type, s.body); }

std::string json_body(std::string_view ts, std::string_view token, std::string_view sig,
                      std::string event_data = R"({"id":"ev-1","event":"delivered"})") {
  return R"({"signature":{"timestamp":")" + std::string(ts) + R"(","token":")" +
         std::string(token) + R"(","signature":")" + std::string(sig) + R"("},"event-data":)" +
         event_data + "}";
}

std::string urlencoded_body(std::string_view ts, std::string_view token, std::string_view sig) {
  return "recipient=a%40example.com&event=bounced&timestamp=" + std::string(ts) +
         "&token=" + std::string(token) + "&signature=" + std::string(sig);
}

std::string part(std::string_view name, std::string_view value) {
  return "--b0undary\r\nContent-Disposition: form-data; name=\"" + std::string(name) +
         "\"\r\n\r\n" + std::string(value) + "\r\n";
}

constexpr std::string_view kMultipartType = "multipart/form-data; boundary=b0undary";

// An inbound route's forward(): the message as form fields, one attachment.
std::string inbound_multipart(std::string_view ts, std::string_view token, std::string_view sig) {
  return part("recipient", "replies@mg.example.com") + part("from", "Ann <ann@example.org>") +
         part("subject", "Re: your application") + part("body-plain", "Thanks!\r\nAnn\r\n") +
         part("Message-Id", "<abc123@mail.example.org>") +
         part("In-Reply-To", "<orig-1@wharf.example.com>") +
         part("References", "<orig-1@wharf.example.com>") + part("timestamp", ts) +
         part("token", token) + part("signature", sig) +
         "--b0undary\r\nContent-Disposition: form-data; name=\"attachment-1\"; "
         "filename=\"cv.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 fake\r\n"
         "--b0undary--\r\n";
}

class SourceConfig {
 public:
  explicit SourceConfig(const std::string& yaml) : yaml_(YAML::Load(yaml)) {}
  ConfigNode node() { return ConfigNode(yaml_, "sources.mailgun", &errors_, &env_); }
  const ConfigErrors& errors() const { return errors_; }
  std::string all_errors() const {
    std::string out;
    for (const auto& m : errors_.messages()) out += m + "\n";
    return out;
  }

 private:
  YAML::Node yaml_;
  ConfigErrors errors_{"wharf.yaml"};
  EnvLookup env_ = process_env();
};

std::unique_ptr<Verifier> verifier_for(std::string_view key, std::string extra = "") {
  SourceConfig cfg("{verifier: mailgun, signing_key: \"" + std::string(key) + "\"" + extra + "}");
  auto v = make_mailgun_verifier(cfg.node());
  EXPECT_TRUE(cfg.errors().empty()) << cfg.all_errors();
  return v;
}

std::optional<Reason> failure_reason(const Verifier& v, const RequestView& req, std::int64_t now) {
  auto f = v.verify(req, now);
  if (!f) return std::nullopt;
  EXPECT_FALSE(f->message.empty());
  return f->reason;
}

boost::json::object payload_of(const Verifier& v, const RequestView& req) {
  auto out = v.parse(req);
  EXPECT_TRUE(out) << (out ? "" : out.error().message);
  if (!out || out->events.size() != 1) return {};
  return boost::json::parse(out->events[0].payload).as_object();
}

TEST(MailgunVerifier, AcceptsOfficialVectorInJsonBody) {
  auto v = verifier_for(kKey);
  ASSERT_TRUE(v);
  FakeRequest req("application/json", json_body(kTimestamp, kToken, kSignature));
  EXPECT_EQ(v->verify(req, kNow + 60), std::nullopt);
  auto out = v->parse(req);
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(out->events.size(), 1u);
  EXPECT_EQ(out->events[0].provider_event_id, "ev-1");
  EXPECT_EQ(out->events[0].type, "delivered");
  EXPECT_EQ(out->events[0].payload, req.body());  // the JSON body as received
  // The token is signed but the body is not: the store must refuse the token on another event.
  EXPECT_EQ(out->events[0].replay_nonce, kToken);
}

TEST(MailgunVerifier, AcceptsNumericTimestampAndUppercaseHex) {
  auto v = verifier_for(kKey);
  std::string upper(kSignature);
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  std::string body = R"({"signature":{"timestamp":1403645220,"token":")" + std::string(kToken) +
                     R"(","signature":")" + upper + R"("},"event-data":{}})";
  EXPECT_EQ(v->verify(FakeRequest("application/json; charset=utf-8", body), kNow), std::nullopt);
}

TEST(MailgunVerifier, AcceptsUrlencodedForm) {
  auto v = verifier_for(kKey);
  FakeRequest req("application/x-www-form-urlencoded",
                  urlencoded_body(kTimestamp, kToken, kSignature) + "&Message-Id=%3Cm1%40x%3E");
  EXPECT_EQ(v->verify(req, kNow), std::nullopt);
  auto out = v->parse(req);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->events[0].type, "bounced");  // the `event` field
  // A legacy event webhook is about a message: every event of that message carries its
  // Message-Id, so the per-delivery token identifies the event instead.
  EXPECT_EQ(out->events[0].provider_event_id, kToken);
  EXPECT_EQ(out->events[0].replay_nonce, kToken);
  auto payload = boost::json::parse(out->events[0].payload).as_object();
  EXPECT_EQ(payload.at("recipient").as_string(), "a@example.com");
}

TEST(MailgunVerifier, AcceptsMultipartInboundForm) {
  auto v = verifier_for(kKey);
  FakeRequest req(std::string(kMultipartType), inbound_multipart(kTimestamp, kToken, kSignature));
  EXPECT_EQ(v->verify(req, kNow), std::nullopt);
  auto out = v->parse(req);
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(out->events.size(), 1u);
  EXPECT_EQ(out->events[0].type, "inbound");
  EXPECT_EQ(out->events[0].provider_event_id, "<abc123@mail.example.org>");
  auto payload = boost::json::parse(out->events[0].payload).as_object();
  EXPECT_EQ(payload.at("from").as_string(), "Ann <ann@example.org>");
  EXPECT_EQ(payload.at("recipient").as_string(), "replies@mg.example.com");
  EXPECT_EQ(payload.at("subject").as_string(), "Re: your application");
  EXPECT_EQ(payload.at("body-plain").as_string(), "Thanks!\r\nAnn\r\n");
  EXPECT_EQ(payload.at("In-Reply-To").as_string(), "<orig-1@wharf.example.com>");
  EXPECT_EQ(payload.at("References").as_string(), "<orig-1@wharf.example.com>");
  const auto& attachments = payload.at("attachments").as_array();
  ASSERT_EQ(attachments.size(), 1u);
  EXPECT_EQ(attachments[0].at("field").as_string(), "attachment-1");
  EXPECT_EQ(attachments[0].at("filename").as_string(), "cv.pdf");
  EXPECT_EQ(attachments[0].at("content_type").as_string(), "application/pdf");
  EXPECT_EQ(attachments[0].at("size").to_number<int>(), 13);
  EXPECT_FALSE(payload.contains("attachment-1"));  // file content is not kept
}

TEST(MailgunVerifier, FindsMessageIdInLowercaseFieldOrMessageHeaders) {
  auto v = verifier_for(kKey);
  std::string sig =
      part("timestamp", kTimestamp) + part("token", kToken) + part("signature", kSignature);
  FakeRequest lower(std::string(kMultipartType),
                    sig + part("message-id", "<low@x>") + "--b0undary--");
  EXPECT_EQ(v->parse(lower)->events[0].provider_event_id, "<low@x>");
  FakeRequest headers(
      std::string(kMultipartType),
      sig + part("message-headers", R"([["Received","by x"],["Message-Id","<hdr@x>"]])") +
          "--b0undary--");
  EXPECT_EQ(v->parse(headers)->events[0].provider_event_id, "<hdr@x>");
  FakeRequest none(std::string(kMultipartType),
                   sig + part("message-headers", "not json") + "--b0undary--");
  EXPECT_EQ(v->parse(none)->events[0].provider_event_id, kToken);
}

TEST(MailgunVerifier, FallsBackToTokenForJsonWithoutEventId) {
  auto v = verifier_for(kKey);
  FakeRequest req("application/json", json_body(kTimestamp, kToken, kSignature, "{}"));
  auto out = v->parse(req);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->events[0].provider_event_id, kToken);
  EXPECT_EQ(out->events[0].type, "unknown");
}

TEST(MailgunVerifier, RejectsTamperedTokenAndWrongKey) {
  auto v = verifier_for(kKey);
  EXPECT_EQ(failure_reason(
                *v, FakeRequest("application/json", json_body(kTimestamp, kOtherToken, kSignature)),
                kNow),
            Reason::kMismatch);
  EXPECT_EQ(
      failure_reason(
          *v, FakeRequest("application/json", json_body("1403645221", kToken, kSignature)), kNow),
      Reason::kMismatch);
  auto wrong = verifier_for("key-someoneelse");
  EXPECT_EQ(failure_reason(*wrong,
                           FakeRequest(std::string(kMultipartType),
                                       inbound_multipart(kTimestamp, kToken, kSignature)),
                           kNow),
            Reason::kMismatch);
}

TEST(MailgunVerifier, AcceptsSecondKeyDuringRotation) {
  SourceConfig cfg("{verifier: mailgun, signing_key: [key-old, \"" + std::string(kKey) + "\"]}");
  auto v = make_mailgun_verifier(cfg.node());
  ASSERT_TRUE(v) << cfg.all_errors();
  EXPECT_EQ(
      v->verify(FakeRequest("application/json", json_body(kTimestamp, kToken, kSignature)), kNow),
      std::nullopt);
}

TEST(MailgunVerifier, RejectsStaleAndFutureTimestamps) {
  auto v = verifier_for(kKey);
  FakeRequest req("application/x-www-form-urlencoded",
                  urlencoded_body(kTimestamp, kToken, kSignature));
  EXPECT_EQ(v->verify(req, kNow + 300), std::nullopt);
  EXPECT_EQ(v->verify(req, kNow - 300), std::nullopt);
  EXPECT_EQ(failure_reason(*v, req, kNow + 301), Reason::kTimestamp);
  EXPECT_EQ(failure_reason(*v, req, kNow - 301), Reason::kTimestamp);
}

TEST(MailgunVerifier, ToleranceZeroDisablesTheTimestampCheck) {
  auto v = verifier_for(kKey, ", tolerance: 0");
  FakeRequest req("application/json", json_body(kTimestamp, kToken, kSignature));
  EXPECT_EQ(v->verify(req, kNow + 10LL * 365 * 86400), std::nullopt);
  auto minute = verifier_for(kKey, ", tolerance: 1m");
  EXPECT_EQ(failure_reason(*minute, req, kNow + 61), Reason::kTimestamp);
}

TEST(MailgunVerifier, RejectsMissingSignatureFields) {
  auto v = verifier_for(kKey);
  EXPECT_EQ(
      failure_reason(*v, FakeRequest("application/json", R"({"event-data":{"id":"x"}})"), kNow),
      Reason::kMissing);
  EXPECT_EQ(failure_reason(
                *v, FakeRequest("application/json", json_body(kTimestamp, "", kSignature)), kNow),
            Reason::kMissing);
  EXPECT_EQ(
      failure_reason(
          *v, FakeRequest("application/x-www-form-urlencoded", "timestamp=1403645220&token=abc"),
          kNow),
      Reason::kMissing);
  EXPECT_EQ(
      failure_reason(
          *v, FakeRequest(std::string(kMultipartType), part("from", "x") + "--b0undary--"), kNow),
      Reason::kMissing);
  // A signature field sent as a file part does not count.
  std::string file_sig = part("timestamp", kTimestamp) + part("token", kToken) +
                         "--b0undary\r\nContent-Disposition: form-data; name=\"signature\"; "
                         "filename=\"s\"\r\n\r\n" +
                         std::string(kSignature) + "\r\n--b0undary--";
  EXPECT_EQ(failure_reason(*v, FakeRequest(std::string(kMultipartType), file_sig), kNow),
            Reason::kMissing);
}

TEST(MailgunVerifier, RejectsMalformedSignatureAndTimestamp) {
  auto v = verifier_for(kKey);
  auto reason = [&](std::string body) {
    return failure_reason(*v, FakeRequest("application/json", std::move(body)), kNow);
  };
  EXPECT_EQ(reason(json_body("soon", kToken, kSignature)), Reason::kMalformed);
  EXPECT_EQ(reason(json_body("-1403645220", kToken, kSignature)), Reason::kMalformed);
  EXPECT_EQ(reason(json_body(kTimestamp, kToken, kSignature.substr(0, 63))), Reason::kMalformed);
  EXPECT_EQ(reason(json_body(kTimestamp, kToken, std::string(64, 'z'))), Reason::kMalformed);
  EXPECT_EQ(reason(json_body(kTimestamp, kToken, std::string(kSignature) + "00")),
            Reason::kMalformed);
  EXPECT_EQ(reason(R"({"signature":"abc"})"), Reason::kMalformed);
  EXPECT_EQ(reason(R"({"signature":{"timestamp":true,"token":"t","signature":"s"}})"),
            Reason::kMalformed);
}

TEST(MailgunVerifier, RejectsMalformedOrEmptyBodies) {
  auto v = verifier_for(kKey);
  EXPECT_EQ(failure_reason(*v, FakeRequest("application/json", ""), kNow), Reason::kMalformed);
  EXPECT_EQ(failure_reason(*v, FakeRequest("", ""), kNow), Reason::kMalformed);
  EXPECT_EQ(failure_reason(*v, FakeRequest("application/json", "[1,2]"), kNow), Reason::kMalformed);
  EXPECT_EQ(failure_reason(*v, FakeRequest("application/x-www-form-urlencoded", "a=%zz"), kNow),
            Reason::kMalformed);
  EXPECT_EQ(failure_reason(*v, FakeRequest("multipart/form-data", "--x--"), kNow),
            Reason::kMalformed);
  EXPECT_EQ(failure_reason(*v, FakeRequest("text/plain", "timestamp=1"), kNow), Reason::kMalformed);
  auto truncated = inbound_multipart(kTimestamp, kToken, kSignature);
  truncated.resize(truncated.size() - 20);
  EXPECT_EQ(failure_reason(*v, FakeRequest(std::string(kMultipartType), truncated), kNow),
            Reason::kMalformed);
  auto out = v->parse(FakeRequest("application/json", "{"));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Errc::kInvalidArgument);
}

TEST(MailgunVerifier, RejectsSignaturesMadeForOtherSchemes) {
  auto v = verifier_for(kKey);
  // A GitHub-style HMAC over the body in a header: Mailgun's fields are absent.
  FakeRequest github("application/json", R"({"event-data":{"id":"x"}})");
  EXPECT_EQ(failure_reason(*v, github, kNow), Reason::kMissing);
  // HMAC of the body instead of timestamp + token.
  std::string body_mac = encoding::hex_encode(crypto::hmac(crypto::Digest::kSha256, kKey, "{}"));
  EXPECT_EQ(failure_reason(
                *v, FakeRequest("application/json", json_body(kTimestamp, kToken, body_mac)), kNow),
            Reason::kMismatch);
  // A base64 (Stripe/Slack/SendGrid-style) signature in the field.
  std::string b64 = encoding::base64_encode(encoding::hex_decode(kSignature).value());
  EXPECT_EQ(
      failure_reason(*v, FakeRequest("application/json", json_body(kTimestamp, kToken, b64)), kNow),
      Reason::kMalformed);
}

TEST(MailgunVerifier, FailureMessagesDoNotEchoSecrets) {
  auto v = verifier_for(kKey);
  auto f = v->verify(
      FakeRequest("application/json", json_body(kTimestamp, kOtherToken, kSignature)), kNow);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->message.find("9cfc5c"), std::string::npos);
  EXPECT_EQ(f->message.find(kKey), std::string::npos);
}

TEST(MailgunVerifier, ReplacesInvalidUtf8InFormPayload) {
  auto v = verifier_for(kKey);
  auto subject = [&](std::string escaped) {
    std::string body = urlencoded_body(kTimestamp, kToken, kSignature) + "&subject=" + escaped;
    auto payload = payload_of(*v, FakeRequest("application/x-www-form-urlencoded", body));
    return payload.contains("subject") ? std::string(payload.at("subject").as_string()) : "?";
  };
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(subject("caf%E9+%C3%A9"), "caf" + fffd + " \xC3\xA9");  // Latin-1 byte, then UTF-8
  EXPECT_EQ(subject("%F0%9F%98%80"), "\xF0\x9F\x98\x80");           // 4-byte sequence kept
  EXPECT_EQ(subject("%C0%AF"), fffd + fffd);                        // overlong
  EXPECT_EQ(subject("%ED%A0%80"), fffd + fffd + fffd);              // surrogate
  EXPECT_EQ(subject("a%E2%82"), "a" + fffd + fffd);                 // truncated
}

TEST(MailgunVerifier, RejectsInvalidConfig) {
  {
    SourceConfig cfg("{verifier: mailgun}");
    EXPECT_EQ(make_mailgun_verifier(cfg.node()), nullptr);
    EXPECT_FALSE(cfg.errors().empty());
  }
  {
    SourceConfig cfg("{verifier: mailgun, signing_key: \"\"}");
    EXPECT_EQ(make_mailgun_verifier(cfg.node()), nullptr);
    EXPECT_FALSE(cfg.errors().empty());
  }
  {
    SourceConfig cfg("{verifier: mailgun, signing_key: k, tolerance: -5s, secret: x}");
    EXPECT_EQ(make_mailgun_verifier(cfg.node()), nullptr);
    EXPECT_EQ(cfg.errors().messages().size(), 2u) << cfg.all_errors();
  }
  {
    SourceConfig cfg("{verifier: mailgun}");
    EXPECT_EQ(make_mailgun_signer(cfg.node()), nullptr);
    EXPECT_FALSE(cfg.errors().empty());
  }
}

class MailgunRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    node_ = std::make_unique<ConfigNode>(yaml_, "sources.mailgun", &errors_, &env_);
    signer_ = make_mailgun_signer(*node_);
    verifier_ = make_mailgun_verifier(*node_);
    ASSERT_TRUE(signer_);
    ASSERT_TRUE(verifier_);
  }
  static constexpr std::int64_t kSignedAt = 1'700'000'000;

  YAML::Node yaml_ = YAML::Load("{verifier: mailgun, signing_key: [key-new, key-old]}");
  ConfigErrors errors_{"wharf.yaml"};
  EnvLookup env_ = process_env();
  std::unique_ptr<ConfigNode> node_;
  std::unique_ptr<Signer> signer_;
  std::unique_ptr<Verifier> verifier_;
};

TEST_F(MailgunRoundTrip, SignsJsonBody) {
  auto s = signer_->sign(R"({"event-data":{"id":"e9","event":"opened"}})", "application/json",
                         kSignedAt, "");
  auto req = from_signed(s);
  EXPECT_EQ(verifier_->verify(req, kSignedAt + 5), std::nullopt);
  EXPECT_EQ(failure_reason(*verifier_, req, kSignedAt + 301), Reason::kTimestamp);
  auto doc = boost::json::parse(s.body).as_object();
  const auto& sig = doc.at("signature").as_object();
  EXPECT_EQ(sig.at("timestamp").as_string(), "1700000000");
  EXPECT_EQ(sig.at("token").as_string().size(), 50u);
  auto out = verifier_->parse(req);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->events[0].provider_event_id, "e9");
  EXPECT_EQ(out->events[0].type, "opened");
}

TEST_F(MailgunRoundTrip, SignsEmptyBodyAsJsonWithFreshTokens) {
  auto a = signer_->sign("", "", kSignedAt, "");
  auto b = signer_->sign("", "", kSignedAt, "");
  EXPECT_EQ(a.content_type, "application/json");
  EXPECT_EQ(verifier_->verify(from_signed(a), kSignedAt), std::nullopt);
  EXPECT_NE(a.body, b.body);  // a new random token each time
}

TEST_F(MailgunRoundTrip, SignsUrlencodedBody) {
  auto s = signer_->sign("event=delivered&recipient=a%40b.c", "application/x-www-form-urlencoded",
                         kSignedAt, "");
  auto req = from_signed(s);
  EXPECT_EQ(verifier_->verify(req, kSignedAt), std::nullopt);
  auto fields = parse_urlencoded(s.body);
  ASSERT_TRUE(fields);
  EXPECT_EQ(find_field(*fields, "token")->value.size(), 50u);
  auto out = verifier_->parse(req);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->events[0].type, "delivered");
  EXPECT_EQ(out->events[0].provider_event_id, find_field(*fields, "token")->value);
}

TEST_F(MailgunRoundTrip, SignsMultipartBodyKeepingItsParts) {
  std::string body = part("from", "Ann <ann@example.org>") + part("Message-Id", "<m@x>") +
                     "--b0undary\r\nContent-Disposition: form-data; name=\"attachment-1\"; "
                     "filename=\"a.txt\"\r\n\r\nhello\r\n--b0undary--\r\n";
  auto s = signer_->sign(body, std::string(kMultipartType), kSignedAt, "");
  EXPECT_EQ(s.content_type, kMultipartType);
  auto req = from_signed(s);
  EXPECT_EQ(verifier_->verify(req, kSignedAt), std::nullopt);
  auto payload = payload_of(*verifier_, req);
  EXPECT_EQ(payload.at("from").as_string(), "Ann <ann@example.org>");
  EXPECT_EQ(payload.at("attachments").as_array().size(), 1u);
  EXPECT_EQ(verifier_->parse(req)->events[0].provider_event_id, "<m@x>");
}

TEST_F(MailgunRoundTrip, SignsMultipartWithoutBoundaryOrBody) {
  auto s = signer_->sign("", "multipart/form-data", kSignedAt, "");
  EXPECT_NE(s.content_type.find("boundary="), std::string::npos);
  EXPECT_EQ(verifier_->verify(from_signed(s), kSignedAt), std::nullopt);
}

TEST_F(MailgunRoundTrip, OnlyTheFirstKeySigns) {
  auto s = signer_->sign("", "application/json", kSignedAt, "");
  auto old_only = verifier_for("key-old");
  EXPECT_EQ(failure_reason(*old_only, from_signed(s), kSignedAt), Reason::kMismatch);
  auto new_only = verifier_for("key-new");
  EXPECT_EQ(new_only->verify(from_signed(s), kSignedAt), std::nullopt);
}

}  // namespace
}  // namespace wharf::inbound
