#include "mock/providers/stripe.h"

#include <boost/json/serialize.hpp>
#include <map>

#include "http/response.h"

namespace wharf::mock {
namespace {

namespace json = boost::json;
using http::Status;

constexpr std::int64_t kPeriodSeconds = 30 * 24 * 3600;

http::Response stripe_error(Status status, std::string_view type, std::string_view message,
                            std::string_view param = {}, std::string_view code = {}) {
  json::object error{{"type", type}, {"message", message}};
  if (!param.empty()) error["param"] = param;
  if (!code.empty()) error["code"] = code;
  return http::json_response(status, json::object{{"error", std::move(error)}});
}

// `metadata[k]=v` form fields as an object.
json::object metadata_of(const http::QueryParams& form) {
  json::object out;
  constexpr std::string_view kPrefix = "metadata[";
  for (const auto& [k, v] : form) {
    if (k.starts_with(kPrefix) && k.ends_with(']')) {
      out[k.substr(kPrefix.size(), k.size() - kPrefix.size() - 1)] = v;
    }
  }
  return out;
}

json::value string_or_null(const std::string* s) {
  return s ? json::value(*s) : json::value(nullptr);
}

bool expands(const http::QueryParams& form, std::string_view what) {
  for (const auto& [k, v] : form) {
    if ((k == "expand[]" || k.starts_with("expand[")) && v == what) return true;
  }
  return false;
}

class StripeProvider final : public Provider {
 public:
  explicit StripeProvider(IdSource& ids) : ids_(ids) {}

  std::optional<http::Response> handle(const ProviderRequest& req) override {
    if (req.http.method() != http::Verb::post) return std::nullopt;
    constexpr std::string_view kSubs = "/v1/subscriptions/";
    bool known = req.path == "/v1/customers" || req.path == "/v1/subscriptions" ||
                 (req.path.starts_with(kSubs) && req.path.size() > kSubs.size());
    if (!known) return std::nullopt;
    if (bearer_token(req.http).empty()) {
      return stripe_error(Status::unauthorized, "invalid_request_error",
                          "You did not provide an API key. You need to provide your API key in "
                          "the Authorization header, using Bearer auth.");
    }
    auto form = form_body(req.http);
    if (!form) {
      return stripe_error(Status::bad_request, "invalid_request_error",
                          "Invalid request body: expected application/x-www-form-urlencoded.");
    }
    // Stripe keeps a key's first response (for 24 h) and answers a retry with it.
    std::string key;
    if (auto it = req.http.find("Idempotency-Key"); it != req.http.end()) key = it->value();
    std::string fingerprint = std::string(req.path) + "\n" + req.http.body();
    if (!key.empty()) {
      if (auto it = replies_.find(key); it != replies_.end()) {
        if (it->second.fingerprint != fingerprint) {
          return stripe_error(Status::bad_request, "idempotency_error",
                              "Keys for idempotent requests can only be used with the same "
                              "parameters they were first used with. Try using a key other than '" +
                                  key + "' if you meant to execute a different request.");
        }
        http::Response replay = it->second.response;
        replay.set("Idempotent-Replayed", "true");
        replay.set("Idempotency-Key", key);
        return replay;
      }
    }
    http::Response res = dispatch(req, *form);
    res.set("Request-Id", ids_.next("req_"));
    if (!key.empty()) {
      res.set("Idempotency-Key", key);
      replies_.emplace(key, Reply{fingerprint, res});
    }
    return res;
  }

 private:
  struct Reply {
    std::string fingerprint;
    http::Response response;
  };

  http::Response dispatch(const ProviderRequest& req, const http::QueryParams& form) {
    if (req.path == "/v1/customers") return create_customer(req, form);
    if (req.path == "/v1/subscriptions") return create_subscription(req, form);
    return update_subscription(req, form,
                               req.path.substr(std::string_view("/v1/subscriptions/").size()));
  }

  http::Response create_customer(const ProviderRequest& req, const http::QueryParams& form) {
    std::int64_t now = req.now_ms / 1000;
    std::string id = ids_.next("cus_");
    json::object customer{
        {"id", id},
        {"object", "customer"},
        {"address", nullptr},
        {"balance", 0},
        {"created", now},
        {"currency", nullptr},
        {"default_source", nullptr},
        {"delinquent", false},
        {"description", string_or_null(find_param(form, "description"))},
        {"discount", nullptr},
        {"email", string_or_null(find_param(form, "email"))},
        {"invoice_prefix", ids_.next("", 8)},
        {"invoice_settings",
         {{"custom_fields", nullptr},
          {"default_payment_method", nullptr},
          {"footer", nullptr},
          {"rendering_options", nullptr}}},
        {"livemode", false},
        {"metadata", metadata_of(form)},
        {"name", string_or_null(find_param(form, "name"))},
        {"phone", string_or_null(find_param(form, "phone"))},
        {"preferred_locales", json::array{}},
        {"shipping", nullptr},
        {"tax_exempt", "none"},
        {"test_clock", nullptr},
    };
    customers_.emplace(id, customer);
    return http::json_response(Status::ok, customer);
  }

  http::Response create_subscription(const ProviderRequest& req, const http::QueryParams& form) {
    const std::string* customer = find_param(form, "customer");
    if (!customer) {
      return stripe_error(Status::bad_request, "invalid_request_error",
                          "Missing required param: customer.", "customer", "parameter_missing");
    }
    if (!customers_.contains(*customer)) {
      return stripe_error(Status::bad_request, "invalid_request_error",
                          "No such customer: '" + *customer + "'", "customer", "resource_missing");
    }
    const std::string* price = find_param(form, "items[0][price]");
    if (!price) {
      return stripe_error(Status::bad_request, "invalid_request_error",
                          "Missing required param: items.", "items", "parameter_missing");
    }
    std::int64_t now = req.now_ms / 1000;
    std::string id = ids_.next("sub_");
    std::string invoice_id = ids_.next("in_");
    std::string intent_id = ids_.next("pi_", 24);
    const std::string* quantity = find_param(form, "items[0][quantity]");
    json::object item{{"id", ids_.next("si_")},
                      {"object", "subscription_item"},
                      {"created", now},
                      {"metadata", json::object{}},
                      {"price",
                       {{"id", *price},
                        {"object", "price"},
                        {"active", true},
                        {"currency", "usd"},
                        {"recurring", {{"interval", "month"}, {"interval_count", 1}}},
                        {"type", "recurring"}}},
                      {"quantity", quantity ? std::stoll("0" + *quantity) : 1},
                      {"subscription", id}};
    json::value latest_invoice(invoice_id);
    if (expands(form, "latest_invoice") || expands(form, "latest_invoice.payment_intent")) {
      json::value intent(intent_id);
      if (expands(form, "latest_invoice.payment_intent")) {
        intent = json::object{{"id", intent_id},
                              {"object", "payment_intent"},
                              {"amount", 0},
                              {"currency", "usd"},
                              {"client_secret", intent_id + "_secret_" + ids_.next("", 24)},
                              {"status", "requires_payment_method"}};
      }
      latest_invoice =
          json::object{{"id", invoice_id},
                       {"object", "invoice"},
                       {"amount_due", 0},
                       {"currency", "usd"},
                       {"customer", *customer},
                       {"status", "open"},
                       {"subscription", id},
                       {"payment_intent", intent},
                       {"hosted_invoice_url", "https://invoice.stripe.com/i/mock/" + invoice_id}};
    }
    json::object sub{
        {"id", id},
        {"object", "subscription"},
        {"billing_cycle_anchor", now},
        {"cancel_at", nullptr},
        {"cancel_at_period_end", false},
        {"canceled_at", nullptr},
        {"collection_method", "charge_automatically"},
        {"created", now},
        {"currency", "usd"},
        {"current_period_end", now + kPeriodSeconds},
        {"current_period_start", now},
        {"customer", *customer},
        {"default_payment_method", nullptr},
        {"ended_at", nullptr},
        {"items",
         {{"object", "list"},
          {"data", json::array{item}},
          {"has_more", false},
          {"url", "/v1/subscription_items?subscription=" + id}}},
        {"latest_invoice", latest_invoice},
        {"livemode", false},
        {"metadata", metadata_of(form)},
        {"payment_settings",
         {{"payment_method_types", nullptr},
          {"save_default_payment_method",
           find_param(form, "payment_settings[save_default_payment_method]")
               ? json::value(*find_param(form, "payment_settings[save_default_payment_method]"))
               : json::value("off")}}},
        {"start_date", now},
        // Without a payment method every new subscription waits for its first payment;
        // payment_behavior=default_incomplete is the flow the seeds use.
        {"status", "incomplete"},
        {"trial_end", nullptr},
        {"trial_start", nullptr},
    };
    subscriptions_[id] = sub;
    return http::json_response(Status::ok, sub);
  }

  http::Response update_subscription(const ProviderRequest& req, const http::QueryParams& form,
                                     std::string_view id) {
    auto it = subscriptions_.find(std::string(id));
    if (it == subscriptions_.end()) {
      return stripe_error(Status::not_found, "invalid_request_error",
                          "No such subscription: '" + std::string(id) + "'", "id",
                          "resource_missing");
    }
    json::object& sub = it->second;
    if (const std::string* cancel = find_param(form, "cancel_at_period_end")) {
      if (*cancel != "true" && *cancel != "false") {
        return stripe_error(Status::bad_request, "invalid_request_error",
                            "Invalid boolean: " + *cancel, "cancel_at_period_end");
      }
      bool at_end = *cancel == "true";
      sub["cancel_at_period_end"] = at_end;
      sub["cancel_at"] = at_end ? sub["current_period_end"] : json::value(nullptr);
      sub["canceled_at"] = at_end ? json::value(req.now_ms / 1000) : json::value(nullptr);
    }
    for (auto& [k, v] : metadata_of(form)) sub["metadata"].as_object()[k] = v;
    return http::json_response(Status::ok, sub);
  }

  IdSource& ids_;
  std::map<std::string, json::object, std::less<>> customers_;
  std::map<std::string, json::object, std::less<>> subscriptions_;
  std::map<std::string, Reply, std::less<>> replies_;
};

}  // namespace

std::unique_ptr<Provider> make_stripe_provider(IdSource& ids) {
  return std::make_unique<StripeProvider>(ids);
}

}  // namespace wharf::mock
