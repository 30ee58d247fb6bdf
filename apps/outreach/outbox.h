// The outbox (docs/outreach.md, "The outbox"): a handler runs inside the store's writer
// transaction and must not call the network, so what it wants sent (a Slack alert, a welcome
// email, a notification) is recorded here, in the same transaction, as one provider action with
// its JSON input (docs/providers.md). It is therefore sent only if the state that caused it
// commits, and at most once per cause: `dedup_key` is unique. The sender (outbox_sender.h)
// carries the rows out later through the outbound pipeline. Writer thread (inside a transaction).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "outreach/context.h"
#include "outreach/settings.h"
#include "store/transaction.h"

namespace wharf::outreach {

struct OutboxMessage {
  std::string dedup_key;  // the cause: "<event id>:<what>"
  std::string provider;   // a configured provider's name
  std::string action;     // one of its kind's actions: "chat_post_message", "mail_send"
  boost::json::object input;
};

// Records `message`, due at `now_ms`, and notifies `signal` (the sender looks at once). True
// when recorded; false when a message with the same dedup_key already was (nothing changes).
// Errors are the transaction's.
Result<bool> enqueue(store::Transaction& txn, const OutboxMessage& message, std::int64_t now_ms,
                     const OutboxSignal& signal);

// A Slack message to `channel` through settings.alert_provider.
OutboxMessage slack_alert(const Settings& settings, std::string dedup_key, std::string text);
// An email from the application (settings.email_*) to `to`.
OutboxMessage email(const Settings& settings, std::string dedup_key, std::string to,
                    std::string subject, std::string text);
// A notification for a user, through the configured notifier: an email to `user_email`, or a
// Slack message (title, body and the user's address) to the notifier's channel.
OutboxMessage notification(const Settings& settings, std::string dedup_key, std::string user_email,
                           std::string title, std::string body);

}  // namespace wharf::outreach
