#include "cli/samples.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>
#include <set>

#include "core/config_node.h"
#include "core/crypto.h"
#include "core/encoding.h"
#include "inbound/form.h"
#include "inbound/verifier.h"
#include "support/verifier_test_support.h"

namespace wharf::cli {
namespace {

namespace json = boost::json;
constexpr std::int64_t kNow = 1'700'000'000;

Sample make(std::string_view verifier, std::string_view type, std::uint64_t seed = 7) {
  SampleContext ctx(seed, kNow);
  auto r = make_sample(verifier, type, ctx);
  if (!r) ADD_FAILURE() << verifier << " " << type << ": " << r.error().message;
  return r ? *r : Sample{};
}

json::object parse_object(const Sample& s) { return json::parse(s.body).as_object(); }

std::string str(const json::value& v) { return std::string(v.as_string()); }

bool starts_with(const json::value& v, std::string_view prefix) {
  return v.is_string() && v.as_string().starts_with(prefix);
}

std::string header(const Sample& s, std::string_view name) {
  for (const auto& [n, v] : s.headers) {
    if (n == name) return v;
  }
  return {};
}

// The type a sample of `type` is expected to carry (any-type schemes are tried with this one).
std::string_view concrete(std::string_view verifier, std::string_view type) {
  return sample_accepts_any_type(verifier) ? std::string_view("invoice.paid") : type;
}

TEST(SampleTypes, EveryVerifierHasTypesAndEveryTypeBuilds) {
  ASSERT_FALSE(sample_verifiers().empty());
  for (auto v : sample_verifiers()) {
    ASSERT_FALSE(sample_types(v).empty()) << v;
    for (auto t : sample_types(v)) {
      Sample s = make(v, t);
      EXPECT_FALSE(s.body.empty()) << v << " " << t;
      EXPECT_FALSE(s.content_type.empty()) << v << " " << t;
      EXPECT_FALSE(s.message_id.empty()) << v << " " << t;
      if (s.content_type.starts_with("application/json")) {
        boost::system::error_code ec;
        json::parse(s.body, ec);
        EXPECT_FALSE(ec) << v << " " << t << ": " << s.body;
      }
    }
  }
}

TEST(SampleTypes, UnknownVerifierIsNotFound) {
  SampleContext ctx(1, kNow);
  auto r = make_sample("carrier-pigeon", "coo", ctx);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kNotFound);
  EXPECT_TRUE(sample_types("carrier-pigeon").empty());
}

TEST(SampleTypes, UnknownTypeListsTheKnownOnes) {
  SampleContext ctx(1, kNow);
  auto r = make_sample("stripe", "charge.refunded", ctx);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_NE(r.error().message.find("charge.refunded"), std::string::npos);
  EXPECT_NE(r.error().message.find("invoice.payment_failed"), std::string::npos);
}

TEST(SampleTypes, AnyTypeSchemesAcceptAnyWellFormedType) {
  SampleContext ctx(1, kNow);
  EXPECT_TRUE(make_sample("standard", "user.created", ctx));
  EXPECT_TRUE(make_sample("hmac", "order:shipped/v2", ctx));
  EXPECT_FALSE(make_sample("standard", "", ctx));
  EXPECT_FALSE(make_sample("hmac", "bad \"type\"", ctx));
}

TEST(StripeSample, IsAFullEventEnvelope) {
  for (auto t : sample_types("stripe")) {
    Sample s = make("stripe", t);
    json::object e = parse_object(s);
    EXPECT_TRUE(starts_with(e["id"], "evt_")) << t;
    EXPECT_EQ(str(e["id"]), s.message_id);
    EXPECT_EQ(str(e["object"]), "event");
    EXPECT_FALSE(e["api_version"].as_string().empty());
    EXPECT_EQ(e["created"].as_int64(), kNow);
    EXPECT_FALSE(e["livemode"].as_bool());
    EXPECT_EQ(str(e["type"]), t);
    EXPECT_TRUE(e["data"].at("object").is_object()) << t;
    EXPECT_TRUE(starts_with(e["data"].at("object").at("customer"), "cus_")) << t;
  }
}

TEST(StripeSample, SubscriptionsCarryCustomerPriceStatusAndPeriod) {
  for (std::string_view t : {"customer.subscription.created", "customer.subscription.updated",
                             "customer.subscription.deleted"}) {
    json::object sub = parse_object(make("stripe", t))["data"].at("object").as_object();
    EXPECT_EQ(str(sub["object"]), "subscription");
    EXPECT_TRUE(starts_with(sub["id"], "sub_"));
    EXPECT_TRUE(starts_with(sub["customer"], "cus_"));
    EXPECT_TRUE(starts_with(sub["items"].at("data").at(0).at("price").at("id"), "price_"));
    EXPECT_GT(sub["current_period_end"].as_int64(), kNow);
    EXPECT_EQ(str(sub["status"]), t.ends_with("deleted") ? "canceled" : "active");
  }
  json::object updated =
      parse_object(make("stripe", "customer.subscription.updated"))["data"].as_object();
  EXPECT_TRUE(updated["previous_attributes"].is_object());
}

TEST(StripeSample, InvoicesAndCheckoutSessions) {
  json::object paid =
      parse_object(make("stripe", "invoice.payment_succeeded"))["data"].at("object").as_object();
  EXPECT_EQ(str(paid["object"]), "invoice");
  EXPECT_TRUE(paid["paid"].as_bool());
  EXPECT_TRUE(starts_with(paid["subscription"], "sub_"));
  json::object failed =
      parse_object(make("stripe", "invoice.payment_failed"))["data"].at("object").as_object();
  EXPECT_FALSE(failed["paid"].as_bool());
  EXPECT_GT(failed["next_payment_attempt"].as_int64(), kNow);
  json::object cs =
      parse_object(make("stripe", "checkout.session.completed"))["data"].at("object").as_object();
  EXPECT_EQ(str(cs["object"]), "checkout.session");
  EXPECT_EQ(str(cs["mode"]), "subscription");
  EXPECT_TRUE(starts_with(cs["subscription"], "sub_"));
}

void expect_sendgrid_event(const json::object& e, std::string_view type) {
  for (std::string_view k : {"email", "smtp-id", "sg_event_id", "sg_message_id", "outreach_id"}) {
    EXPECT_TRUE(e.contains(k) && e.at(k).is_string()) << type << " lacks " << k;
  }
  EXPECT_TRUE(e.at("timestamp").is_int64());
  EXPECT_EQ(str(e.at("event")), type);
  if (type == "bounce") {
    EXPECT_TRUE(e.at("reason").is_string());
    EXPECT_EQ(str(e.at("status")), "5.1.1");
    EXPECT_EQ(str(e.at("type")), "bounce");
  }
  if (type == "click") {
    EXPECT_TRUE(starts_with(e.at("url"), "https://"));
  }
}

TEST(SendGridSample, IsABatchArrayOfEvents) {
  for (auto t : sample_types("sendgrid")) {
    if (t == "batch") continue;
    Sample s = make("sendgrid", t);
    json::array batch = json::parse(s.body).as_array();
    ASSERT_EQ(batch.size(), 1u) << t;
    expect_sendgrid_event(batch[0].as_object(), t);
    EXPECT_EQ(str(batch[0].at("sg_event_id")), s.message_id);
  }
}

TEST(SendGridSample, BatchHasOneOfEachSeedEvent) {
  json::array batch = json::parse(make("sendgrid", "batch").body).as_array();
  std::vector<std::string_view> want = {"delivered", "bounce", "spamreport", "click"};
  ASSERT_EQ(batch.size(), want.size());
  std::set<std::string> ids;
  for (std::size_t i = 0; i < want.size(); ++i) {
    expect_sendgrid_event(batch[i].as_object(), want[i]);
    ids.insert(str(batch[i].at("sg_event_id")));
  }
  EXPECT_EQ(ids.size(), want.size());
}

TEST(MailgunSample, EventWebhooksHaveEventData) {
  for (auto t : sample_types("mailgun")) {
    if (t == "inbound") continue;
    Sample s = make("mailgun", t);
    EXPECT_EQ(s.content_type, "application/json");
    json::object body = parse_object(s);
    EXPECT_FALSE(body.contains("signature"));  // the signer adds it
    json::object d = body["event-data"].as_object();
    EXPECT_EQ(str(d["id"]), s.message_id);
    EXPECT_EQ(str(d["event"]), t);
    EXPECT_TRUE(d["timestamp"].is_double());
    EXPECT_TRUE(d["recipient"].is_string());
    EXPECT_TRUE(d["message"].at("headers").at("message-id").is_string());
    if (t == "failed") {
      EXPECT_EQ(str(d["severity"]), "permanent");
    }
    if (t == "clicked") {
      EXPECT_TRUE(d["url"].is_string());
    }
  }
}

TEST(MailgunSample, InboundIsARouteForwardForm) {
  Sample s = make("mailgun", "inbound");
  ASSERT_TRUE(s.content_type.starts_with("multipart/form-data; boundary="));
  auto fields = inbound::parse_form(s.content_type, s.body);
  ASSERT_TRUE(fields) << fields.error().message;
  for (std::string_view k : {"recipient", "sender", "from", "subject", "body-plain",
                             "stripped-text", "Message-Id", "In-Reply-To", "References"}) {
    const inbound::FormField* f = inbound::find_field(*fields, k);
    ASSERT_NE(f, nullptr) << k;
    EXPECT_FALSE(f->value.empty()) << k;
  }
  EXPECT_EQ(inbound::find_field(*fields, "Message-Id")->value, s.message_id);
  EXPECT_TRUE(inbound::find_field(*fields, "subject")->value.starts_with("Re: "));
  json::value headers = json::parse(inbound::find_field(*fields, "message-headers")->value);
  EXPECT_TRUE(headers.is_array());
  for (std::string_view k : {"timestamp", "token", "signature"}) {
    EXPECT_EQ(inbound::find_field(*fields, k), nullptr) << k << " is the signer's to add";
  }
}

TEST(SlackSample, EventCallbacksAndUrlVerification) {
  for (std::string_view t : {"message", "app_mention"}) {
    Sample s = make("slack", t);
    json::object o = parse_object(s);
    EXPECT_EQ(str(o["type"]), "event_callback");
    EXPECT_TRUE(starts_with(o["event_id"], "Ev"));
    EXPECT_EQ(str(o["event_id"]), s.message_id);
    EXPECT_TRUE(starts_with(o["team_id"], "T"));
    EXPECT_EQ(o["event_time"].as_int64(), kNow);
    EXPECT_EQ(str(o["event"].at("type")), t);
    EXPECT_TRUE(o["event"].at("text").is_string());
  }
  json::object v = parse_object(make("slack", "url_verification"));
  EXPECT_EQ(str(v["type"]), "url_verification");
  EXPECT_FALSE(v["challenge"].as_string().empty());
}

TEST(GithubSample, EventHeaderAndActionComeFromTheType) {
  std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  struct Case {
    std::string_view type, event, action;
  };
  for (const Case& c :
       {Case{"push", "push", ""}, Case{"issues.opened", "issues", "opened"},
        Case{"pull_request.opened", "pull_request", "opened"}, Case{"ping", "ping", ""}}) {
    Sample s = make("github", c.type);
    EXPECT_EQ(header(s, "X-GitHub-Event"), c.event);
    EXPECT_EQ(header(s, "X-GitHub-Delivery"), s.message_id);
    EXPECT_TRUE(std::regex_match(s.message_id, uuid)) << s.message_id;
    json::object p = parse_object(s);
    if (c.action.empty()) {
      EXPECT_FALSE(p.contains("action")) << c.type;
    } else {
      EXPECT_EQ(str(p["action"]), c.action);
    }
    EXPECT_TRUE(p["repository"].at("full_name").is_string());
    EXPECT_TRUE(p["sender"].at("login").is_string());
  }
  EXPECT_TRUE(parse_object(make("github", "push"))["commits"].is_array());
  EXPECT_TRUE(parse_object(make("github", "ping"))["zen"].is_string());
}

TEST(StandardSample, HasTypeTimestampAndData) {
  Sample s = make("standard", "invoice.paid");
  EXPECT_TRUE(s.message_id.starts_with("msg_"));
  json::object o = parse_object(s);
  EXPECT_EQ(str(o["type"]), "invoice.paid");
  EXPECT_TRUE(std::regex_match(str(o["timestamp"]),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")));
  EXPECT_TRUE(str(o["timestamp"]).starts_with("2023-11-14T22:13:20."));
  EXPECT_TRUE(o["data"].is_object());
}

TEST(HmacSample, HasIdTypeCreatedAndData) {
  Sample s = make("hmac", "user.created");
  json::object o = parse_object(s);
  EXPECT_EQ(str(o["id"]), s.message_id);
  EXPECT_EQ(str(o["type"]), "user.created");
  EXPECT_EQ(o["created"].as_int64(), kNow);
  EXPECT_EQ(str(o["data"].at("object")), "user");
}

TEST(SampleContext, IdsAreUniqueAcrossCalls) {
  SampleContext ctx(12345, kNow);
  std::set<std::string> ids, sg_ids;
  int made = 0;
  for (int round = 0; round < 20; ++round) {
    for (auto v : sample_verifiers()) {
      for (auto t : sample_types(v)) {
        auto s = make_sample(v, t, ctx);
        ASSERT_TRUE(s);
        ++made;
        EXPECT_TRUE(ids.insert(s->message_id).second) << v << " " << t << " " << s->message_id;
        if (v == "sendgrid") {
          json::value batch = json::parse(s->body);
          for (const auto& e : batch.as_array()) {
            EXPECT_TRUE(sg_ids.insert(str(e.at("sg_event_id"))).second);
          }
        }
      }
    }
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(made));
}

TEST(SampleContext, SameSeedGivesSameSamplesAndAnotherSeedDoesNot) {
  EXPECT_EQ(make("stripe", "invoice.payment_failed", 99).body,
            make("stripe", "invoice.payment_failed", 99).body);
  EXPECT_NE(make("stripe", "invoice.payment_failed", 99).body,
            make("stripe", "invoice.payment_failed", 100).body);
}

TEST(SampleContext, DrawsFromTheRequestedAlphabets) {
  SampleContext ctx(3, kNow);
  EXPECT_TRUE(std::regex_match(ctx.alnum(30), std::regex("[0-9A-Za-z]{30}")));
  EXPECT_TRUE(std::regex_match(ctx.upper_alnum(13), std::regex("[0-9A-Z]{13}")));
  EXPECT_TRUE(std::regex_match(ctx.hex(40), std::regex("[0-9a-f]{40}")));
  for (int i = 0; i < 100; ++i) {
    std::int64_t n = ctx.between(5, 7);
    EXPECT_GE(n, 5);
    EXPECT_LE(n, 7);
  }
}

// ---- round trip through the real signers and verifiers ----------------------------------------

// A source config for each scheme, with keys generated for the test.
YAML::Node source_config(std::string_view verifier) {
  YAML::Node n;
  n["verifier"] = std::string(verifier == "standard-v1a" ? "standard" : verifier);
  if (verifier == "stripe") n["secret"] = "whsec_" + encoding::hex_encode(crypto::random_bytes(16));
  if (verifier == "github") n["secret"] = "gh-" + encoding::hex_encode(crypto::random_bytes(16));
  if (verifier == "slack") n["signing_secret"] = encoding::hex_encode(crypto::random_bytes(16));
  if (verifier == "mailgun")
    n["signing_key"] = "key-" + encoding::hex_encode(crypto::random_bytes(16));
  if (verifier == "standard")
    n["secret"] = "whsec_" + encoding::base64_encode(crypto::random_bytes(24));
  if (verifier == "sendgrid") {
    crypto::PrivateKey key = crypto::PrivateKey::generate_p256();
    n["public_key"] = encoding::base64_encode(key.public_spki_der());
    n["signing_key"] = key.to_pem();
  }
  if (verifier == "standard-v1a") {
    std::string seed = crypto::random_bytes(32);
    auto key = crypto::PrivateKey::ed25519_from_seed(seed);
    n["public_key"] = "whpk_" + encoding::base64_encode(key->public_raw());
    n["signing_key"] = "whsk_" + encoding::base64_encode(seed);
  }
  if (verifier == "hmac") {
    n["header"] = "X-Signature";
    n["algorithm"] = "sha256";
    n["encoding"] = "hex";
    n["prefix"] = "sha256=";
    n["secret"] = encoding::hex_encode(crypto::random_bytes(16));
    n["id_field"] = "id";
  }
  return n;
}

struct Expected {
  std::string id, type;
};

std::vector<Expected> expected_events(std::string_view verifier, std::string_view type,
                                      const Sample& s) {
  if (verifier == "sendgrid") {
    std::vector<Expected> out;
    json::value batch = json::parse(s.body);
    for (const auto& e : batch.as_array()) {
      out.push_back({str(e.at("sg_event_id")), str(e.at("event"))});
    }
    return out;
  }
  if (verifier == "slack" && type == "url_verification") return {};
  return {{s.message_id, std::string(type)}};
}

TEST(SampleRoundTrip, SignedSamplesVerifyAndParseToTheirIdsAndTypes) {
  const EnvLookup env = process_env();
  for (std::string_view scheme :
       {"stripe", "sendgrid", "mailgun", "slack", "github", "standard", "standard-v1a", "hmac"}) {
    ConfigErrors errors("test.yaml");
    ConfigNode source(source_config(scheme), "sources.test", &errors, &env);
    std::string verifier_name = source["verifier"].str_or("");
    auto signer = inbound::make_signer(verifier_name, source);
    auto verifier = inbound::make_verifier(verifier_name, source);
    ASSERT_TRUE(signer && verifier && errors.empty())
        << scheme << ": " << (errors.empty() ? "" : errors.messages().front());
    SampleContext ctx(2024, kNow);
    for (auto listed : sample_types(verifier_name)) {
      std::string_view type = concrete(verifier_name, listed);
      for (int i = 0; i < 2; ++i) {
        auto sample = make_sample(verifier_name, type, ctx);
        ASSERT_TRUE(sample);
        inbound::SignedRequest req =
            signer->sign(sample->body, sample->content_type, kNow, sample->message_id);
        // As `wharf trigger` sends it: the sample's own headers override a signer's guesses.
        std::vector<std::pair<std::string, std::string>> headers = {
            {"Content-Type", req.content_type.empty() ? sample->content_type : req.content_type}};
        for (auto& h : req.headers) headers.push_back(h);
        for (auto& h : sample->headers) headers.insert(headers.begin(), h);
        inbound::testing::FakeRequest request(headers, req.body);
        auto failure = verifier->verify(request, kNow + 5);
        EXPECT_FALSE(failure) << scheme << " " << type << ": " << failure->message;
        auto parsed = verifier->parse(request);
        ASSERT_TRUE(parsed) << scheme << " " << type << ": " << parsed.error().message;
        std::vector<Expected> want = expected_events(verifier_name, type, *sample);
        ASSERT_EQ(parsed->events.size(), want.size()) << scheme << " " << type;
        for (std::size_t k = 0; k < want.size(); ++k) {
          EXPECT_EQ(parsed->events[k].provider_event_id, want[k].id) << scheme << " " << type;
          EXPECT_EQ(parsed->events[k].type, want[k].type) << scheme << " " << type;
        }
        if (verifier_name == "slack" && type == "url_verification") {
          ASSERT_TRUE(parsed->reply_json.has_value());
          std::string challenge = str(json::parse(sample->body).at("challenge"));
          EXPECT_NE(parsed->reply_json->find(challenge), std::string::npos);
        }
      }
    }
  }
}

TEST(SampleSettings, SendGridAndMailgunSamplesUseTheSetIds) {
  SampleContext ctx(7, 1'700'000'000);
  ASSERT_TRUE(apply_sample_setting("outreach_id=42", ctx));
  ASSERT_TRUE(apply_sample_setting("email=pat@example.com", ctx));
  ASSERT_TRUE(apply_sample_setting("message_id=<m1@rf.example>", ctx));
  ASSERT_TRUE(apply_sample_setting("mailbox=alex@rf-send-02.com", ctx));
  auto sg = make_sample("sendgrid", "delivered", ctx);
  ASSERT_TRUE(sg);
  auto e = boost::json::parse(sg->body).as_array()[0].as_object();
  EXPECT_EQ(e["outreach_id"], "42");
  EXPECT_EQ(e["email"], "pat@example.com");
  EXPECT_EQ(e["smtp-id"], "<m1@rf.example>");
  auto inbound = make_sample("mailgun", "inbound", ctx);
  ASSERT_TRUE(inbound);
  EXPECT_NE(inbound->body.find("In-Reply-To\"\r\n\r\n<m1@rf.example>"), std::string::npos);
  EXPECT_NE(inbound->body.find("sender\"\r\n\r\npat@example.com"), std::string::npos);
  EXPECT_NE(inbound->body.find("recipient\"\r\n\r\nalex@rf-send-02.com"), std::string::npos);
  EXPECT_FALSE(apply_sample_setting("email=a\nb", ctx));
  EXPECT_FALSE(apply_sample_setting("nonsense", ctx));
}

}  // namespace
}  // namespace wharf::cli
