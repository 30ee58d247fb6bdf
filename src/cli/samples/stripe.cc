#include "cli/samples/sample_builders.h"

namespace wharf::cli::samples {
namespace json = boost::json;
namespace {

// Stable demo objects, so a series of triggers tells one subscription's story (created, then
// updated, then deleted) and out-of-order handling can be tried by sending them out of order.
constexpr std::string_view kStripeCustomer = "cus_RfDemoJordan01";
constexpr std::string_view kStripeSubscription = "sub_1RfDemoSubscriptionPro0";
constexpr std::string_view kStripePricePro = "price_1RfProMonthly00000000";
constexpr std::string_view kStripePriceTeams = "price_1RfTeamsMonthly000000";
constexpr std::string_view kStripeApiVersion = "2024-06-20";
constexpr std::int64_t kMonth = 30 * 86400;

std::string customer_of(const SampleContext& ctx) {
  return ctx.setting("customer").value_or(std::string(kStripeCustomer));
}
std::string subscription_of(const SampleContext& ctx) {
  return ctx.setting("subscription").value_or(std::string(kStripeSubscription));
}

json::object stripe_price(std::string_view id, bool teams) {
  return {{"id", id},
          {"object", "price"},
          {"active", true},
          {"billing_scheme", "per_unit"},
          {"currency", "usd"},
          {"livemode", false},
          {"lookup_key", teams ? "teams_monthly" : "pro_monthly"},
          {"nickname", teams ? "RoleFerry Teams" : "RoleFerry Pro"},
          {"product", teams ? "prod_RfTeams0000001" : "prod_RfPro000000001"},
          {"recurring", json::object{{"interval", "month"}, {"interval_count", 1}}},
          {"type", "recurring"},
          {"unit_amount", teams ? 9900 : 2900}};
}

json::object stripe_subscription(SampleContext& ctx, bool teams, std::string_view status) {
  std::int64_t start = ctx.now_s() - 3600;
  json::object item{{"id", "si_" + ctx.alnum(14)},
                    {"object", "subscription_item"},
                    {"created", start},
                    {"metadata", json::object{}},
                    {"price", stripe_price(ctx.setting("price").value_or(std::string(
                                               teams ? kStripePriceTeams : kStripePricePro)),
                                           teams)},
                    {"quantity", 1},
                    {"subscription", subscription_of(ctx)}};
  return {{"id", subscription_of(ctx)},
          {"object", "subscription"},
          {"application", nullptr},
          {"billing_cycle_anchor", start},
          {"cancel_at", nullptr},
          {"cancel_at_period_end", false},
          {"canceled_at", nullptr},
          {"collection_method", "charge_automatically"},
          {"created", start},
          {"currency", "usd"},
          {"current_period_end", start + kMonth},
          {"current_period_start", start},
          {"customer", customer_of(ctx)},
          {"default_payment_method", "pm_1" + ctx.alnum(23)},
          {"ended_at", nullptr},
          {"items",
           json::object{{"object", "list"},
                        {"data", json::array{item}},
                        {"has_more", false},
                        {"total_count", 1},
                        {"url", "/v1/subscription_items?subscription=" + subscription_of(ctx)}}},
          {"latest_invoice", "in_1" + ctx.alnum(23)},
          {"livemode", false},
          {"metadata", json::object{{"roleferry_user_id", "4821"}}},
          {"start_date", start},
          {"status", status},
          {"trial_end", nullptr}};
}

json::object stripe_invoice(SampleContext& ctx, bool paid) {
  std::int64_t start = ctx.now_s() - 60;
  json::object line{
      {"id", "il_1" + ctx.alnum(23)},
      {"object", "line_item"},
      {"amount", 2900},
      {"currency", "usd"},
      {"description", "1 \u00d7 RoleFerry Pro (at $29.00 / month)"},
      {"livemode", false},
      {"period", json::object{{"end", start + kMonth}, {"start", start}}},
      {"price", stripe_price(ctx.setting("price").value_or(std::string(kStripePricePro)), false)},
      {"proration", false},
      {"quantity", 1},
      {"subscription", subscription_of(ctx)},
      {"type", "subscription"}};
  std::string id = "in_1" + ctx.alnum(23);
  return {{"id", id},
          {"object", "invoice"},
          {"account_country", "US"},
          {"amount_due", 2900},
          {"amount_paid", paid ? 2900 : 0},
          {"amount_remaining", paid ? 0 : 2900},
          {"attempt_count", 1},
          {"attempted", true},
          {"billing_reason", "subscription_cycle"},
          {"charge", "ch_3" + ctx.alnum(23)},
          {"collection_method", "charge_automatically"},
          {"created", start},
          {"currency", "usd"},
          {"customer", customer_of(ctx)},
          {"customer_email", kContacts[0].email},
          {"hosted_invoice_url", "https://invoice.stripe.com/i/acct_1RfDemo/test_" + ctx.alnum(24)},
          {"lines", json::object{{"object", "list"},
                                 {"data", json::array{line}},
                                 {"has_more", false},
                                 {"total_count", 1},
                                 {"url", "/v1/invoices/" + id + "/lines"}}},
          {"livemode", false},
          {"next_payment_attempt", paid ? json::value(nullptr) : json::value(start + 3 * 86400)},
          {"number", "RF" + ctx.upper_alnum(6) + "-0001"},
          {"paid", paid},
          {"payment_intent", "pi_3" + ctx.alnum(23)},
          {"period_end", start},
          {"period_start", start - kMonth},
          {"status", paid ? "paid" : "open"},
          {"subscription", subscription_of(ctx)},
          {"subtotal", 2900},
          {"total", 2900}};
}

json::object stripe_checkout_session(SampleContext& ctx) {
  return {
      {"id", "cs_test_a1" + ctx.alnum(56)},
      {"object", "checkout.session"},
      {"amount_subtotal", 2900},
      {"amount_total", 2900},
      {"client_reference_id", "4821"},
      {"created", ctx.now_s() - 120},
      {"currency", "usd"},
      {"customer", customer_of(ctx)},
      {"customer_details",
       json::object{{"email", kContacts[0].email}, {"name", kContacts[0].name}}},
      {"customer_email", nullptr},
      {"expires_at", ctx.now_s() + 86400 - 120},
      {"invoice", "in_1" + ctx.alnum(23)},
      {"livemode", false},
      {"metadata", json::object{}},
      {"mode", "subscription"},
      {"payment_status", "paid"},
      {"status", "complete"},
      {"subscription", subscription_of(ctx)},
      {"success_url", "https://app.roleferry.com/billing/success?session_id={CHECKOUT_SESSION_ID}"},
      {"url", nullptr}};
}

}  // namespace

Result<Sample> stripe_sample(std::string_view type, SampleContext& ctx) {
  json::object data;
  if (type == "customer.subscription.created") {
    data["object"] = stripe_subscription(ctx, false, "active");
  } else if (type == "customer.subscription.updated") {
    // An upgrade from Pro to Teams: Stripe sends the changed fields' old values alongside.
    data["object"] = stripe_subscription(ctx, true, "active");
    json::object old_items = stripe_subscription(ctx, false, "active")["items"].as_object();
    data["previous_attributes"] = json::object{{"items", old_items}};
  } else if (type == "customer.subscription.deleted") {
    json::object sub = stripe_subscription(ctx, false, "canceled");
    sub["canceled_at"] = ctx.now_s();
    sub["ended_at"] = ctx.now_s();
    sub["cancellation_details"] = json::object{
        {"comment", nullptr}, {"feedback", nullptr}, {"reason", "cancellation_requested"}};
    data["object"] = std::move(sub);
  } else if (type == "invoice.payment_succeeded" || type == "invoice.paid") {
    data["object"] = stripe_invoice(ctx, true);
  } else if (type == "invoice.payment_failed") {
    data["object"] = stripe_invoice(ctx, false);
  } else {  // checkout.session.completed (make_sample checked the type)
    data["object"] = stripe_checkout_session(ctx);
  }
  std::string id = "evt_1" + ctx.alnum(23);
  json::object event{
      {"id", id},
      {"object", "event"},
      {"api_version", kStripeApiVersion},
      {"created", ctx.now_s()},
      {"data", std::move(data)},
      {"livemode", false},
      {"pending_webhooks", 1},
      {"request", json::object{{"id", "req_" + ctx.alnum(14)}, {"idempotency_key", ctx.uuid()}}},
      {"type", type}};
  Sample s = json_sample(event, 2, std::move(id));  // Stripe pretty-prints its bodies
  s.content_type = "application/json; charset=utf-8";
  s.headers = {{"User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}};
  return s;
}

}  // namespace wharf::cli::samples
