#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "cli/trigger_command.h"
#include "core/config_node.h"
#include "inbound/verifier.h"
#include "support/verifier_test_support.h"

namespace wharf::cli {
namespace {

namespace json = boost::json;
constexpr std::int64_t kNow = 1'700'000'000;

constexpr std::string_view kConfig = R"(server:
  listen: "0.0.0.0:9123"
sources:
  stripe: { verifier: stripe, secret: "whsec_trigger_test" }
  github: { verifier: github, secret: "gh-secret" }
  app:    { verifier: standard, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }
  weird:  { verifier: carrier-pigeon }
  nosecret: { verifier: slack }
)";

// Writes `text` to a fresh file under the test temp dir and returns its path.
std::string write_config(std::string_view text) {
  static int n = 0;
  std::string path = testing::TempDir() + "wharf_trigger_test_" + std::to_string(::getpid()) + "_" +
                     std::to_string(n++) + ".yaml";
  std::ofstream(path) << text;
  return path;
}

struct Posted {
  std::string url;
  HeaderList headers;
  std::string body;
};

// What the gateway would see of a posted request.
inbound::testing::FakeRequest request_of(const Posted& p) { return {p.headers, p.body}; }

class FakeTransport final : public HttpTransport {
 public:
  Result<HttpReply> send(HttpMethod method, const std::string& url, const HeaderList& headers,
                         const std::string& body) override {
    EXPECT_EQ(method, HttpMethod::kPost);
    posted.push_back({url, headers, body});
    if (fail_network) return make_error(Errc::kUnavailable, "POST " + url + " failed: refused");
    return HttpReply{status,
                     "{\"status\":\"ok\",\"id\":\"" + std::to_string(posted.size()) + "\"}\n"};
  }
  std::vector<Posted> posted;
  long status = 200;
  bool fail_network = false;
};

int count_lines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

class TriggerTest : public testing::Test {
 protected:
  int run(TriggerOptions opts) {
    if (opts.config_path == "wharf.yaml") opts.config_path = config_;
    return run_trigger(opts, poster_, ctx_, out_, err_);
  }
  TriggerOptions opts(std::string source, std::string type) {
    TriggerOptions o;
    o.source = std::move(source);
    o.event_type = std::move(type);
    return o;
  }
  // A verifier built from the same config, as the gateway would build it.
  std::unique_ptr<inbound::Verifier> verifier_for(const std::string& source) {
    doc_ = YAML::LoadFile(config_);
    ConfigNode node(doc_["sources"][source], "sources." + source, &errors_, &env_);
    return inbound::make_verifier(node["verifier"].str_or(""), node);
  }

  std::string config_ = write_config(kConfig);
  FakeTransport poster_;
  SampleContext ctx_{11, kNow};
  std::ostringstream out_, err_;
  YAML::Node doc_;
  ConfigErrors errors_{"test"};
  EnvLookup env_ = process_env();
};

TEST_F(TriggerTest, SendsASignedEventTheGatewayVerifierAccepts) {
  EXPECT_EQ(run(opts("stripe", "invoice.payment_failed")), 0) << err_.str();
  ASSERT_EQ(poster_.posted.size(), 1u);
  const Posted& p = poster_.posted[0];
  EXPECT_EQ(p.url, "http://127.0.0.1:9123/webhooks/stripe");
  auto req = request_of(p);
  EXPECT_TRUE(req.header("Content-Type").starts_with("application/json"));
  EXPECT_FALSE(req.header("Stripe-Signature").empty());
  auto verifier = verifier_for("stripe");
  ASSERT_TRUE(verifier);
  EXPECT_FALSE(verifier->verify(req, kNow + 1));
  auto parsed = verifier->parse(req);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->events.size(), 1u);
  EXPECT_EQ(parsed->events[0].type, "invoice.payment_failed");
  EXPECT_EQ(out_.str(), "200 {\"status\":\"ok\",\"id\":\"1\"}\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(TriggerTest, SetMakesTheEventNameRecordsThatExist) {
  TriggerOptions o = opts("stripe", "customer.subscription.created");
  o.settings = {"customer=cus_Real123", "price=price_RealPro", "subscription=sub_Real9"};
  EXPECT_EQ(run(o), 0) << err_.str();
  ASSERT_EQ(poster_.posted.size(), 1u);
  auto event = boost::json::parse(poster_.posted[0].body).as_object();
  auto& sub = event["data"].as_object()["object"].as_object();
  EXPECT_EQ(sub["id"], "sub_Real9");
  EXPECT_EQ(sub["customer"], "cus_Real123");
  EXPECT_EQ(sub["items"].as_object()["data"].as_array()[0].as_object()["price"].as_object()["id"],
            "price_RealPro");
}

TEST_F(TriggerTest, SetRefusesAnUnknownKeyOrAnEmptyValue) {
  TriggerOptions o = opts("stripe", "invoice.paid");
  o.settings = {"colour=blue"};
  EXPECT_EQ(run(o), 2);
  EXPECT_NE(err_.str().find("KEY one of: outreach_id, email, message_id"), std::string::npos)
      << err_.str();
  o.settings = {"customer="};
  EXPECT_EQ(run(o), 2);
  EXPECT_TRUE(poster_.posted.empty());
}

TEST_F(TriggerTest, CountSendsDistinctEvents) {
  TriggerOptions o = opts("app", "user.created");
  o.count = 5;
  EXPECT_EQ(run(o), 0) << err_.str();
  ASSERT_EQ(poster_.posted.size(), 5u);
  std::set<std::string> ids;
  for (const Posted& p : poster_.posted)
    ids.insert(std::string(request_of(p).header("webhook-id")));
  EXPECT_EQ(ids.size(), 5u);
  EXPECT_EQ(count_lines(out_.str()), 5);
}

TEST_F(TriggerTest, GithubGetsTheSamplesEventHeaderOnce) {
  EXPECT_EQ(run(opts("github", "pull_request.opened")), 0) << err_.str();
  ASSERT_EQ(poster_.posted.size(), 1u);
  int seen = 0;
  for (const auto& [name, value] : poster_.posted[0].headers) {
    if (name == "X-GitHub-Event") {
      ++seen;
      EXPECT_EQ(value, "pull_request");
    }
  }
  EXPECT_EQ(seen, 1);
  auto verifier = verifier_for("github");
  auto req = request_of(poster_.posted[0]);
  EXPECT_FALSE(verifier->verify(req, kNow));
  EXPECT_EQ(verifier->parse(req)->events.at(0).type, "pull_request.opened");
}

TEST_F(TriggerTest, UrlFlagOverridesTheListenAddress) {
  TriggerOptions o = opts("stripe", "checkout.session.completed");
  o.url = "http://gateway.test:8443/webhooks/stripe-live";
  EXPECT_EQ(run(o), 0);
  EXPECT_EQ(poster_.posted.at(0).url, o.url);
}

TEST_F(TriggerTest, NonSuccessStatusExitsOneWithOneErrorLine) {
  poster_.status = 401;
  EXPECT_EQ(run(opts("stripe", "invoice.payment_succeeded")), 1);
  EXPECT_TRUE(out_.str().starts_with("401 "));
  EXPECT_EQ(count_lines(err_.str()), 1);
  EXPECT_NE(err_.str().find("401"), std::string::npos);
}

TEST_F(TriggerTest, NetworkErrorExitsOneAndStops) {
  poster_.fail_network = true;
  TriggerOptions o = opts("stripe", "invoice.payment_succeeded");
  o.count = 3;
  EXPECT_EQ(run(o), 1);
  EXPECT_EQ(poster_.posted.size(), 1u);
  EXPECT_EQ(count_lines(err_.str()), 1);
  EXPECT_NE(err_.str().find("failed"), std::string::npos);
}

TEST_F(TriggerTest, UnknownSourceListsKnownSources) {
  EXPECT_EQ(run(opts("strype", "invoice.paid")), 2);
  EXPECT_TRUE(poster_.posted.empty());
  EXPECT_EQ(count_lines(err_.str()), 1);
  EXPECT_NE(err_.str().find("'strype'"), std::string::npos);
  EXPECT_NE(err_.str().find("stripe, github, app"), std::string::npos);
}

TEST_F(TriggerTest, UnknownTypeListsTheVerifiersTypes) {
  EXPECT_EQ(run(opts("stripe", "charge.refunded")), 2);
  EXPECT_TRUE(poster_.posted.empty());
  EXPECT_EQ(count_lines(err_.str()), 1);
  EXPECT_NE(err_.str().find("customer.subscription.created"), std::string::npos);
}

TEST_F(TriggerTest, ConfigProblemsAreUsageErrors) {
  EXPECT_EQ(run(opts("weird", "x")), 2);
  EXPECT_NE(err_.str().find("no sample events"), std::string::npos);
  err_.str("");
  EXPECT_EQ(run(opts("nosecret", "message")), 2);
  EXPECT_NE(err_.str().find("signing_secret"), std::string::npos);
  EXPECT_EQ(count_lines(err_.str()), 1);
  err_.str("");
  TriggerOptions o = opts("stripe", "invoice.payment_failed");
  o.config_path = testing::TempDir() + "no/such/wharf.yaml";
  EXPECT_EQ(run(o), 2);
  EXPECT_NE(err_.str().find("cannot load config"), std::string::npos);
  EXPECT_TRUE(poster_.posted.empty());
}

TEST_F(TriggerTest, PrintShowsCurlCommandsAndSendsNothing) {
  TriggerOptions o = opts("stripe", "customer.subscription.deleted");
  o.print = true;
  EXPECT_EQ(run(o), 0);
  EXPECT_TRUE(poster_.posted.empty());
  EXPECT_TRUE(out_.str().starts_with("curl -sS 'http://127.0.0.1:9123/webhooks/stripe'"));
  EXPECT_NE(out_.str().find("-H 'Stripe-Signature: t=1700000000,v1="), std::string::npos);
  EXPECT_NE(out_.str().find("customer.subscription.deleted"), std::string::npos);
}

TEST(WebhookUrl, WildcardAddressesBecomeLoopback) {
  EXPECT_EQ(webhook_url("127.0.0.1:8080", "stripe"), "http://127.0.0.1:8080/webhooks/stripe");
  EXPECT_EQ(webhook_url("0.0.0.0:80", "stripe"), "http://127.0.0.1:80/webhooks/stripe");
  EXPECT_EQ(webhook_url(":9000", "a b"), "http://127.0.0.1:9000/webhooks/a%20b");
  EXPECT_EQ(webhook_url("[::]:9000", "s"), "http://[::1]:9000/webhooks/s");
  EXPECT_EQ(webhook_url("[::1]:9000", "s"), "http://[::1]:9000/webhooks/s");
  EXPECT_EQ(webhook_url("gw.internal:9000", "s"), "http://gw.internal:9000/webhooks/s");
  EXPECT_EQ(webhook_url("no-port", "s"), "");
}

TEST(CurlCommand, QuotesBodiesByteForByte) {
  std::string plain = curl_command("http://h/w", {{"A", "it's"}}, "{\"a\": \"b'c\"}\n");
  EXPECT_EQ(plain,
            "curl -sS 'http://h/w' \\\n  -H 'A: it'\\''s' \\\n  --data-binary '{\"a\": "
            "\"b'\\''c\"}\n'");
  std::string crlf = curl_command("http://h/w", {}, "a\r\nb\\'\x01");
  EXPECT_EQ(crlf, "curl -sS 'http://h/w' \\\n  --data-binary $'a\\r\\nb\\\\\\'\\x01'");
}

TEST(RegisterTriggerCommand, ParsesFlagsAndRunsWithPrint) {
  std::string config = write_config(kConfig);
  CLI::App app;
  int exit_code = -1;
  register_trigger_command(app, &exit_code);
  testing::internal::CaptureStdout();
  app.parse("trigger app user.created --print --count 2 --config " + config);
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(exit_code, 0);
  std::size_t commands = 0;
  for (std::size_t at = out.find("curl -sS"); at != std::string::npos;
       at = out.find("curl -sS", at + 1)) {
    ++commands;
  }
  EXPECT_EQ(commands, 2u);
  EXPECT_NE(out.find("http://127.0.0.1:9123/webhooks/app"), std::string::npos);
  EXPECT_NE(out.find("\"type\":\"user.created\""), std::string::npos);
}

TEST(RegisterTriggerCommand, RequiresSourceAndTypeAndAPositiveCount) {
  CLI::App a;
  int exit_code = -1;
  register_trigger_command(a, &exit_code);
  EXPECT_THROW(a.parse("trigger stripe"), CLI::RequiredError);
  CLI::App b;
  register_trigger_command(b, &exit_code);
  EXPECT_THROW(b.parse("trigger stripe invoice.paid --count 0"), CLI::ValidationError);
  EXPECT_EQ(exit_code, -1);
}

}  // namespace
}  // namespace wharf::cli
