// The delivery queue's vocabulary (Store's dispatch half, store.h): one delivery per (event,
// target) decided by the router at ingest, claimed with a lease for forwarding or run in a store
// transaction for built-in handlers, with every attempt kept. Plain data; thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace wharf::store {

class Transaction;

// The targets an event of (source, type) must reach, e.g. {"handler:outreach.billing",
// "forward:app"}; empty: the event is `ignored`. Called on the store's writer thread for every
// newly stored or replayed event: must be fast, non-blocking and thread-safe.
using Router =
    std::function<std::vector<std::string>(std::string_view source, std::string_view type)>;

// A stored event as a target receives it.
struct StoredEvent {
  std::string id;  // wharf's event id (evt_...)
  std::string source;
  std::string provider_event_id;
  std::string type;
  std::string payload;
  std::string content_type;
  std::int64_t received_at_ms = 0;
};

// A delivery leased to one worker by Store::claim.
struct ClaimedDelivery {
  std::int64_t delivery_id = 0;
  std::int64_t lease = 0;   // the claim's token: its result is accepted only while it is current
  std::int64_t series = 1;  // 1 + the number of replays of this delivery
  int attempts_before = 0;  // attempts already made in this series
  StoredEvent event;
};

struct ClaimResult {
  std::vector<ClaimedDelivery> deliveries;
  // The earliest time another delivery of the target becomes due (its next attempt, or the
  // expiry of a lease); nullopt when the target has nothing waiting.
  std::optional<std::int64_t> next_due_ms;
};

// One attempt, as kept in the attempt log and shown by the admin API.
struct AttemptRecord {
  std::int64_t at_ms = 0;
  std::int64_t duration_ms = 0;
  std::string outcome;  // ok | failed | gone (410: destination disabled) | ...
  int status_code = 0;  // the HTTP status of a forward; 0 when there was none
  std::string error;    // empty on success; never holds a secret
};

// What becomes of a claimed delivery after its attempt.
struct DeliveryResult {
  std::int64_t delivery_id = 0;
  std::int64_t lease = 0;
  std::int64_t series = 1;
  int number = 1;  // the attempt's number in its series (ClaimedDelivery::attempts_before + 1)
  enum class Next { kDone, kRetry, kDead };
  Next next = Next::kDone;
  std::int64_t next_attempt_ms = 0;  // kRetry: when the delivery is due again
  AttemptRecord attempt;
};

// A batch of one built-in handler's due deliveries, run by the store inside one transaction.
struct HandlerRun {
  std::string target;  // "handler:NAME"
  int limit = 256;
  std::int64_t now_ms = 0;  // selects the deliveries due by then; attempts are stamped by the
                            // store's clock when they run (the job may wait in the queue)
  // Applies the event. Its statements on the Transaction commit with the delivery's `done`; an
  // error (or exception) rolls them back and counts as a failed attempt.
  std::function<Result<void>(const StoredEvent&, Transaction&)> handle;
  // After `attempts_made` failed attempts of the series: when to try again, or nullopt to give up
  // (the delivery goes to the DLQ).
  std::function<std::optional<std::int64_t>(const StoredEvent&, int attempts_made)> retry_at;
};

struct HandlerRunResult {
  int done = 0;
  int failed = 0;  // will be retried
  int dead = 0;
  std::vector<std::int64_t> done_received_at_ms;  // of the events whose delivery is done
  std::optional<std::int64_t> next_due_ms;        // as ClaimResult::next_due_ms, after the run
};

// Which events a replay dispatches again (a new series of attempts for each of their targets,
// resolved by the router now, so a route added since reaches old events too).
struct ReplayFilter {
  std::optional<std::string> event_id;  // exactly this event (only `status` also applies)
  std::optional<std::string> source;
  std::optional<std::string> type;
  std::optional<std::string> status;
  std::optional<std::int64_t> since_ms;  // received at or after
  std::optional<std::int64_t> until_ms;  // received before
  std::optional<std::string> cursor;     // from a previous ReplayResult::next_cursor
  int limit = 1000;                      // 1..10000 events per call
  std::int64_t now_ms = 0;
};

// The events a replay filter matched (Store::select_for_replay), to be passed to Store::replay.
struct ReplaySelection {
  std::vector<std::string> event_ids;  // oldest first
  // The filter's status: then only the deliveries in that status are replayed (an event's
  // `dead` deliveries, not the targets that already succeeded), plus targets routed since.
  // Without it every routed target of each event is replayed.
  std::optional<std::string> status;
  std::optional<std::string> next_cursor;  // more events may match: select again with it
  std::int64_t now_ms = 0;                 // when the replayed deliveries are due
};

struct ReplayResult {
  int replayed = 0;    // selected events still found (each was re-routed)
  int deliveries = 0;  // deliveries scheduled for them
};

// Deliveries by target and status, for metrics and the status page.
struct QueueDepth {
  std::string target;
  std::string status;  // pending | processing | failed | dead
  std::int64_t count = 0;
};

struct TargetState {
  std::string target;
  std::int64_t disabled_at_ms = 0;
  std::string reason;
};

}  // namespace wharf::store
