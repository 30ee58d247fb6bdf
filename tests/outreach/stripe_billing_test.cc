#include <boost/json.hpp>

#include "outreach_fixture.h"

namespace wharf::outreach::testing {
namespace {

constexpr std::int64_t kCreated = kT0 / 1000;  // Stripe's `created`, in seconds

std::string subscription_event(std::string_view type, std::string_view price, std::int64_t created,
                               std::string_view sub = "sub_1",
                               std::string_view customer = "cus_1") {
  boost::json::object item{{"price", boost::json::object{{"id", price}}}};
  boost::json::object sub_obj{{"id", sub},
                              {"object", "subscription"},
                              {"customer", customer},
                              {"items", boost::json::object{{"data", boost::json::array{item}}}}};
  return boost::json::serialize(boost::json::object{
      {"id", "evt"}, {"type", type}, {"created", created}, {"data", {{"object", sub_obj}}}});
}

std::string invoice_event(std::string_view type, std::int64_t created,
                          std::string_view reason = "subscription_create") {
  boost::json::object inv{{"id", "in_1"}, {"customer", "cus_1"}, {"billing_reason", reason}};
  return boost::json::serialize(boost::json::object{
      {"id", "evt"}, {"type", type}, {"created", created}, {"data", {{"object", inv}}}});
}

class StripeBillingTest : public OutreachTest {
 protected:
  void SetUp() override {
    OutreachTest::SetUp();
    seed();
  }
  std::string event(std::string evt_id, std::string type, std::string payload) {
    return deliver("stripe", std::move(evt_id), std::move(type), std::move(payload));
  }
  std::string user() {
    return value(
        "SELECT subscription_tier || ',' || credits_remaining || ',' || payment_status FROM "
        "outreach_users WHERE id = 'u1'");
  }
};

TEST_F(StripeBillingTest, SubscriptionCreatedSetsTheTierOfItsPriceAndItsCredits) {
  EXPECT_EQ(
      event("evt_1", "customer.subscription.created",
            subscription_event("customer.subscription.created", "price_pro_monthly", kCreated)),
      "done");
  EXPECT_EQ(user(), "pro,500,ok");
  event("evt_2", "customer.subscription.created",
        subscription_event("customer.subscription.created", "price_teams_monthly", kCreated + 60,
                           "sub_2"));
  EXPECT_EQ(user(), "teams,2000,ok");
  EXPECT_EQ(value("SELECT subscription_id FROM outreach_users"), "sub_2");
}

TEST_F(StripeBillingTest, SubscriptionCreatedQueuesAWelcomeEmailThroughSendGrid) {
  auto [id, dup] =
      submit("stripe", "evt_1", "customer.subscription.created",
             subscription_event("customer.subscription.created", "price_pro_monthly", kCreated));
  run("stripe");
  ASSERT_EQ(column("SELECT provider || ' ' || action || ' ' || dedup_key FROM outreach_outbox"),
            (std::vector<std::string>{"sendgrid mail_send " + id + ":welcome"}));
  auto input = boost::json::parse(value("SELECT payload FROM outreach_outbox")).as_object();
  EXPECT_EQ(input["subject"], "Welcome to RoleFerry Pro!");
  EXPECT_EQ(input["to"].as_array()[0].as_object()["email"], "seeker@example.com");
  EXPECT_EQ(input["from"].as_object()["email"], "hello@roleferry.com");
}

TEST_F(StripeBillingTest, AnOldSubscriptionEventAfterANewerOneNeverRegressesThePlan) {
  event("evt_new", "customer.subscription.deleted",
        subscription_event("customer.subscription.deleted", "price_pro_monthly", kCreated + 100));
  // Created before the deletion, delivered after it.
  EXPECT_EQ(
      event("evt_old", "customer.subscription.created",
            subscription_event("customer.subscription.created", "price_pro_monthly", kCreated)),
      "done");
  EXPECT_EQ(user(), "free,0,ok");
  EXPECT_EQ(value("SELECT count(*) FROM outreach_outbox"), "0");
  EXPECT_EQ(counter("wharf_outreach_stale_events_total", {{"source", "stripe"}}), 1u);
}

TEST_F(StripeBillingTest, SubscriptionDeletedGoesBackToFree) {
  event("evt_1", "customer.subscription.created",
        subscription_event("customer.subscription.created", "price_pro_monthly", kCreated));
  event("evt_2", "customer.subscription.deleted",
        subscription_event("customer.subscription.deleted", "price_pro_monthly", kCreated + 10));
  EXPECT_EQ(user(), "free,0,ok");
  EXPECT_EQ(value("SELECT subscription_id FROM outreach_users"), "NULL");
}

TEST_F(StripeBillingTest, DeletingAnotherSubscriptionKeepsThePlan) {
  event("evt_1", "customer.subscription.created",
        subscription_event("customer.subscription.created", "price_teams_monthly", kCreated,
                           "sub_2"));
  event("evt_2", "customer.subscription.deleted",
        subscription_event("customer.subscription.deleted", "price_pro_monthly", kCreated + 10,
                           "sub_old"));
  EXPECT_EQ(user(), "teams,2000,ok");
}

TEST_F(StripeBillingTest, AnUpgradesEventsInEitherOrderLeaveTheNewPlan) {
  event(
      "evt_1", "customer.subscription.created",
      subscription_event("customer.subscription.created", "price_pro_monthly", kCreated, "sub_1"));
  // The upgrade: sub_2 (teams) created at +100, sub_1 deleted at +101; the deletion comes first.
  event("evt_3", "customer.subscription.deleted",
        subscription_event("customer.subscription.deleted", "price_pro_monthly", kCreated + 101,
                           "sub_1"));
  EXPECT_EQ(event("evt_2", "customer.subscription.created",
                  subscription_event("customer.subscription.created", "price_teams_monthly",
                                     kCreated + 100, "sub_2")),
            "done");
  EXPECT_EQ(user(), "teams,2000,ok");
  EXPECT_EQ(value("SELECT subscription_id FROM outreach_users"), "sub_2");
}

TEST_F(StripeBillingTest, PaymentFailedMarksPastDueAndNotifiesTheUser) {
  auto [id, dup] = submit("stripe", "evt_1", "invoice.payment_failed",
                          invoice_event("invoice.payment_failed", kCreated, "subscription_cycle"));
  run("stripe");
  EXPECT_EQ(user(), "free,0,past_due");
  ASSERT_EQ(column("SELECT provider || ' ' || action || ' ' || dedup_key FROM outreach_outbox"),
            (std::vector<std::string>{"sendgrid mail_send " + id + ":payment_failed"}));
  auto input = boost::json::parse(value("SELECT payload FROM outreach_outbox")).as_object();
  EXPECT_EQ(input["subject"], "Payment failed");
}

TEST_F(StripeBillingTest, PaymentSucceededClearsPastDueAndARenewalRefillsCredits) {
  event("evt_1", "customer.subscription.created",
        subscription_event("customer.subscription.created", "price_pro_monthly", kCreated));
  exec("UPDATE outreach_users SET credits_remaining = 12");
  event("evt_2", "invoice.payment_failed",
        invoice_event("invoice.payment_failed", kCreated + 10, "subscription_cycle"));
  EXPECT_EQ(user(), "pro,12,past_due");
  event("evt_3", "invoice.payment_succeeded",
        invoice_event("invoice.payment_succeeded", kCreated + 20, "subscription_cycle"));
  EXPECT_EQ(user(), "pro,500,ok");
  // The failure, delivered again late, does not undo the payment.
  event("evt_4", "invoice.payment_failed",
        invoice_event("invoice.payment_failed", kCreated + 15, "subscription_cycle"));
  EXPECT_EQ(user(), "pro,500,ok");
}

TEST_F(StripeBillingTest, UnknownCustomersAndPricesAreCountedAndChangeNothing) {
  EXPECT_EQ(event("evt_1", "customer.subscription.created",
                  subscription_event("customer.subscription.created", "price_pro_monthly", kCreated,
                                     "sub_9", "cus_nobody")),
            "done");
  EXPECT_EQ(counter("wharf_outreach_unmatched_events_total",
                    {{"source", "stripe"}, {"reason", "unknown_customer"}}),
            1u);
  EXPECT_EQ(event("evt_2", "customer.subscription.created",
                  subscription_event("customer.subscription.created", "price_other", kCreated)),
            "done");
  EXPECT_EQ(counter("wharf_outreach_unmatched_events_total",
                    {{"source", "stripe"}, {"reason", "unknown_price"}}),
            1u);
  EXPECT_EQ(user(), "free,0,ok");
}

TEST_F(StripeBillingTest, TheSameEventTwiceChangesCreditsOnce) {
  auto payload = subscription_event("customer.subscription.created", "price_pro_monthly", kCreated);
  auto [first, d1] = submit("stripe", "evt_1", "customer.subscription.created", payload);
  auto [second, d2] = submit("stripe", "evt_1", "customer.subscription.created", payload);
  EXPECT_TRUE(d2);
  run("stripe");
  exec("UPDATE outreach_users SET credits_remaining = 7");  // spent since
  replay(first, "stripe");
  EXPECT_EQ(user(), "pro,7,ok");
  EXPECT_EQ(value("SELECT count(*) FROM outreach_outbox"), "1");
}

}  // namespace
}  // namespace wharf::outreach::testing
