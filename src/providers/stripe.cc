#include "providers/stripe.h"

#include <algorithm>

#include "core/encoding.h"

namespace wharf::providers::stripe {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kFormType = "application/x-www-form-urlencoded";

outbound::Call form_post(std::string target, const FormBody& form, std::string endpoint) {
  outbound::Call call;
  call.method = "POST";
  call.target = std::move(target);
  call.headers = {{"Content-Type", std::string(kFormType)},
                  {"Stripe-Version", std::string(kApiVersion)}};
  call.body = form.text();
  call.endpoint = std::move(endpoint);
  return call;
}

void add_metadata(FormBody& form, const StringPairs& metadata) {
  for (const auto& [k, v] : metadata) form.add("metadata[" + k + "]", v);
}

std::optional<std::int64_t> optional_int(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v && v->is_int64()) return v->as_int64();
  return std::nullopt;
}

// Stripe's object ids are not secrets, but a wrong one still should not be echoed back at
// length: the message names the field only.
ActionError bad_id(std::string_view field) {
  return invalid_input(std::string(field) + ": must be a Stripe id ([A-Za-z0-9_]+)");
}

}  // namespace

FormBody& FormBody::add(std::string_view name, std::string_view value) {
  if (!text_.empty()) text_ += '&';
  text_ += encoding::url_encode(name);
  text_ += '=';
  text_ += encoding::url_encode(value);
  return *this;
}

bool is_valid_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

outbound::Call customer_create_call(const CustomerCreate& create) {
  FormBody form;
  form.add("email", create.email);
  if (!create.name.empty()) form.add("name", create.name);
  add_metadata(form, create.metadata);
  return form_post("/customers", form, "customers.create");
}

outbound::Call subscription_create_call(const SubscriptionCreate& create) {
  FormBody form;
  form.add("customer", create.customer)
      .add("items[0][price]", create.price)
      .add("items[0][quantity]", std::to_string(create.quantity))
      .add("payment_behavior", "default_incomplete")
      .add("expand[]", "latest_invoice.payment_intent");
  add_metadata(form, create.metadata);
  return form_post("/subscriptions", form, "subscriptions.create");
}

Outcome<outbound::Call> subscription_cancel_call(const SubscriptionCancel& cancel) {
  if (!is_valid_id(cancel.id)) return bad_id("id");
  FormBody form;
  form.add("cancel_at_period_end", "true");
  return form_post("/subscriptions/" + encoding::url_encode(cancel.id), form,
                   "subscriptions.update");
}

Outcome<Customer> parse_customer(const outbound::HttpResponse& response) {
  auto answer = json_answer(kName, response);
  if (!answer) return answer.error();
  Customer c{text_of(*answer, "id"), text_of(*answer, "email"), text_of(*answer, "name")};
  if (c.id.empty()) {
    return ActionError{ActionError::Kind::kBadResponse, "stripe answered without a customer id",
                       response.status, std::nullopt};
  }
  return c;
}

Outcome<Subscription> parse_subscription(const outbound::HttpResponse& response) {
  auto answer = json_answer(kName, response);
  if (!answer) return answer.error();
  const json::object& o = *answer;
  Subscription s;
  s.id = text_of(o, "id");
  if (s.id.empty()) {
    return ActionError{ActionError::Kind::kBadResponse, "stripe answered without a subscription id",
                       response.status, std::nullopt};
  }
  s.status = text_of(o, "status");
  s.customer = text_of(o, "customer");
  if (const json::value* v = o.if_contains("cancel_at_period_end"); v && v->is_bool()) {
    s.cancel_at_period_end = v->as_bool();
  }
  s.cancel_at = optional_int(o, "cancel_at");
  s.current_period_end = optional_int(o, "current_period_end");
  // latest_invoice is an id, or the invoice when expanded (its payment_intent likewise).
  if (const json::value* invoice = o.if_contains("latest_invoice")) {
    if (invoice->is_string()) {
      s.latest_invoice_id = invoice->as_string();
    } else if (invoice->is_object()) {
      s.latest_invoice_id = text_of(*invoice, "id");
      if (const json::value* pi = invoice->as_object().if_contains("payment_intent")) {
        if (pi->is_string()) {
          s.payment_intent_id = pi->as_string();
        } else if (pi->is_object()) {
          s.payment_intent_id = text_of(*pi, "id");
          s.payment_intent_status = text_of(*pi, "status");
          if (std::string secret = text_of(*pi, "client_secret"); !secret.empty()) {
            s.client_secret = std::move(secret);
          }
        }
      }
    }
  }
  return s;
}

json::value to_json(const Customer& c) {
  return json::object{{"id", c.id}, {"email", c.email}, {"name", c.name}};
}

json::value to_json(const Subscription& s) {
  auto optional = [](const auto& v) { return v ? json::value(*v) : json::value(nullptr); };
  auto text_or_null = [](const std::string& v) {
    return v.empty() ? json::value(nullptr) : json::value(v);
  };
  return json::object{{"id", s.id},
                      {"status", s.status},
                      {"customer", s.customer},
                      {"cancel_at_period_end", s.cancel_at_period_end},
                      {"cancel_at", optional(s.cancel_at)},
                      {"current_period_end", optional(s.current_period_end)},
                      {"latest_invoice_id", text_or_null(s.latest_invoice_id)},
                      {"payment_intent_id", text_or_null(s.payment_intent_id)},
                      {"payment_intent_status", text_or_null(s.payment_intent_status)},
                      {"client_secret", optional(s.client_secret)}};
}

namespace {

asio::awaitable<ActionResult> run_customer_create(outbound::Caller& caller,
                                                  const json::object& input, const ChunkSink*) {
  InputReader in(input);
  CustomerCreate create{in.text("email"), in.optional_text("name").value_or(""),
                        in.text_map("metadata")};
  if (auto error = in.error()) co_return *error;
  outbound::Call call = customer_create_call(create);
  Outcome<Customer> result =
      co_await call_and_parse<Customer>(caller, std::move(call), parse_customer);
  if (!result) co_return result.error();
  co_return to_json(*result);
}

asio::awaitable<ActionResult> run_subscription_create(outbound::Caller& caller,
                                                      const json::object& input, const ChunkSink*) {
  InputReader in(input);
  SubscriptionCreate create;
  create.customer = in.text("customer");
  create.price = in.text("price");
  create.quantity = in.integer("quantity", 1, 1, 1'000'000);
  create.metadata = in.text_map("metadata");
  if (!create.customer.empty() && !is_valid_id(create.customer)) {
    in.fail("customer", "must be a Stripe id ([A-Za-z0-9_]+)");
  }
  if (auto error = in.error()) co_return *error;
  outbound::Call call = subscription_create_call(create);
  Outcome<Subscription> result =
      co_await call_and_parse<Subscription>(caller, std::move(call), parse_subscription);
  if (!result) co_return result.error();
  co_return to_json(*result);
}

asio::awaitable<ActionResult> run_subscription_cancel(outbound::Caller& caller,
                                                      const json::object& input, const ChunkSink*) {
  InputReader in(input);
  SubscriptionCancel cancel{in.text("id")};
  if (auto error = in.error()) co_return *error;
  Outcome<outbound::Call> call = subscription_cancel_call(cancel);
  if (!call) co_return call.error();
  Outcome<Subscription> result =
      co_await call_and_parse<Subscription>(caller, std::move(*call), parse_subscription);
  if (!result) co_return result.error();
  co_return to_json(*result);
}

}  // namespace

ProviderKind kind() {
  return ProviderKind{
      kName,
      "https://api.stripe.com/v1",
      "Idempotency-Key",
      {Action{"customer_create", "Create a customer (email, name, metadata)", false,
              run_customer_create},
       Action{"subscription_cancel", "Cancel a subscription at the end of its period", false,
              run_subscription_cancel},
       Action{"subscription_create",
              "Subscribe a customer to a price; the first payment is confirmed by the client "
              "(client_secret)",
              false, run_subscription_create}}};
}

}  // namespace wharf::providers::stripe
