// Rules on the outreach records that several handlers share (docs/outreach.md): which events were
// already applied, how an outreach's status moves, and a mailbox's 7-day health. Writer thread
// (inside a handler's transaction).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "store/deliveries.h"
#include "store/transaction.h"

namespace wharf::outreach {

inline constexpr std::int64_t kDayMs = 24 * 3600 * 1000;
inline constexpr std::int64_t kMailboxWindowMs = 7 * kDayMs;

// Records that `event` is being applied. True the first time; false when it already was (a
// replay: the caller changes nothing). Errors are the transaction's.
Result<bool> first_application(store::Transaction& txn, const store::StoredEvent& event);

// An outreach's status only moves forward: draft < sent < delivered < bounced < replied < spam.
// The rank of `status` (0 for draft and anything unknown).
int status_rank(std::string_view status);
// True when an outreach in `current` may move to `next`.
inline bool advances(std::string_view current, std::string_view next) {
  return status_rank(next) > status_rank(current);
}

// Health of a mailbox from its last 7 days: 100 − 10 per bounce − 30 per spam report, at least 0.
int mailbox_health(std::int64_t bounces_7d, std::int64_t spam_reports_7d);

// Counts an incident ("bounce" or "spam") of `outreach_id` against the mailbox `address` at
// `at_ms` (once per outreach and kind), then recomputes the mailbox's 7-day counts (incidents in
// (at_ms − 7 d, at_ms]) and health. A mailbox wharf does not know is left alone (false).
Result<bool> record_mailbox_incident(store::Transaction& txn, const std::string& address,
                                     std::string_view kind, const std::string& outreach_id,
                                     std::int64_t at_ms);

// "a@b.c" out of "Name <A@B.C>" or "a@b.c", lower-cased; "" when there is none.
std::string email_address(std::string_view text);

}  // namespace wharf::outreach
