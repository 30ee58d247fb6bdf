#include "providers/stripe.h"

#include <gtest/gtest.h>

#include "provider_test_support.h"

namespace wharf::providers {
namespace {

using testing::header_of;
using testing::run_action;
using testing::ScriptedCaller;

constexpr std::string_view kSubscription = R"({
  "id": "sub_1Q2w3E", "object": "subscription", "status": "incomplete", "customer": "cus_9s8d7f",
  "cancel_at_period_end": false, "cancel_at": null, "current_period_end": 1767225600,
  "latest_invoice": {"id": "in_1abc", "object": "invoice",
    "payment_intent": {"id": "pi_3xyz", "object": "payment_intent",
      "client_secret": "pi_3xyz_secret_k1", "status": "requires_payment_method"}}})";

TEST(StripeActions, CustomerCreateSendsAFormWithMetadata) {
  ScriptedCaller caller;
  caller.answer(200, R"({"id":"cus_9s8d7f","object":"customer","email":"a@b.co","name":"A B"})");
  auto r = run_action("stripe", "customer_create", caller,
                      R"({"email":"a@b.co","name":"A B","metadata":{"user_id":"u 1&x"}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, json::parse(R"({"id":"cus_9s8d7f","email":"a@b.co","name":"A B"})"));
  ASSERT_EQ(caller.calls.size(), 1u);
  const outbound::Call& c = caller.calls[0];
  EXPECT_EQ(c.method, "POST");
  EXPECT_EQ(c.target, "/customers");
  EXPECT_EQ(header_of(c, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(header_of(c, "Stripe-Version"), "2024-06-20");
  EXPECT_EQ(c.body, "email=a%40b.co&name=A%20B&metadata%5Buser_id%5D=u%201%26x");
}

TEST(StripeActions, SubscriptionCreateIsDefaultIncompleteAndExpandsThePaymentIntent) {
  ScriptedCaller caller;
  caller.answer(200, std::string(kSubscription));
  auto r = run_action("stripe", "subscription_create", caller,
                      R"({"customer":"cus_9s8d7f","price":"price_pro_monthly","quantity":2})");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(caller.calls.size(), 1u);
  EXPECT_EQ(caller.calls[0].target, "/subscriptions");
  EXPECT_EQ(caller.calls[0].body,
            "customer=cus_9s8d7f&items%5B0%5D%5Bprice%5D=price_pro_monthly&items%5B0%5D%5Bquantity%"
            "5D=2&payment_behavior=default_incomplete&expand%5B%5D=latest_invoice.payment_intent");
  const json::object& o = r->as_object();
  EXPECT_EQ(o.at("id"), "sub_1Q2w3E");
  EXPECT_EQ(o.at("status"), "incomplete");
  EXPECT_EQ(o.at("latest_invoice_id"), "in_1abc");
  EXPECT_EQ(o.at("payment_intent_id"), "pi_3xyz");
  EXPECT_EQ(o.at("client_secret"), "pi_3xyz_secret_k1");
  EXPECT_EQ(o.at("current_period_end"), 1767225600);
}

TEST(StripeActions, SubscriptionCancelPostsCancelAtPeriodEnd) {
  ScriptedCaller caller;
  caller.answer(200,
                R"({"id":"sub_1Q2w3E","status":"active","cancel_at_period_end":true,
                    "cancel_at":1767225600,"latest_invoice":"in_1abc"})");
  auto r = run_action("stripe", "subscription_cancel", caller, R"({"id":"sub_1Q2w3E"})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(caller.calls[0].method, "POST");
  EXPECT_EQ(caller.calls[0].target, "/subscriptions/sub_1Q2w3E");
  EXPECT_EQ(caller.calls[0].body, "cancel_at_period_end=true");
  EXPECT_EQ(r->as_object().at("cancel_at_period_end"), true);
  EXPECT_EQ(r->as_object().at("latest_invoice_id"), "in_1abc");
  EXPECT_EQ(r->as_object().at("client_secret"), nullptr);
}

TEST(StripeActions, RefusesBadInputNamingTheFieldWithoutCalling) {
  ScriptedCaller caller;
  struct Case {
    std::string_view action, input, message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"customer_create", R"({})", "email: required (a non-empty string)"},
           {"customer_create", R"({"email":"a@b.co","metadata":{"k":1}})",
            "metadata.k: must be a string"},
           {"customer_create", R"({"email":"a@b.co","nmae":"typo"})", "nmae: unknown field"},
           {"subscription_create", R"({"customer":"cus_1"})",
            "price: required (a non-empty string)"},
           {"subscription_create", R"({"customer":"cus_1","price":"p","quantity":0})",
            "quantity: must be an integer from 1 to 1000000"},
           {"subscription_cancel", R"({"id":"../customers/cus_1"})",
            "id: must be a Stripe id ([A-Za-z0-9_]+)"},
           {"subscription_cancel", R"({"id":"sub_1?x=1"})",
            "id: must be a Stripe id ([A-Za-z0-9_]+)"},
       }) {
    auto r = run_action("stripe", c.action, caller, c.input);
    ASSERT_FALSE(r) << c.input;
    EXPECT_EQ(r.error().kind, ActionError::Kind::kInvalidInput);
    EXPECT_EQ(r.error().message, c.message);
  }
  EXPECT_TRUE(caller.calls.empty());
}

TEST(StripeActions, MapsStripeErrorsAndCallErrors) {
  ScriptedCaller caller;
  caller.answer(404, R"({"error":{"type":"invalid_request_error","code":"resource_missing",
                          "message":"No such subscription: 'sub_nope'","param":"id"}})");
  auto r = run_action("stripe", "subscription_cancel", caller, R"({"id":"sub_nope"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ActionError::Kind::kRejected);
  EXPECT_EQ(r.error().status, 404);
  EXPECT_EQ(r.error().message,
            "stripe rejected the request (HTTP 404): No such subscription: 'sub_nope'");

  caller.fail(outbound::CallErrorKind::kCircuitOpen, "stripe: circuit open");
  r = run_action("stripe", "customer_create", caller, R"({"email":"a@b.co"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ActionError::Kind::kCall);
  EXPECT_EQ(r.error().call->kind, outbound::CallErrorKind::kCircuitOpen);

  caller.answer(200, "not json");
  r = run_action("stripe", "customer_create", caller, R"({"email":"a@b.co"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ActionError::Kind::kBadResponse);
}

TEST(StripeIds, AllowOnlyAlphanumericsAndUnderscore) {
  EXPECT_TRUE(stripe::is_valid_id("sub_1Q2w3E"));
  EXPECT_FALSE(stripe::is_valid_id(""));
  EXPECT_FALSE(stripe::is_valid_id("sub/1"));
  EXPECT_FALSE(stripe::is_valid_id("sub-1"));
  EXPECT_FALSE(stripe::subscription_cancel_call({"a%2F"}));
}

}  // namespace
}  // namespace wharf::providers
