// Out-of-order protection for handlers. wharf delivers at least once and does not promise order:
// providers themselves send events out of order (Stripe says so), retries reorder them, and the
// deliveries of different events run concurrently. A handler that sets state from an event (a
// subscription's plan, a message's delivery status) asks this helper first, inside its
// transaction: the newest event applied to each object is recorded, and an older one arriving
// later is skipped instead of regressing the state. Writer thread (inside a handler) only.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "store/transaction.h"

namespace wharf::dispatch {

// True, and records (event_time_ms, event_id) as the object's newest, when the event is newer
// than the newest already applied to `object_key` (e.g. "stripe:subscription:sub_123"), or the
// first; false when an event at least as new was applied (skip it). Equal times are ordered by
// event id (wharf's ids grow with receipt), so of two events stamped in the same second the one
// received later wins; the same event again (a replay) is false. Errors are the transaction's.
Result<bool> apply_if_newer(store::Transaction& txn, std::string_view object_key,
                            std::int64_t event_time_ms, std::string_view event_id);

}  // namespace wharf::dispatch
