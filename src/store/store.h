// The Store: wharf's durable state behind one interface, with one engine per backend registered
// by URL scheme (sqlite:// now; postgresql:// is planned and must pass the same typed test suite).
//
// Writes of inbound events go through submit(): the engine batches concurrent submissions into one
// transaction and one sync (group commit) and completes each submitter only after that commit is
// durable. Reads are blocking calls, to be made off the I/O threads. Thread-safe.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/home_executor.h"
#include "store/connections.h"
#include "store/deliveries.h"
#include "store/transaction.h"

namespace wharf::observe {
class Registry;
}
namespace wharf::auth {
class WrappedKeyStore;
}

namespace wharf::store {

struct NewEvent {
  std::string source;
  std::string provider_event_id;
  std::string type;
  std::string payload;
  std::string content_type;
  std::int64_t received_at_ms = 0;
  std::string replay_nonce;  // unique per source when not empty (see inbound ParsedEvent)
};

struct IngestOutcome {
  std::string id;          // the stored event's id (assigned by the store, core/ids.h): the new
                           // one, or the first one's if duplicate
  bool duplicate = false;  // an event with the same (source, provider_event_id) was already stored
  bool replayed = false;   // refused: its replay_nonce was already used by another event of the
                           // source (id is empty; nothing was stored)
};
// One outcome per submitted event, in order; or kUnavailable when the commit failed, in which
// case none of the submitted events is stored.
using IngestResult = Result<std::vector<IngestOutcome>>;
// Called once, on the store's writer thread; must not block (async_submit posts it onward).
using IngestHandler = boost::asio::any_completion_handler<void(IngestResult)>;

struct EventSummary {
  std::string id;
  std::string source;
  std::string provider_event_id;
  std::string type;
  std::string status;  // pending | processing | done | failed | dead | ignored
  std::int64_t attempts = 0;
  std::int64_t received_at_ms = 0;
};

struct DeliveryAttempt {
  std::string target;
  std::int64_t series = 1;
  int number = 0;  // 1-based within the series
  AttemptRecord record;
};

// The current state of one of an event's deliveries.
struct DeliveryState {
  std::string target;
  std::string status;  // pending | processing | done | failed | dead
  int attempts = 0;    // in the current series
  std::int64_t series = 1;
  std::optional<std::int64_t> next_attempt_ms;  // while pending or failed
  std::string last_error;
};

struct EventDetail {
  EventSummary summary;
  std::string payload;
  std::string content_type;
  std::vector<DeliveryState> targets;
  std::vector<DeliveryAttempt> attempts;  // every attempt of every series, oldest first
};

struct EventFilter {
  std::optional<std::string> source;
  std::optional<std::string> type;
  std::optional<std::string> status;
  int limit = 50;                     // 1..1000
  std::optional<std::string> cursor;  // from a previous EventPage::next_cursor (an event id)
};

struct EventPage {
  std::vector<EventSummary> events;  // newest first
  std::optional<std::string> next_cursor;
};

// An application's schema (an application built on the engine, e.g. apps/outreach): its own
// numbered migrations, applied in order after the engine's at open and recorded per application,
// so an application's numbers never collide with the engine's or another application's. SQL in the
// engine's dialect (SQLite now). Never edit a migration that has shipped: add the next number.
struct AppMigration {
  int version = 0;  // > 0, increasing
  std::string sql;  // one or more statements
};
struct AppSchema {
  std::string app;  // a stable name: "outreach"
  std::vector<AppMigration> migrations;
};

struct StoreOptions {
  std::size_t max_batch_events = 2048;  // upper bound of one group commit
  // Events waiting for the writer beyond which submit() fails at once with kUnavailable (503 +
  // Retry-After), so a slow disk cannot grow memory without bound.
  std::size_t max_queued_events = 100'000;
  observe::Registry* metrics = nullptr;  // optional: commit batch sizes and durations
  // Stamps what the store decides the time of itself: results and handler attempts as they are
  // recorded, leases released at start-up. Must outlive the store.
  const Clock* clock = &SystemClock::instance();
  // Decides each new or replayed event's deliveries; unset: every event is `ignored`.
  Router router;
  // Called on the writer thread after a commit that made deliveries due (new events with targets,
  // replays, re-enabled targets), with those targets; must not block (the dispatcher posts a
  // wake-up for their lanes only).
  std::function<void(const std::vector<std::string>& targets)> on_deliveries_due;
  // Applications' schemas, migrated after the engine's; open fails (kUnavailable, naming the
  // application and version) when one of their migrations fails, and nothing of it is kept.
  std::vector<AppSchema> app_schemas;
};

class Store {
 public:
  virtual ~Store() = default;

  // Queues `events` for the next group commit; `done` is called once the transaction holding
  // them is durable (or failed). Never blocks the caller.
  virtual void submit(std::vector<NewEvent> events, IngestHandler done) = 0;

  // Blocking reads. Error kInvalidArgument for a malformed cursor, kUnavailable on storage failure.
  virtual Result<EventPage> list_events(const EventFilter& filter) = 0;
  virtual Result<std::optional<EventDetail>> get_event(std::string_view id) = 0;
  // Cheap liveness probe of the database (for /readyz).
  virtual Result<void> ping() = 0;

  // The delivery queue (deliveries.h). Writes are group-committed with ingest and complete
  // through `done` once durable (or failed), on the writer thread: the callee must not block.
  //
  // Leases up to `limit` due deliveries of `target` until `lease_until_ms`: a delivery whose
  // lease expires without a result (its worker crashed) is due again.
  virtual void claim(std::string target, int limit, std::int64_t now_ms,
                     std::int64_t lease_until_ms,
                     std::function<void(Result<ClaimResult>)> done) = 0;
  // Records the attempts of claimed deliveries and their next state. A result whose lease is no
  // longer current (the delivery was replayed meanwhile) keeps its attempt in the log but does
  // not change the delivery.
  virtual void complete(std::vector<DeliveryResult> results,
                        std::function<void(Result<void>)> done) = 0;
  // Runs a built-in handler over its due deliveries (deliveries.h HandlerRun).
  virtual void run_handler(HandlerRun run, std::function<void(Result<HandlerRunResult>)> done) = 0;
  // Blocking read: the events `filter` matches (kInvalidArgument for a malformed cursor).
  virtual Result<ReplaySelection> select_for_replay(const ReplayFilter& filter) = 0;
  // Resets the selected events' deliveries to a new series, due at selection.now_ms, with their
  // targets resolved by the router now.
  virtual void replay(ReplaySelection selection,
                      std::function<void(Result<ReplayResult>)> done) = 0;
  // Disables a target (a destination answered 410) or, with `reason` nullopt, enables it again.
  virtual void set_target_disabled(std::string target, std::optional<std::string> reason,
                                   std::int64_t now_ms, std::function<void(Result<void>)> done) = 0;
  // Runs an application's own writes (its outbox, its API) in the writer's transaction, queued
  // with ingest and the dispatch jobs and group-committed with them, in a savepoint of its own:
  // when `work` returns an error (or throws), its statements are undone and `done` gets that
  // error; otherwise `done` gets the commit's outcome (kUnavailable when it failed, and then
  // nothing of `work` is kept). `work` runs on the writer thread and must not block; the
  // Transaction is valid only during the call. `done` is called once, on the writer thread (it
  // must not block either); kUnavailable at once after close().
  virtual void transact(std::function<Result<void>(Transaction&)> work,
                        std::function<void(Result<void>)> done) = 0;

  // Blocking reads.
  virtual Result<std::vector<TargetState>> disabled_targets() = 0;
  // Deliveries not done, by target and status (pending, processing, failed, dead).
  virtual Result<std::vector<QueueDepth>> queue_depth() = 0;
  // Every target that has deliveries waiting (pending, processing or failed).
  virtual Result<std::vector<std::string>> waiting_targets() = 0;

  // The vault's wrapped data keys and the connections (connections.h), in the same database;
  // blocking, thread-safe, valid as long as the store.
  virtual auth::WrappedKeyStore& vault_keys() = 0;
  virtual ConnectionStore& connections() = 0;

  // Completes every submission already queued, then stops the writer. Later submits fail.
  virtual void close() = 0;
};

// Opens (creating and migrating as needed) the store named by `url`: "sqlite://PATH" (relative
// or absolute: "sqlite:///abs/x.db"). Error kInvalidArgument for an unknown scheme, kUnavailable
// when the database cannot be opened.
Result<std::unique_ptr<Store>> open_store(std::string_view url, const StoreOptions& options);

// Awaitable/completion-token form of Store::submit: the completion runs on the token's
// associated executor (the calling coroutine's strand), which is kept busy until then.
template <class CompletionToken>
// `events` is an rvalue reference so a co_await on this creates no vector temporary (GCC 12
// destroys such temporaries twice; see http/offload.h).
auto async_submit(Store& store, std::vector<NewEvent>&& events, CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(IngestResult)>(
      [&store](auto handler, std::vector<NewEvent> evs) {
        store.submit(std::move(evs), to_home(std::move(handler)));
      },
      token, std::move(events));
}

}  // namespace wharf::store
