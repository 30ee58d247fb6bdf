// The outbox sender (docs/outreach.md, "The outbox"): carries out what the handlers recorded in
// `outreach_outbox`. Each pass claims the due rows with a lease (in the store's writer
// transaction, Store::transact), runs each row's provider action through that provider's pipeline
// (outbound::ProviderSet: credentials, rate limit, breaker, retries, request log), then records
// the outcome under the same lease: `sent`; `pending` again later (the pipeline gave up: rate
// limited, circuit open, transport, 5xx/429, honouring retry_after) on a retry schedule; or `dead`
// (invalid input, a 4xx, an unknown provider or action, or the schedule is exhausted). Delivery is
// at least once: a crash between a call and its record sends that message again.
//
// The loop runs as a coroutine on the executor given to start(); its waits are timers there. The
// object may be destroyed while the loop's coroutine is suspended (the loop keeps what it needs
// alive), but the store, providers, registry and clock must outlive the loop's executor.
// Thread-safe.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "core/clock.h"
#include "core/uniform01.h"
#include "dispatch/retry_policy.h"
#include "observe/metrics.h"
#include "outbound/provider_client.h"
#include "outreach/context.h"
#include "store/store.h"

namespace wharf::outreach {

struct OutboxSenderOptions {
  // The loop claims when a handler queued a message (`signal`), when the earliest waiting message
  // is due, and at least every `max_idle` (messages written by other means); in between it only
  // looks at the signal, every `check_interval`, without touching the store. Null signal: only
  // the two others.
  const OutboxSignal* signal = nullptr;
  std::chrono::milliseconds check_interval{100};
  std::chrono::milliseconds max_idle{std::chrono::seconds(60)};
  int batch = 16;  // messages claimed per pass
  // How long a claimed message is the sender's: past it (a crash), it is due again.
  std::chrono::milliseconds lease{std::chrono::minutes(5)};
  // The waits after failed attempts; past the last one the message is dead. A provider's
  // retry_after raises a wait, never shortens it.
  dispatch::RetrySchedule retry{{std::chrono::seconds(30), std::chrono::minutes(2),
                                 std::chrono::minutes(10), std::chrono::hours(1),
                                 std::chrono::hours(6)}};
  double jitter = 0.2;  // dispatch::RetryPolicy's: each wait in [0.8 d, d]
  Uniform01 uniform01;  // the jitter's randomness (tests); empty: the default
};

// What one pass did.
struct OutboxPass {
  int claimed = 0;
  int sent = 0;
  int failed = 0;  // to be tried again
  int dead = 0;
  // When the earliest message still waiting is due (its next attempt, or its lease's end);
  // nullopt when none waits, or when the pass could not claim.
  std::optional<std::int64_t> next_due_ms;
};

class OutboxSender {
 public:
  OutboxSender(store::Store& store, outbound::ProviderSet& providers, observe::Registry& metrics,
               const Clock& clock, OutboxSenderOptions options = {});
  ~OutboxSender();

  // Starts the loop on `executor`: first the leases of an earlier run are released (SQLite is
  // single-node: nothing else can hold them), then a pass at once, and again as
  // OutboxSenderOptions says (at once when a pass claimed a full batch). Call once.
  void start(boost::asio::any_io_executor executor);
  // Asks the loop to end: it finishes the message in hand, records it, and stops before the next
  // claim. Returns at once; a message claimed but not recorded is due again after its lease (at
  // once after a restart). Idempotent.
  void stop();
  // True from start() until the loop has ended.
  bool running() const;

  // One pass over the due messages (the loop's body; tests call it directly). Runs on the
  // calling coroutine's executor. Storage errors are logged and end the pass early.
  boost::asio::awaitable<OutboxPass> send_due();
  // Makes every message claimed by an earlier run due now.
  boost::asio::awaitable<Result<void>> release_leases();

  struct Core;

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace wharf::outreach
