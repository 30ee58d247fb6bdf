// `outreach.mailgun`: detects replies to outreach in Mailgun inbound messages (a route's
// forward(), stored as a JSON object of the form's fields, inbound/verifiers/mailgun.h), as
// seeds/roleferry-webhooks-guide.md §4 describes, improved (docs/outreach.md): the reply is matched
// by its In-Reply-To, then its References, against the outreach's Message-ID; only then by the
// seed's rule (the latest sent or delivered outreach from the receiving mailbox, to the sender
// first). A match is marked replied, its sequence stopped, its application moved from applied to
// interviewing, and the user notified through the outbox. Writer thread.
#pragma once

#include <string>
#include <vector>

#include "dispatch/handler.h"
#include "outreach/context.h"

namespace wharf::outreach {

class MailgunRepliesHandler final : public dispatch::Handler {
 public:
  explicit MailgunRepliesHandler(const Context& context) : context_(context) {}
  // Errors only from the transaction (retried); a reply that matches nothing is logged, counted
  // and done.
  Result<void> handle(const store::StoredEvent& event, store::Transaction& txn) override;

 private:
  const Context& context_;
};

// The message ids in an In-Reply-To or References value ("<a@x> <b@y>"), without the brackets,
// in order.
std::vector<std::string> message_ids(std::string_view header);

}  // namespace wharf::outreach
