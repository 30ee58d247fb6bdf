#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/crypto.h"
#include "core/encoding.h"
#include "inbound/verifiers/sendgrid.h"

namespace wharf::inbound {
namespace {

using Reason = VerifyFailure::Reason;

// Vectors published in SendGrid's official SDK tests: sendgrid-nodejs
// packages/eventwebhook/src/eventwebhook.spec.js (the single-event one is also in sendgrid-python
// test/unit/test_eventwebhook.py). The payloads are byte-exact, trailing "\r\n" included.
constexpr std::string_view kKey =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+"
    "2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";
constexpr std::string_view kSignature =
    "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+"
    "luQAbPIqHh89M15TluLtEZtM=";
constexpr std::string_view kTimestamp = "1600112502";
constexpr std::int64_t kNow = 1600112502;
constexpr std::string_view kPayload =
    "[{\"email\":\"hello@world.com\",\"event\":\"dropped\",\"reason\":\"Bounced Address\","
    "\"sg_event_id\":\"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA\","
    "\"sg_message_id\":\"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9."
    "0\",\"smtp-id\":\"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>\","
    "\"timestamp\":1600112492}]\r\n";
// The "invalid key" and "bad signature" of the same tests.
constexpr std::string_view kOtherKey =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7a"
    "NDthvj+y7GjUuFDb/R1NGe1OPzpA==";
constexpr std::string_view kBadSignature =
    "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH3j/"
    "0=";

constexpr std::string_view kMultiKey =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQ4LIFtWztlsF7skFqOncjD1lun4H5w8XOhyOArHW9RcIx/FfEzx6cikC/"
    "yPfUvwaX/JScE7Fc9CJD2afQ9Ok3Q==";
constexpr std::string_view kMultiSignature =
    "MEYCIQC/I4o6vCgqRYrTljjoVWB/"
    "GRWNtxeePlLMHr3x9ETeRQIhAIpV+03nREPTTHWSW0wIOA0EoMPdcNgXa70yCaqDJlu5";
constexpr std::string_view kMultiTimestamp = "1619651159";
constexpr std::string_view kMultiPayload =
    "[{\"email\":\"invalid@gmail.com\",\"event\":\"processed\",\"send_at\":0,"
    "\"sg_event_id\":\"cHJvY2Vzc2VkLTE5OTQyMTEyLXFOd0JMZ1BRUWpXNkRKdktRd1NBYnctMA\","
    "\"sg_message_id\":\"qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56."
    "0\","
    "\"smtp-id\":\"<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>\","
    "\"timestamp\":1619651146},\r\n"
    "{\"email\":\"invalid@gmail.com\",\"event\":\"bounce\",\"ip\":\"167.89.101.76\","
    "\"reason\":\"552 5.2.2 The email account that you tried to reach is over quota and inactive. "
    "Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm "
    "c17si1130468pgv.34 - gsmtp\","
    "\"sg_event_id\":\"Ym91bmNlLTAtMTk5NDIxMTItcU53QkxnUFFRalc2REp2S1F3U0Fidy0w\","
    "\"sg_message_id\":\"qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56."
    "0\","
    "\"smtp-id\":\"<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>\",\"status\":\"5.2.2\","
    "\"timestamp\":1619651147,\"tls\":1,\"type\":\"blocked\"}]\r\n";

// The first published vector (an earlier eventwebhook.spec.js): a single JSON object body.
constexpr std::string_view kObjectKey =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhH"
    "PTnlvFYPAZFceEu/1FwCM/QmGUhA==";
constexpr std::string_view kObjectSignature =
    "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/"
    "0=";
constexpr std::string_view kObjectPayload =
    "{\"category\":\"example_payload\",\"event\":\"test_event\",\"message_id\":\"message_id\"}";

class FakeRequest final : public RequestView {
 public:
  explicit FakeRequest(std::string body) : body_(std::move(body)) {}
  FakeRequest& with(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
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

FakeRequest signed_request(std::string_view body, std::string_view sig, std::string_view ts) {
  FakeRequest req{std::string(body)};
  req.with("x-twilio-email-event-webhook-signature", std::string(sig))
      .with("X-Twilio-Email-Event-Webhook-Timestamp", std::string(ts));
  return req;
}

// A source's config map parsed from YAML, with its own error list.
class SourceConfig {
 public:
  explicit SourceConfig(const std::string& yaml) : yaml_(YAML::Load(yaml)) {}
  ConfigNode node() { return ConfigNode(yaml_, "sources.sendgrid", &errors_, &env_); }
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
  SourceConfig cfg("{verifier: sendgrid, public_key: \"" + std::string(key) + "\"" + extra + "}");
  auto v = make_sendgrid_verifier(cfg.node());
  EXPECT_TRUE(cfg.errors().empty()) << cfg.all_errors();
  return v;
}

std::optional<Reason> failure_reason(const Verifier& v, const RequestView& req, std::int64_t now) {
  auto f = v.verify(req, now);
  if (!f) return std::nullopt;
  EXPECT_FALSE(f->message.empty());
  return f->reason;
}

TEST(SendGridVerifier, AcceptsOfficialSingleEventVector) {
  auto v = verifier_for(kKey);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->verify(signed_request(kPayload, kSignature, kTimestamp), kNow + 60), std::nullopt);
}

TEST(SendGridVerifier, AcceptsOfficialMultiEventVectorAndSplitsIt) {
  auto v = verifier_for(kMultiKey);
  ASSERT_TRUE(v);
  auto req = signed_request(kMultiPayload, kMultiSignature, kMultiTimestamp);
  EXPECT_EQ(v->verify(req, 1619651159), std::nullopt);
  auto out = v->parse(req);
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(out->events.size(), 2u);
  EXPECT_EQ(out->events[0].provider_event_id,
            "cHJvY2Vzc2VkLTE5OTQyMTEyLXFOd0JMZ1BRUWpXNkRKdktRd1NBYnctMA");
  EXPECT_EQ(out->events[0].type, "processed");
  EXPECT_EQ(out->events[1].provider_event_id,
            "Ym91bmNlLTAtMTk5NDIxMTItcU53QkxnUFFRalc2REp2S1F3U0Fidy0w");
  EXPECT_EQ(out->events[1].type, "bounce");
  EXPECT_EQ(boost::json::parse(out->events[1].payload).at("status").as_string(), "5.2.2");
  EXPECT_FALSE(out->reply_json);
}

TEST(SendGridVerifier, AcceptsOfficialObjectPayloadVector) {
  auto v = verifier_for(kObjectKey);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->verify(signed_request(kObjectPayload, kObjectSignature, "1588788367"), 1588788367),
            std::nullopt);
}

TEST(SendGridVerifier, RejectsPayloadWithoutItsTrailingCrlf) {
  auto v = verifier_for(kKey);
  std::string_view trimmed = kPayload.substr(0, kPayload.size() - 2);
  EXPECT_EQ(failure_reason(*v, signed_request(trimmed, kSignature, kTimestamp), kNow),
            Reason::kMismatch);
}

TEST(SendGridVerifier, RejectsTamperedBody) {
  auto v = verifier_for(kKey);
  std::string body(kPayload);
  body.replace(body.find("dropped"), 7, "dropper");
  EXPECT_EQ(failure_reason(*v, signed_request(body, kSignature, kTimestamp), kNow),
            Reason::kMismatch);
  EXPECT_EQ(failure_reason(*v, signed_request("payload", kSignature, kTimestamp), kNow),
            Reason::kMismatch);
}

TEST(SendGridVerifier, RejectsEmptyBody) {
  auto v = verifier_for(kKey);
  EXPECT_EQ(failure_reason(*v, signed_request("", kSignature, kTimestamp), kNow),
            Reason::kMismatch);
}

TEST(SendGridVerifier, RejectsWrongKeyAndBadSignature) {
  auto wrong = verifier_for(kOtherKey);
  EXPECT_EQ(failure_reason(*wrong, signed_request(kPayload, kSignature, kTimestamp), kNow),
            Reason::kMismatch);
  auto v = verifier_for(kKey);
  EXPECT_EQ(failure_reason(*v, signed_request(kPayload, kBadSignature, kTimestamp), kNow),
            Reason::kMismatch);
}

TEST(SendGridVerifier, RejectsSignatureUnderAnotherTimestamp) {
  auto v = verifier_for(kKey);
  EXPECT_EQ(failure_reason(*v, signed_request(kPayload, kSignature, "1600112501"), kNow),
            Reason::kMismatch);
}

TEST(SendGridVerifier, AcceptsSecondKeyDuringRotation) {
  SourceConfig cfg("{verifier: sendgrid, public_key: [\"" + std::string(kOtherKey) + "\", \"" +
                   std::string(kKey) + "\"]}");
  auto v = make_sendgrid_verifier(cfg.node());
  ASSERT_TRUE(v) << cfg.all_errors();
  EXPECT_EQ(v->verify(signed_request(kPayload, kSignature, kTimestamp), kNow), std::nullopt);
}

TEST(SendGridVerifier, RejectsStaleAndFutureTimestamps) {
  auto v = verifier_for(kKey);
  auto req = signed_request(kPayload, kSignature, kTimestamp);
  EXPECT_EQ(v->verify(req, kNow + 300), std::nullopt);
  EXPECT_EQ(v->verify(req, kNow - 300), std::nullopt);
  EXPECT_EQ(failure_reason(*v, req, kNow + 301), Reason::kTimestamp);
  EXPECT_EQ(failure_reason(*v, req, kNow - 301), Reason::kTimestamp);
  EXPECT_EQ(failure_reason(*v, req, 1'900'000'000), Reason::kTimestamp);
}

TEST(SendGridVerifier, HonoursConfiguredTolerance) {
  auto strict = verifier_for(kKey, ", tolerance: 10s");
  auto req = signed_request(kPayload, kSignature, kTimestamp);
  EXPECT_EQ(strict->verify(req, kNow + 10), std::nullopt);
  EXPECT_EQ(failure_reason(*strict, req, kNow + 11), Reason::kTimestamp);
  auto off = verifier_for(kKey, ", tolerance: 0");
  EXPECT_EQ(off->verify(req, kNow + 10LL * 365 * 86400), std::nullopt);
  EXPECT_EQ(off->verify(req, 0), std::nullopt);
}

TEST(SendGridVerifier, RejectsMissingHeaders) {
  auto v = verifier_for(kKey);
  FakeRequest no_sig{std::string(kPayload)};
  no_sig.with("X-Twilio-Email-Event-Webhook-Timestamp", std::string(kTimestamp));
  EXPECT_EQ(failure_reason(*v, no_sig, kNow), Reason::kMissing);
  FakeRequest no_ts{std::string(kPayload)};
  no_ts.with("X-Twilio-Email-Event-Webhook-Signature", std::string(kSignature));
  EXPECT_EQ(failure_reason(*v, no_ts, kNow), Reason::kMissing);
  EXPECT_EQ(failure_reason(*v, FakeRequest{std::string(kPayload)}, kNow), Reason::kMissing);
}

TEST(SendGridVerifier, RejectsMalformedSignatureAndTimestamp) {
  auto v = verifier_for(kKey);
  for (std::string_view ts :
       {"timestamp", "-1600112502", " 1600112502", "1600112502.5", "99999999999999999999"}) {
    EXPECT_EQ(failure_reason(*v, signed_request(kPayload, kSignature, ts), kNow),
              Reason::kMalformed)
        << ts;
  }
  std::string not_der = encoding::base64_encode("definitely not a DER signature");
  for (std::string_view sig :
       {std::string_view("not base64!"), std::string_view(not_der), std::string_view("MEUCIGHQ")}) {
    EXPECT_EQ(failure_reason(*v, signed_request(kPayload, sig, kTimestamp), kNow),
              Reason::kMalformed)
        << sig;
  }
}

TEST(SendGridVerifier, RejectsSignaturesMadeForOtherSchemes) {
  auto v = verifier_for(kKey);
  // Ed25519 (Standard Webhooks v1a): 64 raw bytes, not DER.
  auto ed = crypto::PrivateKey::generate_ed25519();
  std::string ed_sig =
      encoding::base64_encode(ed.sign(std::string(kTimestamp) + std::string(kPayload)));
  EXPECT_EQ(failure_reason(*v, signed_request(kPayload, ed_sig, kTimestamp), kNow),
            Reason::kMalformed);
  // A hex HMAC (Mailgun/GitHub style) in the signature header.
  std::string hmac =
      encoding::hex_encode(crypto::hmac(crypto::Digest::kSha256, "secret", kPayload));
  EXPECT_EQ(failure_reason(*v, signed_request(kPayload, hmac, kTimestamp), kNow),
            Reason::kMalformed);
  // A Stripe-style header instead of SendGrid's.
  FakeRequest stripe{std::string(kPayload)};
  stripe.with("Stripe-Signature", "t=1600112502,v1=" + hmac);
  EXPECT_EQ(failure_reason(*v, stripe, kNow), Reason::kMissing);
}

TEST(SendGridVerifier, FailureMessagesDoNotEchoTheSignature) {
  auto v = verifier_for(kKey);
  auto f = v->verify(signed_request(kPayload, kBadSignature, kTimestamp), kNow);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->message.find(kBadSignature.substr(0, 12)), std::string::npos);
}

TEST(SendGridVerifier, ParsesEventsWithFallbackIdAndType) {
  auto v = verifier_for(kKey);
  FakeRequest req{R"([{"sg_event_id":"e1","event":"open","n":1},{"email":"a@b.c"}])"};
  auto out = v->parse(req);
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(out->events.size(), 2u);
  EXPECT_EQ(out->events[0].provider_event_id, "e1");
  EXPECT_EQ(out->events[0].type, "open");
  EXPECT_EQ(out->events[0].payload, R"({"sg_event_id":"e1","event":"open","n":1})");
  const std::string second = R"({"email":"a@b.c"})";
  EXPECT_EQ(out->events[1].payload, second);
  EXPECT_EQ(out->events[1].type, "unknown");
  EXPECT_EQ(out->events[1].provider_event_id,
            "sha256:" + encoding::hex_encode(crypto::sha256(second)));
}

TEST(SendGridVerifier, ParsesEmptyArrayAsNoEvents) {
  auto v = verifier_for(kKey);
  auto out = v->parse(FakeRequest{" [ ]\r\n"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->events.empty());
}

TEST(SendGridVerifier, RejectsMalformedBodies) {
  auto v = verifier_for(kKey);
  for (const char* body : {"", "{\"event\":\"open\"}", "[1]", "[{\"event\":\"open\"}, []]",
                           "[{\"event\":", "not json", "[{}] trailing"}) {
    auto out = v->parse(FakeRequest{body});
    ASSERT_FALSE(out) << body;
    EXPECT_EQ(out.error().code, Errc::kInvalidArgument);
  }
}

TEST(SendGridVerifier, RejectsInvalidConfig) {
  {
    SourceConfig cfg("{verifier: sendgrid}");
    EXPECT_EQ(make_sendgrid_verifier(cfg.node()), nullptr);
    EXPECT_FALSE(cfg.errors().empty());
  }
  {
    SourceConfig cfg("{verifier: sendgrid, public_key: \"not*base64\"}");
    EXPECT_EQ(make_sendgrid_verifier(cfg.node()), nullptr);
    EXPECT_NE(cfg.all_errors().find("public_key"), std::string::npos) << cfg.all_errors();
  }
  {
    std::string truncated(kKey.substr(0, 40));
    SourceConfig cfg("{verifier: sendgrid, public_key: [\"" + std::string(kKey) + "\", \"" +
                     truncated + "\"]}");
    EXPECT_EQ(make_sendgrid_verifier(cfg.node()), nullptr);
    EXPECT_FALSE(cfg.errors().empty());
  }
  {
    auto ed = encoding::base64_encode(crypto::PrivateKey::generate_ed25519().public_spki_der());
    SourceConfig cfg("{verifier: sendgrid, public_key: \"" + ed + "\"}");
    EXPECT_EQ(make_sendgrid_verifier(cfg.node()), nullptr);
    EXPECT_NE(cfg.all_errors().find("P-256"), std::string::npos) << cfg.all_errors();
  }
  {
    SourceConfig cfg("{verifier: sendgrid, public_key: \"" + std::string(kKey) +
                     "\", tolerance: soon, publickey: x}");
    EXPECT_EQ(make_sendgrid_verifier(cfg.node()), nullptr);
    EXPECT_EQ(cfg.errors().messages().size(), 2u) << cfg.all_errors();
  }
}

TEST(SendGridVerifier, AcceptsPemPublicKey) {
  std::string pem = "-----BEGIN PUBLIC KEY-----\n" + std::string(kKey.substr(0, 64)) + "\n" +
                    std::string(kKey.substr(64)) + "\n-----END PUBLIC KEY-----\n";
  YAML::Node yaml;
  yaml["verifier"] = "sendgrid";
  yaml["public_key"] = pem;
  ConfigErrors errors("wharf.yaml");
  EnvLookup env = process_env();
  auto v = make_sendgrid_verifier(ConfigNode(yaml, "sources.sendgrid", &errors, &env));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->verify(signed_request(kPayload, kSignature, kTimestamp), kNow), std::nullopt);
}

TEST(SendGridSigner, RoundTripsThroughTheVerifier) {
  auto key = crypto::PrivateKey::generate_p256();
  YAML::Node yaml;
  yaml["verifier"] = "sendgrid";
  yaml["public_key"] = encoding::base64_encode(key.public_spki_der());
  yaml["signing_key"] = key.to_pem();
  ConfigErrors errors("wharf.yaml");
  EnvLookup env = process_env();
  ConfigNode node(yaml, "sources.sendgrid", &errors, &env);
  auto signer = make_sendgrid_signer(node);
  auto v = make_sendgrid_verifier(node);
  ASSERT_TRUE(signer);
  ASSERT_TRUE(v);
  std::string body = "[{\"event\":\"delivered\",\"sg_event_id\":\"x1\"}]\r\n";
  SignedRequest signed_req = signer->sign(body, "", 1'700'000'000, "msg_1");
  EXPECT_EQ(signed_req.body, body);
  EXPECT_EQ(signed_req.content_type, "application/json");
  FakeRequest req{signed_req.body};
  for (const auto& [k, val] : signed_req.headers) req.with(k, val);
  EXPECT_EQ(v->verify(req, 1'700'000'100), std::nullopt);
  EXPECT_EQ(failure_reason(*v, req, 1'700'000'301), Reason::kTimestamp);
  auto out = v->parse(req);
  ASSERT_TRUE(out);
  ASSERT_EQ(out->events.size(), 1u);
  EXPECT_EQ(out->events[0].provider_event_id, "x1");
}

TEST(SendGridSigner, RejectsMissingOrWrongSigningKey) {
  auto make = [](YAML::Node yaml, ConfigErrors& errors) {
    EnvLookup env = process_env();
    return make_sendgrid_signer(ConfigNode(yaml, "sources.sendgrid", &errors, &env));
  };
  {
    ConfigErrors errors("wharf.yaml");
    EXPECT_EQ(make(YAML::Load("{verifier: sendgrid}"), errors), nullptr);
    EXPECT_FALSE(errors.empty());
  }
  {
    ConfigErrors errors("wharf.yaml");
    EXPECT_EQ(make(YAML::Load("{verifier: sendgrid, signing_key: nope}"), errors), nullptr);
    EXPECT_FALSE(errors.empty());
  }
  {
    ConfigErrors errors("wharf.yaml");
    YAML::Node yaml;
    yaml["signing_key"] = crypto::PrivateKey::generate_ed25519().to_pem();
    EXPECT_EQ(make(yaml, errors), nullptr);
    ASSERT_FALSE(errors.empty());
    EXPECT_EQ(errors.messages()[0].find("BEGIN"), std::string::npos);  // no key material echoed
  }
}

}  // namespace
}  // namespace wharf::inbound
