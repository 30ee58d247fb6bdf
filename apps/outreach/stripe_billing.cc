#include "outreach/stripe_billing.h"

#include <boost/json/parse.hpp>

#include "core/log.h"
#include "dispatch/ordering.h"
#include "outreach/outbox.h"
#include "outreach/records.h"
#include "outreach/sql_values.h"

namespace wharf::outreach {
namespace {

constexpr std::string_view kSource = "stripe";

const boost::json::value* path(const boost::json::value& v,
                               std::initializer_list<std::string_view> keys) {
  const boost::json::value* cur = &v;
  for (auto k : keys) {
    if (!cur->is_object()) return nullptr;
    cur = cur->as_object().if_contains(k);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

std::string text_at(const boost::json::value& v, std::initializer_list<std::string_view> keys) {
  const auto* x = path(v, keys);
  return x && x->is_string() ? std::string(x->as_string()) : std::string();
}

// The subscription's first item's price id (items.data[0].price.id), as the seed reads it.
std::string first_price(const boost::json::value& subscription) {
  const auto* data = path(subscription, {"items", "data"});
  if (!data || !data->is_array() || data->as_array().empty()) return {};
  return text_at(data->as_array()[0], {"price", "id"});
}

struct User {
  std::string id, email, tier, subscription_id;
};

}  // namespace

Result<void> StripeBillingHandler::handle(const store::StoredEvent& event,
                                          store::Transaction& txn) {
  const bool subscription_event = event.type == "customer.subscription.created" ||
                                  event.type == "customer.subscription.deleted";
  const bool invoice_event =
      event.type == "invoice.payment_succeeded" || event.type == "invoice.payment_failed";
  if (!subscription_event && !invoice_event) return {};

  boost::system::error_code ec;
  auto doc = boost::json::parse(event.payload, ec);
  const auto* object = ec ? nullptr : path(doc, {"data", "object"});
  if (object == nullptr || !object->is_object()) {
    log::warn("stripe event without data.object", {{"event_id", event.id}});
    context_.metrics.unmatched(kSource, "malformed");
    return {};
  }
  std::string customer = text_at(*object, {"customer"});
  auto rows = txn.query(
      "SELECT id, email, subscription_tier, coalesce(subscription_id, '') FROM outreach_users "
      "WHERE stripe_customer_id = ?1",
      {customer});
  if (!rows) return rows.error();
  if (customer.empty() || rows->empty()) {
    log::warn("stripe event for no known user", {{"event_id", event.id}, {"type", event.type}});
    context_.metrics.unmatched(kSource, "unknown_customer");
    return {};
  }
  const auto& r = (*rows)[0];
  User user{text_of(r[0]), text_of(r[1]), text_of(r[2]), text_of(r[3])};

  // Stripe stamps events in seconds; ties are broken by wharf's receipt order (ordering.h).
  std::int64_t created_ms = event.received_at_ms;
  if (const auto* c = path(doc, {"created"}); c && c->is_int64()) created_ms = c->as_int64() * 1000;
  // Plan events are ordered per subscription: an upgrade creates one subscription and deletes
  // another, and those two events may arrive in either order without one hiding the other.
  std::string key = subscription_event
                        ? "outreach:stripe:subscription:" + text_at(*object, {"id"}) + ":plan"
                        : "outreach:stripe:" + customer + ":payment";
  auto newer = dispatch::apply_if_newer(txn, key, created_ms, event.id);
  if (!newer) return newer.error();
  if (!*newer) {
    log::info("stripe event older than the state it would change: skipped",
              {{"event_id", event.id}, {"type", event.type}});
    context_.metrics.stale(kSource);
    return {};
  }
  const std::int64_t now = event.received_at_ms;
  const Settings& settings = context_.settings;

  if (event.type == "customer.subscription.created") {
    std::string price = first_price(*object);
    auto tier = settings.tier_of_price(price);
    if (!tier) {
      // The seed would still reset credits here; a price wharf cannot place changes nothing.
      log::warn("subscription with an unconfigured price", {{"event_id", event.id}});
      context_.metrics.unmatched(kSource, "unknown_price");
      return {};
    }
    auto u = txn.execute(
        "UPDATE outreach_users SET subscription_tier = ?2, credits_remaining = ?3, "
        "subscription_id = ?4, updated_at = ?5 WHERE id = ?1",
        {user.id, *tier, settings.credits_of(*tier), text_at(*object, {"id"}), now});
    if (!u) return u.error();
    std::string plan = *tier == kTierTeams ? "Teams" : "Pro";
    auto q = enqueue(
        txn,
        email(settings, event.id + ":welcome", user.email, "Welcome to RoleFerry " + plan + "!",
              "Your RoleFerry " + plan + " plan is active: " +
                  std::to_string(settings.credits_of(*tier)) + " credits are ready."),
        now, context_.outbox);
    if (!q) return q.error();
    return {};
  }
  if (event.type == "customer.subscription.deleted") {
    // Only the subscription the tier came from ends it (a user may have replaced it).
    std::string sub = text_at(*object, {"id"});
    if (!user.subscription_id.empty() && sub != user.subscription_id) return {};
    auto u = txn.execute(
        "UPDATE outreach_users SET subscription_tier = 'free', credits_remaining = ?2, "
        "subscription_id = NULL, updated_at = ?3 WHERE id = ?1",
        {user.id, settings.credits_free, now});
    if (!u) return u.error();
    return {};
  }
  if (event.type == "invoice.payment_succeeded") {
    // A renewal refills the plan's credits; the first invoice comes with the subscription,
    // whose created event already set them.
    bool renewal = text_at(*object, {"billing_reason"}) == "subscription_cycle";
    auto u = txn.execute(
        "UPDATE outreach_users SET payment_status = 'ok', last_payment_at = ?2, "
        "credits_remaining = CASE WHEN ?3 THEN ?4 ELSE credits_remaining END, updated_at = ?2 "
        "WHERE id = ?1",
        {user.id, now, std::int64_t{renewal}, settings.credits_of(user.tier)});
    if (!u) return u.error();
    return {};
  }
  // invoice.payment_failed
  auto u = txn.execute(
      "UPDATE outreach_users SET payment_status = 'past_due', updated_at = ?2 WHERE id = ?1",
      {user.id, now});
  if (!u) return u.error();
  auto q =
      enqueue(txn,
              notification(settings, event.id + ":payment_failed", user.email, "Payment failed",
                           "We could not charge your card for RoleFerry. Please update "
                           "your payment method to keep your plan."),
              now, context_.outbox);
  if (!q) return q.error();
  return {};
}

}  // namespace wharf::outreach
