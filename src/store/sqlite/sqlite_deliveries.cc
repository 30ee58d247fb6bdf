#include "store/sqlite/sqlite_deliveries.h"

#include <chrono>
#include <exception>
#include <map>
#include <set>

#include "core/ids.h"

namespace wharf::store::sqlite {
namespace {

std::string sql(std::string_view text) {
  // Statements name the active set the same way as the partial index, so SQLite uses it.
  std::string out(text);
  for (auto at = out.find("$ACTIVE"); at != std::string::npos; at = out.find("$ACTIVE")) {
    out.replace(at, 7, kActiveDeliveries);
  }
  return out;
}

const char* status_name(DeliveryResult::Next next) {
  switch (next) {
    case DeliveryResult::Next::kDone:
      return "done";
    case DeliveryResult::Next::kRetry:
      return "failed";
    case DeliveryResult::Next::kDead:
      return "dead";
  }
  return "failed";
}

struct DeliveryRow {
  std::int64_t event_key = 0;
  std::string target;
  std::int64_t lease = 0;
  std::int64_t series = 1;
  int attempts = 0;
};

}  // namespace

DeliveryWriter::DeliveryWriter(Connection& db, const Clock& clock)
    : db_(db),
      clock_(clock),
      due_(db.get(), sql("SELECT id FROM deliveries WHERE target = ?1 AND $ACTIVE "
                         "AND next_attempt_at <= ?2 ORDER BY next_attempt_at LIMIT ?3")),
      lease_(db.get(),
             "UPDATE deliveries SET status = 'processing', lease = lease + 1, "
             "next_attempt_at = ?2, updated_at = ?3 WHERE id = ?1 "
             "RETURNING lease, series, attempts, event_id"),
      next_due_(db.get(),
                sql("SELECT min(next_attempt_at) FROM deliveries WHERE target = ?1 AND $ACTIVE")),
      load_event_(db.get(),
                  "SELECT source, provider_event_id, type, payload, content_type, received_at "
                  "FROM events WHERE id = ?1"),
      refresh_(db.get(),
               "UPDATE events SET status = coalesce((SELECT CASE "
               "WHEN sum(status = 'failed') > 0 THEN 'failed' "
               "WHEN sum(status = 'processing') > 0 THEN 'processing' "
               "WHEN sum(status = 'pending') > 0 THEN 'pending' "
               "WHEN sum(status = 'dead') > 0 THEN 'dead' ELSE 'done' END "
               "FROM deliveries WHERE event_id = ?1 HAVING count(*) > 0), 'ignored'), "
               "attempts = (SELECT coalesce(sum(attempts), 0) FROM deliveries "
               "WHERE event_id = ?1) WHERE id = ?1"),
      finish_(db.get(),
              "UPDATE deliveries SET status = ?2, attempts = attempts + 1, next_attempt_at = ?3, "
              "last_error = ?4, last_status = ?5, updated_at = ?6, done_at = ?7 WHERE id = ?1"),
      attempt_(db.get(),
               "INSERT INTO attempts(event_id, target, series, number, at, duration_ms, outcome, "
               "status_code, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
      delivery_(db.get(),
                "SELECT event_id, target, lease, series, attempts FROM deliveries WHERE id = ?1"),
      reset_(db.get(),
             "INSERT INTO deliveries(event_id, target, status, next_attempt_at, updated_at) "
             "VALUES (?1, ?2, 'pending', ?3, ?3) ON CONFLICT(event_id, target) DO UPDATE SET "
             "status = 'pending', attempts = 0, series = series + 1, lease = lease + 1, "
             "next_attempt_at = ?3, last_error = NULL, last_status = NULL, done_at = NULL, "
             "updated_at = ?3"),
      add_missing_(db.get(),
                   "INSERT INTO deliveries(event_id, target, status, next_attempt_at, updated_at) "
                   "VALUES (?1, ?2, 'pending', ?3, ?3) ON CONFLICT(event_id, target) DO NOTHING"),
      targets_of_(db.get(), "SELECT target, status FROM deliveries WHERE event_id = ?1") {}

Result<void> DeliveryWriter::fail(std::string_view what) {
  return make_error(Errc::kUnavailable, std::string(what) + ": " + db_.last_error());
}

Result<int> DeliveryWriter::release_all_leases(std::int64_t now_ms) {
  // Back to waiting (pending, or failed when attempts were made before), due now; and the events'
  // statuses follow.
  Statement s(db_.get(),
              "UPDATE deliveries SET next_attempt_at = ?1, "
              "status = CASE WHEN attempts > 0 THEN 'failed' ELSE 'pending' END "
              "WHERE status = 'processing' RETURNING event_id");
  s.bind(1, now_ms);
  std::set<std::int64_t> events;
  int rc;
  int n = 0;
  while ((rc = s.step()) == SQLITE_ROW) {
    events.insert(s.integer(0));
    ++n;
  }
  if (rc != SQLITE_DONE) return fail("cannot release leases").error();
  for (std::int64_t e : events) {
    if (auto r = refresh_event(e); !r) return r.error();
  }
  return n;
}

Result<void> DeliveryWriter::add(std::int64_t event_key, std::string_view target,
                                 std::int64_t now_ms) {
  add_missing_.bind(1, event_key).bind(2, target).bind(3, now_ms);
  int rc = add_missing_.step();
  add_missing_.reset();
  if (rc != SQLITE_DONE) return fail("cannot add delivery");
  made_due_.emplace(target);
  return {};
}

Result<std::optional<std::int64_t>> DeliveryWriter::next_due(std::string_view target) {
  next_due_.bind(1, target);
  int rc = next_due_.step();
  std::optional<std::int64_t> out;
  if (rc == SQLITE_ROW && next_due_.type(0) != SQLITE_NULL) out = next_due_.integer(0);
  next_due_.reset();
  if (rc != SQLITE_ROW) return fail("cannot read the next due delivery").error();
  return out;
}

Result<StoredEvent> DeliveryWriter::load_event(std::int64_t event_key) {
  load_event_.bind(1, event_key);
  int rc = load_event_.step();
  if (rc != SQLITE_ROW) {
    load_event_.reset();
    return fail("cannot load the event of a delivery").error();
  }
  StoredEvent e;
  e.id = format_event_id(static_cast<std::uint64_t>(event_key));
  e.source = load_event_.text(0);
  e.provider_event_id = load_event_.text(1);
  e.type = load_event_.text(2);
  e.payload = load_event_.text(3);
  e.content_type = load_event_.text(4);
  e.received_at_ms = load_event_.integer(5);
  load_event_.reset();
  return e;
}

Result<void> DeliveryWriter::refresh_event(std::int64_t event_key) {
  refresh_.bind(1, event_key);
  int rc = refresh_.step();
  refresh_.reset();
  if (rc != SQLITE_DONE) return fail("cannot update the event's status");
  return {};
}

Result<void> DeliveryWriter::record_attempt(std::int64_t event_key, std::string_view target,
                                            std::int64_t series, int number,
                                            const AttemptRecord& a) {
  attempt_.bind(1, event_key).bind(2, target).bind(3, series).bind(4, std::int64_t{number});
  attempt_.bind(5, a.at_ms).bind(6, a.duration_ms).bind(7, a.outcome);
  if (a.status_code)
    attempt_.bind(8, std::int64_t{a.status_code});
  else
    attempt_.bind_null(8);
  if (a.error.empty())
    attempt_.bind_null(9);
  else
    attempt_.bind(9, a.error);
  int rc = attempt_.step();
  attempt_.reset();
  if (rc != SQLITE_DONE) return fail("cannot record the attempt");
  return {};
}

Result<ClaimResult> DeliveryWriter::claim(std::string_view target, int limit, std::int64_t now_ms,
                                          std::int64_t lease_until_ms) {
  std::vector<std::int64_t> ids;
  due_.bind(1, target).bind(2, now_ms).bind(3, std::int64_t{limit});
  int rc;
  while ((rc = due_.step()) == SQLITE_ROW) ids.push_back(due_.integer(0));
  due_.reset();
  if (rc != SQLITE_DONE) return fail("cannot find due deliveries").error();

  ClaimResult out;
  for (std::int64_t id : ids) {
    lease_.bind(1, id).bind(2, lease_until_ms).bind(3, now_ms);
    rc = lease_.step();
    ClaimedDelivery d;
    d.delivery_id = id;
    std::int64_t event_key = 0;
    if (rc == SQLITE_ROW) {
      d.lease = lease_.integer(0);
      d.series = lease_.integer(1);
      d.attempts_before = static_cast<int>(lease_.integer(2));
      event_key = lease_.integer(3);
      rc = lease_.step();
    }
    lease_.reset();
    if (rc != SQLITE_DONE) return fail("cannot lease a delivery").error();
    auto event = load_event(event_key);
    if (!event) return event.error();
    d.event = std::move(*event);
    if (auto r = refresh_event(event_key); !r) return r.error();
    out.deliveries.push_back(std::move(d));
  }
  auto due = next_due(target);
  if (!due) return due.error();
  out.next_due_ms = *due;
  return out;
}

Result<void> DeliveryWriter::complete(const DeliveryResult& r, std::int64_t now_ms) {
  delivery_.bind(1, r.delivery_id);
  int rc = delivery_.step();
  DeliveryRow row;
  if (rc == SQLITE_ROW) {
    row.event_key = delivery_.integer(0);
    row.target = delivery_.text(1);
    row.lease = delivery_.integer(2);
  }
  delivery_.reset();
  if (rc == SQLITE_DONE) return make_error(Errc::kNotFound, "no such delivery");
  if (rc != SQLITE_ROW) return fail("cannot read the delivery");

  if (row.lease == r.lease) {
    finish_.bind(1, r.delivery_id).bind(2, status_name(r.next));
    finish_.bind(3, r.next == DeliveryResult::Next::kRetry ? r.next_attempt_ms : now_ms);
    if (r.attempt.error.empty())
      finish_.bind_null(4);
    else
      finish_.bind(4, r.attempt.error);
    if (r.attempt.status_code)
      finish_.bind(5, std::int64_t{r.attempt.status_code});
    else
      finish_.bind_null(5);
    finish_.bind(6, now_ms);
    if (r.next == DeliveryResult::Next::kDone)
      finish_.bind(7, now_ms);
    else
      finish_.bind_null(7);
    rc = finish_.step();
    finish_.reset();
    if (rc != SQLITE_DONE) return fail("cannot record the delivery's outcome");
  }
  // A stale result (the delivery was replayed while this attempt ran) still happened: it is
  // logged under the series it belonged to, and changes nothing else.
  if (auto a = record_attempt(row.event_key, row.target, r.series, r.number, r.attempt); !a) {
    return a;
  }
  return refresh_event(row.event_key);
}

Result<HandlerRunResult> DeliveryWriter::run_handler(const HandlerRun& run) {
  std::vector<std::int64_t> ids;
  due_.bind(1, run.target).bind(2, run.now_ms).bind(3, std::int64_t{run.limit});
  int rc;
  while ((rc = due_.step()) == SQLITE_ROW) ids.push_back(due_.integer(0));
  due_.reset();
  if (rc != SQLITE_DONE) return fail("cannot find due deliveries").error();

  HandlerRunResult out;
  for (std::int64_t id : ids) {
    delivery_.bind(1, id);
    rc = delivery_.step();
    DeliveryRow row;
    if (rc == SQLITE_ROW) {
      row.event_key = delivery_.integer(0);
      row.lease = delivery_.integer(2);
      row.series = delivery_.integer(3);
      row.attempts = static_cast<int>(delivery_.integer(4));
    }
    delivery_.reset();
    if (rc != SQLITE_ROW) return fail("cannot read the delivery").error();
    auto event = load_event(row.event_key);
    if (!event) return event.error();

    // The handler's statements live in a savepoint: on failure they are undone and only the
    // failed attempt is recorded.
    if (db_.exec("SAVEPOINT handler") != SQLITE_OK) return fail("cannot open a savepoint").error();
    std::int64_t started_ms = clock_.now_ms();
    auto started = std::chrono::steady_clock::now();
    Result<void> handled;
    try {
      SqliteTransaction txn(db_, handler_statements_);
      handled = run.handle(*event, txn);
    } catch (const std::exception& e) {
      handled = make_error(Errc::kInternal, std::string("handler threw: ") + e.what());
    } catch (...) {
      handled = make_error(Errc::kInternal, "handler threw a non-standard exception");
    }
    auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    if (!handled && db_.exec("ROLLBACK TO handler") != SQLITE_OK) {
      return fail("cannot roll a handler back").error();
    }
    if (db_.exec("RELEASE handler") != SQLITE_OK) return fail("cannot release a savepoint").error();

    DeliveryResult result;
    result.delivery_id = id;
    result.lease = row.lease;  // read in this transaction: current by construction
    result.series = row.series;
    result.number = row.attempts + 1;
    result.attempt.at_ms = started_ms;
    result.attempt.duration_ms = duration;
    if (handled) {
      result.next = DeliveryResult::Next::kDone;
      result.attempt.outcome = "ok";
      ++out.done;
      out.done_received_at_ms.push_back(event->received_at_ms);
    } else {
      result.attempt.outcome = "failed";
      result.attempt.error = handled.error().message;
      auto again = run.retry_at(*event, result.number);
      if (again) {
        result.next = DeliveryResult::Next::kRetry;
        result.next_attempt_ms = *again;
        ++out.failed;
      } else {
        result.next = DeliveryResult::Next::kDead;
        ++out.dead;
      }
    }
    if (auto c = complete(result, started_ms + duration); !c) return c.error();
  }
  auto due = next_due(run.target);
  if (!due) return due.error();
  out.next_due_ms = *due;
  return out;
}

Result<ReplayResult> DeliveryWriter::replay(const ReplaySelection& selection,
                                            const Router& router) {
  ReplayResult out;
  for (const std::string& id : selection.event_ids) {
    auto key = parse_event_key(id);
    if (!key) continue;
    std::int64_t event_key = *key;
    auto event = load_event(event_key);
    if (!event) continue;  // gone since the selection (never, today: events are not deleted)
    std::vector<std::string> targets =
        router ? router(event->source, event->type) : std::vector<std::string>{};
    // With a status filter, only the deliveries in that status start again (a DLQ replay must not
    // re-run the targets that succeeded); targets routed since are added.
    std::map<std::string, std::string, std::less<>> existing;
    if (selection.status) {
      targets_of_.bind(1, event_key);
      int rc;
      while ((rc = targets_of_.step()) == SQLITE_ROW) {
        existing.emplace(targets_of_.text(0), targets_of_.text(1));
      }
      targets_of_.reset();
      if (rc != SQLITE_DONE) return fail("cannot read an event's deliveries").error();
    }
    for (const auto& t : targets) {
      Statement* s = &reset_;
      if (selection.status) {
        auto it = existing.find(t);
        if (it == existing.end())
          s = &add_missing_;
        else if (it->second != *selection.status)
          continue;
      }
      s->bind(1, event_key).bind(2, t).bind(3, selection.now_ms);
      int rc = s->step();
      s->reset();
      if (rc != SQLITE_DONE) return fail("cannot schedule a replay").error();
      ++out.deliveries;
      made_due_.insert(t);
    }
    if (auto r = refresh_event(event_key); !r) return r.error();
    ++out.replayed;
  }
  return out;
}

Result<void> DeliveryWriter::set_target_disabled(std::string_view target,
                                                 const std::optional<std::string>& reason,
                                                 std::int64_t now_ms) {
  if (reason) {
    Statement s(db_.get(),
                "INSERT INTO disabled_targets(target, disabled_at, reason) VALUES (?1, ?2, ?3) "
                "ON CONFLICT(target) DO UPDATE SET disabled_at = ?2, reason = ?3");
    s.bind(1, target).bind(2, now_ms).bind(3, *reason);
    if (s.step() != SQLITE_DONE) return fail("cannot disable the target");
    return {};
  }
  Statement s(db_.get(), "DELETE FROM disabled_targets WHERE target = ?1");
  s.bind(1, target);
  if (s.step() != SQLITE_DONE) return fail("cannot enable the target");
  made_due_.emplace(target);
  return {};
}

}  // namespace wharf::store::sqlite
