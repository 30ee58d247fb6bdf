// `outreach.sendgrid`: applies SendGrid event webhooks (one stored event per array element, see
// inbound/verifiers/sendgrid.h) to the outreach records, as seeds/roleferry-webhooks-guide.md §2
// and docs/outreach.md describe: delivered, bounce (3 bounced outreach suppress the contact;
// mailbox health), spamreport (opt-out, counts, a Slack alert through the outbox), click (count,
// first click time). Other event types are accepted and change nothing. Writer thread.
#pragma once

#include "dispatch/handler.h"
#include "outreach/context.h"

namespace wharf::outreach {

class SendGridEventsHandler final : public dispatch::Handler {
 public:
  explicit SendGridEventsHandler(const Context& context) : context_(context) {}
  // Errors only from the transaction (retried); an event that matches no outreach is logged,
  // counted and done.
  Result<void> handle(const store::StoredEvent& event, store::Transaction& txn) override;

 private:
  const Context& context_;
};

}  // namespace wharf::outreach
