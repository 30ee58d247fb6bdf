// The typed calls end to end against the provider simulator (mock::Simulator on a real
// http::Server, port 0), through a minimal HttpClient Caller: the simulator must accept what
// they send, they must parse what it answers, and its journal shows what arrived.
#include <gtest/gtest.h>

#include "core/encoding.h"
#include "mock/simulator.h"
#include "outbound/http_client.h"
#include "outbound/test_peers.h"
#include "provider_test_support.h"
#include "simulator_caller.h"

namespace wharf::providers {
namespace {

using outbound::testing::IoThread;
using outbound::testing::LocalServer;
using testing::get_json;
using testing::run_action;
using testing::SimulatorCaller;

class SimulatorEndToEnd : public ::testing::Test {
 protected:
  SimulatorCaller caller(std::string provider, std::string_view base_path,
                         outbound::HeaderList credentials) {
    return SimulatorCaller(std::move(provider), server_.url(base_path), std::move(credentials),
                           client_);
  }
  // The journal's entries for `route` ("POST /v1/customers").
  json::array journal(std::string_view route) {
    json::value v =
        get_json(client_, server_.url("/_mock/requests?route=" + encoding::url_encode(route)));
    return v.at("requests").as_array();
  }

  mock::Simulator sim_;
  LocalServer server_{sim_.handler()};
  IoThread io_;
  outbound::HttpClient client_{io_.ioc().get_executor()};
};

TEST_F(SimulatorEndToEnd, StripeCustomerSubscriptionAndCancel) {
  auto stripe = caller("stripe", "/v1", {{"Authorization", "Bearer sk_test_dummy"}});
  auto customer = run_action("stripe", "customer_create", stripe,
                             R"({"email":"ada@example.com","name":"Ada",
                                 "metadata":{"user_id":"u42"}})");
  ASSERT_TRUE(customer) << customer.error().message;
  std::string customer_id(customer->at("id").as_string());
  EXPECT_TRUE(customer_id.starts_with("cus_"));
  EXPECT_EQ(customer->at("email"), "ada@example.com");

  auto sub = run_action("stripe", "subscription_create", stripe,
                        R"({"customer":")" + customer_id + R"(","price":"price_pro_monthly"})");
  ASSERT_TRUE(sub) << sub.error().message;
  EXPECT_EQ(sub->at("status"), "incomplete");
  EXPECT_EQ(sub->at("customer").as_string(), customer_id);
  EXPECT_TRUE(sub->at("latest_invoice_id").as_string().starts_with("in_"));
  // Only present when latest_invoice.payment_intent was expanded.
  EXPECT_NE(std::string(sub->at("client_secret").as_string()).find("_secret_"), std::string::npos);

  std::string sub_id(sub->at("id").as_string());
  auto cancelled =
      run_action("stripe", "subscription_cancel", stripe, R"({"id":")" + sub_id + "\"}");
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(cancelled->at("cancel_at_period_end"), true);
  EXPECT_EQ(cancelled->at("cancel_at"), sub->at("current_period_end"));

  auto missing = run_action("stripe", "subscription_cancel", stripe, R"({"id":"sub_nope"})");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ActionError::Kind::kRejected);
  EXPECT_EQ(missing.error().status, 404);
  EXPECT_EQ(missing.error().message,
            "stripe rejected the request (HTTP 404): No such subscription: 'sub_nope'");

  json::array customers = journal("POST /v1/customers");
  ASSERT_EQ(customers.size(), 1u);
  EXPECT_EQ(customers[0].at("body"), "email=ada%40example.com&name=Ada&metadata%5Buser_id%5D=u42");
  EXPECT_EQ(customers[0].at("headers").at("content-type"), "application/x-www-form-urlencoded");
  json::array subs = journal("POST /v1/subscriptions/*");
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(subs[0].at("path").as_string(), "/v1/subscriptions/" + sub_id);
  EXPECT_EQ(subs[0].at("body"), "cancel_at_period_end=true");
}

TEST_F(SimulatorEndToEnd, SendGridMailSendWithOutreachId) {
  auto sendgrid = caller("sendgrid", "/v3", {{"Authorization", "Bearer SG.dummy"}});
  auto sent = run_action("sendgrid", "mail_send", sendgrid,
                         R"({"from":{"email":"ada@roleferry.com","name":"Ada"},
                             "to":"grace@acme.com","subject":"Hello","html":"<p>Hi</p>",
                             "reply_to":"reply@roleferry.com","outreach_id":"out_77"})");
  ASSERT_TRUE(sent) << sent.error().message;
  EXPECT_EQ(sent->at("message_id").as_string().size(), 22u);
  json::array seen = journal("POST /v3/mail/send");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].at("status"), 202);
  EXPECT_EQ(seen[0].at("headers").at("x-outreach-id"), "out_77");
  json::value body = json::parse(seen[0].at("body").as_string());
  EXPECT_EQ(body.at("custom_args").at("outreach_id"), "out_77");
  EXPECT_EQ(body.at("headers").at("X-Outreach-ID"), "out_77");
}

TEST_F(SimulatorEndToEnd, SendGridRejectionCarriesItsMessage) {
  auto no_key = caller("sendgrid", "/v3", {});
  auto r = run_action("sendgrid", "mail_send", no_key,
                      R"({"from":"a@b.co","to":"c@d.co","subject":"s","text":"t"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ActionError::Kind::kRejected);
  EXPECT_EQ(r.error().status, 401);
  EXPECT_NE(r.error().message.find("authorization grant is invalid"), std::string::npos);
}

TEST_F(SimulatorEndToEnd, ApolloPeopleSearch) {
  auto apollo = caller("apollo", "/v1", {{"X-Api-Key", "dummy"}});
  auto r = run_action("apollo", "people_search", apollo,
                      R"({"domain":"acme.com","person_titles":["VP Engineering"],"page":2,
                          "per_page":5})");
  ASSERT_TRUE(r) << r.error().message;
  const json::array& people = r->at("people").as_array();
  ASSERT_EQ(people.size(), 5u);
  EXPECT_EQ(people[0].at("title"), "VP Engineering");
  EXPECT_FALSE(people[0].at("name").as_string().empty());
  EXPECT_FALSE(people[0].at("organization").at("domain").as_string().empty());
  EXPECT_EQ(r->at("pagination"),
            json::parse(R"({"page":2,"per_page":5,"total_entries":42,"total_pages":9})"));
  json::array seen = journal("POST /v1/mixed_people/search");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(json::parse(seen[0].at("body").as_string()),
            json::parse(R"({"q_organization_domains":"acme.com",
                            "person_titles":["VP Engineering"],"page":2,"per_page":5})"));
}

TEST_F(SimulatorEndToEnd, AnthropicMessagesWholeAndStreamed) {
  auto anthropic = caller("anthropic", "/v1", {{"x-api-key", "dummy"}});
  constexpr std::string_view kInput =
      R"({"model":"claude-3-5-sonnet-20241022","max_tokens":200,"system":"Be brief.",
          "messages":[{"role":"user","content":"Write a 3-sentence email."}])";
  auto whole = run_action("anthropic", "messages", anthropic, std::string(kInput) + "}");
  ASSERT_TRUE(whole) << whole.error().message;
  EXPECT_EQ(whole->at("text"), "Hello from the wharf provider simulator.");
  EXPECT_EQ(whole->at("stop_reason"), "end_turn");
  EXPECT_GT(whole->at("usage").at("output_tokens").as_int64(), 0);

  std::string streamed;
  int chunks = 0;
  ChunkSink sink = [&](std::string_view chunk) {
    streamed += chunk;
    ++chunks;
  };
  auto summary = run_action("anthropic", "messages", anthropic,
                            std::string(kInput) + R"(,"stream":true})", &sink);
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_GE(chunks, 1);
  EXPECT_TRUE(streamed.starts_with("event: message_start\n"));
  EXPECT_NE(streamed.find("event: content_block_delta"), std::string::npos);
  EXPECT_TRUE(streamed.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
  EXPECT_EQ(*summary, (json::object{{"streamed", true}, {"bytes", streamed.size()}}));

  json::array seen = journal("POST /v1/messages");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].at("headers").at("anthropic-version"), "2023-06-01");
  EXPECT_EQ(json::parse(seen[1].at("body").as_string()).at("stream"), true);
  EXPECT_FALSE(json::parse(seen[0].at("body").as_string()).as_object().contains("stream"));
}

TEST_F(SimulatorEndToEnd, SlackPostMessageAndOkFalse) {
  auto slack = caller("slack", "/api", {{"Authorization", "Bearer xoxb-dummy"}});
  auto posted = run_action("slack", "chat_post_message", slack,
                           R"({"channel":"C0123456789","text":"5 server errors from stripe"})");
  ASSERT_TRUE(posted) << posted.error().message;
  EXPECT_EQ(posted->at("channel"), "C0123456789");
  EXPECT_FALSE(posted->at("ts").as_string().empty());

  auto unauthenticated = caller("slack", "/api", {});
  auto r = run_action("slack", "chat_post_message", unauthenticated,
                      R"({"channel":"C0123456789","text":"x"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ActionError::Kind::kRejected);
  EXPECT_EQ(r.error().status, 200);
  EXPECT_EQ(r.error().message, "slack rejected the request (HTTP 200): not_authed");
  json::array seen = journal("POST /api/chat.postMessage");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(json::parse(seen[0].at("body").as_string()),
            json::parse(R"({"channel":"C0123456789","text":"5 server errors from stripe"})"));
}

}  // namespace
}  // namespace wharf::providers
