// The outbox sender over the real store, against the provider simulator on a loopback port,
// through real provider pipelines: what the handlers queue arrives at the provider; failures are
// retried on the schedule, honouring Retry-After; bad messages go dead.
#include "outreach/outbox_sender.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <thread>

#include "core/config_node.h"
#include "mock/simulator.h"
#include "outbound/http_client.h"
#include "outbound/test_peers.h"
#include "outreach_fixture.h"

namespace wharf::outreach::testing {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

class OutboxSenderTest : public OutreachTest {
 protected:
  void SetUp() override {
    OutreachTest::SetUp();
    seed();
    add_provider("slack", "slack", "/api");
    add_provider("sendgrid", "sendgrid", "/v3");
    OutboxSenderOptions options;
    options.retry.delays = {std::chrono::milliseconds(60'000), std::chrono::milliseconds(600'000)};
    options.jitter = 0;
    options.check_interval = 10ms;
    options.max_idle = std::chrono::hours(1);  // the loop claims on a signal or a due time only
    options.signal = &app_.context().outbox;
    sender_.emplace(*store_, senders_providers_, metrics_, clock_, std::move(options));
  }
  void TearDown() override {
    sender_.reset();
    senders_providers_.close();
    OutreachTest::TearDown();
  }

  // A provider of `kind` at the simulator, retrying twice quickly.
  void add_provider(std::string name, std::string kind, std::string_view base_path) {
    ConfigErrors errors("test.yaml");
    EnvLookup env = [](const std::string&) { return std::optional<std::string>("dummy-key"); };
    ConfigNode node(YAML::Load(R"(
      credentials: { type: bearer, value: "${KEY}" }
      retry: { max_attempts: 2, base: 10ms, cap: 20ms }
    )"),
                    "providers." + name, &errors, &env);
    auto cfg = outbound::read_provider_config(name, kind, node,
                                              outbound::ProviderDefaults{server_.url(base_path)});
    ASSERT_TRUE(cfg && errors.empty()) << (errors.empty() ? "" : errors.messages().front());
    // The pipeline shares the sender's clock: a provider's Retry-After pauses it in that time.
    outbound::ProviderClientOptions options;
    options.clock = &clock_;
    senders_providers_.add(std::make_unique<outbound::ProviderClient>(
        std::move(*cfg), io_.ioc().get_executor(), metrics_, std::move(options)));
  }

  OutboxPass pass() {
    auto f = asio::co_spawn(
        caller_.ioc(),
        [this]() -> asio::awaitable<OutboxPass> {
          OutboxPass p = co_await sender_->send_due();
          co_return p;
        },
        asio::use_future);
    return f.get();
  }

  json::value control(std::string method, std::string path, std::string body = {}) {
    outbound::HttpRequest r{.method = std::move(method),
                            .url = server_.url(path),
                            .headers = {{"Content-Type", "application/json"}},
                            .body = std::move(body)};
    auto f = control_.async_request(std::move(r), outbound::RequestOptions{}, asio::use_future);
    outbound::HttpResponse res = f.get().value();
    return res.body.empty() ? json::value() : json::parse(res.body);
  }
  json::array requests(std::string route) {
    return control("GET", "/_mock/requests?route=" + route).at("requests").as_array();
  }

  // A spam report for o1 through the outreach.sendgrid handler: it queues the Slack alert.
  void spam_report() {
    json::object e{{"event", "spamreport"},
                   {"email", "ada@acme.com"},
                   {"timestamp", kT0 / 1000 + 30},
                   {"outreach_id", "o1"}};
    ASSERT_EQ(deliver("sendgrid", "sg-spam", "spamreport", json::serialize(e)), "done");
    ASSERT_EQ(value("SELECT status FROM outreach_outbox"), "pending");
  }

  std::uint64_t outcomes(const std::string& outcome, const std::string& provider = "slack",
                         const std::string& action = "chat_post_message") {
    return counter("wharf_outreach_outbox_messages_total",
                   {{"provider", provider}, {"action", action}, {"outcome", outcome}});
  }

  mock::Simulator sim_;
  outbound::testing::LocalServer server_{sim_.handler()};
  outbound::testing::IoThread io_;
  outbound::testing::IoThread caller_;
  outbound::HttpClient control_{io_.ioc().get_executor()};
  FakeClock clock_{kT0 + 100 * kSecond};
  outbound::ProviderSet senders_providers_;
  std::optional<OutboxSender> sender_;
};

TEST_F(OutboxSenderTest, SpamReportsSlackAlertArrivesAtTheSimulatorAndIsMarkedSent) {
  spam_report();
  OutboxPass p = pass();
  EXPECT_EQ(p.claimed, 1);
  EXPECT_EQ(p.sent, 1);
  json::array seen = requests("/api/chat.postMessage");
  ASSERT_EQ(seen.size(), 1u);
  json::value body = json::parse(seen[0].at("body").as_string());
  EXPECT_EQ(body.at("channel"), "#deliverability");
  EXPECT_NE(std::string(body.at("text").as_string())
                .find("Spam report for outreach o1. User: seeker@example.com"),
            std::string::npos);
  EXPECT_EQ(seen[0].at("headers").at("authorization"), "Bearer dummy-key");
  EXPECT_EQ(value("SELECT status || ',' || attempts || ',' || sent_at FROM outreach_outbox"),
            "sent,1," + std::to_string(clock_.now_ms()));
  EXPECT_EQ(outcomes("sent"), 1u);
  // Nothing is due any more: a second pass sends nothing.
  EXPECT_EQ(pass().claimed, 0);
  EXPECT_EQ(requests("/api/chat.postMessage").size(), 1u);
}

TEST_F(OutboxSenderTest, AFailingProviderIsRetriedLaterHonouringRetryAfterThenSent) {
  spam_report();
  // Every attempt of the pipeline gets 503 with Retry-After: 120 (s), above the schedule's 60 s.
  control("POST", "/_mock/faults",
          R"({"route": "POST /api/chat.postMessage", "status": 503, "retry_after": "120"})");
  OutboxPass p = pass();
  EXPECT_EQ(p.failed, 1);
  // A Retry-After this long is past the pipeline's own retries: it gives up after one attempt.
  EXPECT_EQ(requests("/api/chat.postMessage").size(), 1u);
  EXPECT_EQ(value("SELECT status || ',' || attempts FROM outreach_outbox"), "pending,1");
  EXPECT_EQ(value("SELECT next_attempt_at FROM outreach_outbox"),
            std::to_string(clock_.now_ms() + 120'000));
  EXPECT_NE(value("SELECT last_error FROM outreach_outbox").find("503"), std::string::npos)
      << value("SELECT last_error FROM outreach_outbox");
  EXPECT_EQ(outcomes("failed"), 1u);

  // Not due before its time.
  clock_.advance_ms(119'000);
  EXPECT_EQ(pass().claimed, 0);
  // The provider recovers; at its time the message goes.
  control("DELETE", "/_mock/faults");
  clock_.advance_ms(1'000);
  p = pass();
  EXPECT_EQ(p.sent, 1);
  EXPECT_EQ(value("SELECT status || ',' || attempts || ',' || coalesce(last_error, '-') FROM "
                  "outreach_outbox"),
            "sent,2,-");
}

TEST_F(OutboxSenderTest, GivesUpWhenTheScheduleIsExhausted) {
  spam_report();
  control("POST", "/_mock/faults", R"({"route": "POST /api/chat.postMessage", "status": 500})");
  EXPECT_EQ(pass().failed, 1);
  EXPECT_EQ(value("SELECT next_attempt_at FROM outreach_outbox"),
            std::to_string(clock_.now_ms() + 60'000));
  clock_.advance_ms(60'000);
  EXPECT_EQ(pass().failed, 1);
  EXPECT_EQ(value("SELECT next_attempt_at FROM outreach_outbox"),
            std::to_string(clock_.now_ms() + 600'000));
  clock_.advance_ms(600'000);
  EXPECT_EQ(pass().dead, 1);
  EXPECT_EQ(value("SELECT status || ',' || attempts FROM outreach_outbox"), "dead,3");
  EXPECT_NE(value("SELECT last_error FROM outreach_outbox").find("gave up after 3 attempts"),
            std::string::npos);
  EXPECT_EQ(outcomes("dead"), 1u);
}

TEST_F(OutboxSenderTest, ARejectionUnknownProviderOrBadInputIsDeadAtOnce) {
  exec(R"sql(
INSERT INTO outreach_outbox(dedup_key, provider, action, payload, next_attempt_at, created_at)
VALUES ('k-unknown', 'nope', 'chat_post_message', '{"channel":"#x","text":"t"}', 0, 0),
       ('k-action', 'slack', 'no_such_action', '{}', 0, 0),
       ('k-input', 'slack', 'chat_post_message', '{"text":"no channel"}', 0, 0),
       ('k-json', 'slack', 'chat_post_message', 'not json', 0, 0),
       ('k-4xx', 'sendgrid', 'mail_send',
        '{"from":{"email":"a@b.c"},"to":[{"email":"d@e.f"}],"subject":"s","text":"t"}', 0, 0);
)sql");
  control("POST", "/_mock/faults", R"({"route": "POST /v3/mail/send", "status": 400})");
  OutboxPass p = pass();
  EXPECT_EQ(p.claimed, 5);
  EXPECT_EQ(p.dead, 5);
  EXPECT_EQ(column("SELECT dedup_key || ':' || status || ':' || attempts FROM outreach_outbox "
                   "ORDER BY dedup_key"),
            (std::vector<std::string>{"k-4xx:dead:1", "k-action:dead:1", "k-input:dead:1",
                                      "k-json:dead:1", "k-unknown:dead:1"}));
  EXPECT_NE(value("SELECT last_error FROM outreach_outbox WHERE dedup_key = 'k-unknown'")
                .find("no provider named nope"),
            std::string::npos);
  EXPECT_NE(
      value("SELECT last_error FROM outreach_outbox WHERE dedup_key = 'k-input'").find("channel"),
      std::string::npos);
  EXPECT_NE(value("SELECT last_error FROM outreach_outbox WHERE dedup_key = 'k-4xx'").find("400"),
            std::string::npos);
  EXPECT_EQ(requests("/v3/mail/send").size(), 1u);  // a 4xx is never retried
  EXPECT_EQ(requests("/api/chat.postMessage").size(), 0u);
}

TEST_F(OutboxSenderTest, AClaimedMessageIsNotClaimedAgainUntilItsLeaseExpires) {
  spam_report();
  // A claim from another (crashed) sender: leased for 5 minutes.
  exec("UPDATE outreach_outbox SET status = 'sending', lease = 7, next_attempt_at = " +
       std::to_string(clock_.now_ms() + 300'000));
  EXPECT_EQ(pass().claimed, 0);
  clock_.advance_ms(300'000);
  OutboxPass p = pass();
  EXPECT_EQ(p.sent, 1);
  EXPECT_EQ(value("SELECT status || ',' || lease FROM outreach_outbox"), "sent,8");
}

TEST_F(OutboxSenderTest, StartReleasesEarlierLeasesSendsInTheBackgroundAndStops) {
  spam_report();
  exec("UPDATE outreach_outbox SET status = 'sending', next_attempt_at = " +
       std::to_string(clock_.now_ms() + 300'000));
  sender_->start(caller_.ioc().get_executor());
  EXPECT_TRUE(sender_->running());
  for (int i = 0; i < 500 && value("SELECT status FROM outreach_outbox") != "sent"; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(value("SELECT status FROM outreach_outbox"), "sent");
  sender_->stop();
  for (int i = 0; i < 500 && sender_->running(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(sender_->running());
  EXPECT_EQ(requests("/api/chat.postMessage").size(), 1u);
}

TEST_F(OutboxSenderTest, TheLoopWakesOnAHandlersMessageNotOnItsIdleTime) {
  sender_->start(caller_.ioc().get_executor());
  std::this_thread::sleep_for(100ms);  // its first pass found nothing; the next is an hour away
  spam_report();                       // the handler signals the message
  for (int i = 0; i < 500 && value("SELECT status FROM outreach_outbox") != "sent"; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(value("SELECT status FROM outreach_outbox"), "sent");
  sender_->stop();
  for (int i = 0; i < 500 && sender_->running(); ++i) std::this_thread::sleep_for(10ms);
}

TEST_F(OutboxSenderTest, TheLoopClaimsAgainWhenTheEarliestRetryIsDue) {
  spam_report();
  control("POST", "/_mock/faults", R"({"route": "POST /api/chat.postMessage", "status": 500})");
  sender_->start(caller_.ioc().get_executor());
  for (int i = 0; i < 500 && value("SELECT attempts FROM outreach_outbox") != "1"; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(50ms);  // the failure recorded
  EXPECT_EQ(value("SELECT status FROM outreach_outbox"), "pending");
  control("DELETE", "/_mock/faults");
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(value("SELECT status FROM outreach_outbox"), "pending");  // not due yet
  clock_.advance_ms(60'000);
  for (int i = 0; i < 500 && value("SELECT status FROM outreach_outbox") != "sent"; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(value("SELECT status || ',' || attempts FROM outreach_outbox"), "sent,2");
  sender_->stop();
  for (int i = 0; i < 500 && sender_->running(); ++i) std::this_thread::sleep_for(10ms);
}

}  // namespace
}  // namespace wharf::outreach::testing
