// The SQLite delivery queue: every write of Store's dispatch half (deliveries.h), as statements on
// the writer connection inside the group transaction. The caller (SqliteStore's writer) owns the
// transaction and the savepoint around each call. Writer thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "store/deliveries.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_transaction.h"

namespace wharf::store::sqlite {

// The deliveries still to be attempted, written exactly as the predicate of the partial index
// `deliveries_due` (migrations.cc), so that SQLite uses the index for statements that say it.
inline constexpr std::string_view kActiveDeliveries = "status NOT IN ('done', 'dead')";

class DeliveryWriter {
 public:
  DeliveryWriter(Connection& db, const Clock& clock);

  // Expires every lease: at start-up, no other process can be working on this database's
  // deliveries (SQLite is single-node), so they are due at once instead of after the lease.
  Result<int> release_all_leases(std::int64_t now_ms);

  // A new event's delivery to `target`, due at `now_ms`.
  Result<void> add(std::int64_t event_key, std::string_view target, std::int64_t now_ms);
  Result<ClaimResult> claim(std::string_view target, int limit, std::int64_t now_ms,
                            std::int64_t lease_until_ms);
  Result<void> complete(const DeliveryResult& r, std::int64_t now_ms);
  Result<HandlerRunResult> run_handler(const HandlerRun& run);
  // `router` resolves each selected event's targets now.
  Result<ReplayResult> replay(const ReplaySelection& selection, const Router& router);
  Result<void> set_target_disabled(std::string_view target,
                                   const std::optional<std::string>& reason, std::int64_t now_ms);

  // The targets that calls since the last take made deliveries due for (new, replayed,
  // re-enabled).
  std::vector<std::string> take_made_due() {
    std::vector<std::string> out(made_due_.begin(), made_due_.end());
    made_due_.clear();
    return out;
  }

 private:
  Result<std::optional<std::int64_t>> next_due(std::string_view target);
  Result<StoredEvent> load_event(std::int64_t event_key);
  // Sets the event's status and attempt count from its deliveries.
  Result<void> refresh_event(std::int64_t event_key);
  Result<void> record_attempt(std::int64_t event_key, std::string_view target, std::int64_t series,
                              int number, const AttemptRecord& a);
  Result<void> fail(std::string_view what);

  Connection& db_;
  const Clock& clock_;
  Statement due_;
  Statement lease_;
  Statement next_due_;
  Statement load_event_;
  Statement refresh_;
  Statement finish_;
  Statement attempt_;
  Statement delivery_;
  Statement reset_;
  Statement add_missing_;
  Statement targets_of_;
  StatementCache handler_statements_;
  std::set<std::string, std::less<>> made_due_;
};

}  // namespace wharf::store::sqlite
