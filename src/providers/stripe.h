// Stripe: customers and subscriptions for RoleFerry billing (create a customer, subscribe it to a
// price with payment_behavior=default_incomplete so the client confirms the first payment, cancel
// at the period's end). Bodies are form-encoded with Stripe's nested keys (`metadata[k]`,
// `items[0][price]`, `expand[]`). The API key and the Idempotency-Key are added by the pipeline.
// Pure functions; kind() is registered in provider_kind.cc.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "outbound/call.h"
#include "providers/action_support.h"

namespace wharf::providers::stripe {

inline constexpr std::string_view kName = "stripe";
// The API version every typed call asks for (Stripe-Version), so that answers have the shape the
// parsers read (`current_period_end` on the subscription, `latest_invoice.payment_intent`),
// whatever the account's default version is.
inline constexpr std::string_view kApiVersion = "2024-06-20";

// An application/x-www-form-urlencoded body built field by field, names and values
// percent-encoded (brackets included, as Stripe's own libraries send them).
class FormBody {
 public:
  FormBody& add(std::string_view name, std::string_view value);
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// True for a Stripe object id that may go into a path: [A-Za-z0-9_]+.
bool is_valid_id(std::string_view id);

struct CustomerCreate {
  std::string email;
  std::string name;      // optional
  StringPairs metadata;  // metadata[k]=v
};

struct Customer {
  std::string id;
  std::string email;
  std::string name;
};

struct SubscriptionCreate {
  std::string customer;  // cus_...
  std::string price;     // price_...
  std::int64_t quantity = 1;
  StringPairs metadata;
};

struct SubscriptionCancel {
  std::string id;  // sub_...
};

struct Subscription {
  std::string id;
  std::string status;  // "incomplete" after a default_incomplete create
  std::string customer;
  bool cancel_at_period_end = false;
  std::optional<std::int64_t> cancel_at;
  std::optional<std::int64_t> current_period_end;
  std::string latest_invoice_id;             // "" when none
  std::string payment_intent_id;             // when latest_invoice.payment_intent is expanded
  std::string payment_intent_status;         // likewise
  std::optional<std::string> client_secret;  // likewise, for the client to confirm payment
};

// POST /customers.
outbound::Call customer_create_call(const CustomerCreate& create);
// POST /subscriptions with payment_behavior=default_incomplete and
// expand[]=latest_invoice.payment_intent.
outbound::Call subscription_create_call(const SubscriptionCreate& create);
// POST /subscriptions/{id} with cancel_at_period_end=true; kInvalidInput for an id outside
// [A-Za-z0-9_].
Outcome<outbound::Call> subscription_cancel_call(const SubscriptionCancel& cancel);

// 2xx answers; rejected() (Stripe's error.message) for the others.
Outcome<Customer> parse_customer(const outbound::HttpResponse& response);
Outcome<Subscription> parse_subscription(const outbound::HttpResponse& response);

boost::json::value to_json(const Customer& customer);
boost::json::value to_json(const Subscription& subscription);

ProviderKind kind();

}  // namespace wharf::providers::stripe
