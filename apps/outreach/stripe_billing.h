// `outreach.stripe`: applies Stripe billing events to the users, as
// seeds/roleferry-webhooks-guide.md §3 and docs/outreach.md describe:
// customer.subscription.created → the tier of its price (settings.price_tiers) and that tier's
// credits, plus a welcome email through the outbox; invoice.payment_succeeded → paid (credits
// renewed on a subscription cycle); invoice.payment_failed → past due, and the user is notified;
// customer.subscription.deleted → free. Subscription and payment events are ordered per customer
// with dispatch::apply_if_newer, so an older event arriving later never regresses the state.
// Writer thread.
#pragma once

#include "dispatch/handler.h"
#include "outreach/context.h"

namespace wharf::outreach {

class StripeBillingHandler final : public dispatch::Handler {
 public:
  explicit StripeBillingHandler(const Context& context) : context_(context) {}
  // Errors only from the transaction (retried); an event for an unknown customer or price is
  // logged, counted and done.
  Result<void> handle(const store::StoredEvent& event, store::Transaction& txn) override;

 private:
  const Context& context_;
};

}  // namespace wharf::outreach
