#include "store/sqlite/sqlite_store.h"

#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/ids.h"
#include "core/log.h"
#include "observe/metrics.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_credentials.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_deliveries.h"

namespace wharf::store::sqlite {
namespace {

constexpr std::string_view kInsertEvent =
    "INSERT INTO events(id, source, provider_event_id, type, status, attempts, received_at, "
    "content_type, payload, replay_nonce) VALUES (?1, ?2, ?3, ?4, ?9, 0, ?5, ?6, ?7, ?8) "
    "ON CONFLICT DO NOTHING";
constexpr std::string_view kFindByProviderId =
    "SELECT id FROM events WHERE source = ?1 AND provider_event_id = ?2";
constexpr std::string_view kFindByReplayNonce =
    "SELECT 1 FROM events WHERE source = ?1 AND replay_nonce = ?2";
constexpr std::string_view kSummaryColumns =
    "id, source, provider_event_id, type, status, attempts, received_at";

EventSummary read_summary(const Statement& s) {
  EventSummary e;
  e.id = format_event_id(static_cast<std::uint64_t>(s.integer(0)));
  e.source = s.text(1);
  e.provider_event_id = s.text(2);
  e.type = s.text(3);
  e.status = s.text(4);
  e.attempts = s.integer(5);
  e.received_at_ms = s.integer(6);
  return e;
}

Result<void> migrate(Connection& db) {
  if (db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)") !=
      SQLITE_OK) {
    return make_error(Errc::kUnavailable, "cannot create schema_migrations: " + db.last_error());
  }
  for (const auto& m : migrations()) {
    Statement check(db.get(), "SELECT 1 FROM schema_migrations WHERE version = ?1");
    check.bind(1, std::int64_t{m.version});
    if (check.step() == SQLITE_ROW) continue;
    std::string sql = "BEGIN IMMEDIATE;" + std::string(m.sql) +
                      "INSERT INTO schema_migrations(version) VALUES (" +
                      std::to_string(m.version) + ");COMMIT;";
    if (db.exec(sql) != SQLITE_OK) {
      std::string why = db.last_error();
      db.exec("ROLLBACK");
      return make_error(Errc::kUnavailable,
                        "migration " + std::to_string(m.version) + " failed: " + why);
    }
    log::info("store migrated", {{"engine", "sqlite"}, {"version", m.version}});
  }
  return {};
}

// Applications' migrations, after the engine's, recorded per application in app_migrations.
Result<void> migrate_apps(Connection& db, const std::vector<AppSchema>& schemas) {
  if (schemas.empty()) return {};
  if (db.exec("CREATE TABLE IF NOT EXISTS app_migrations (app TEXT NOT NULL, version INTEGER NOT "
              "NULL, PRIMARY KEY (app, version))") != SQLITE_OK) {
    return make_error(Errc::kUnavailable, "cannot create app_migrations: " + db.last_error());
  }
  for (const auto& schema : schemas) {
    for (const auto& m : schema.migrations) {
      Statement check(db.get(), "SELECT 1 FROM app_migrations WHERE app = ?1 AND version = ?2");
      check.bind(1, schema.app).bind(2, std::int64_t{m.version});
      if (check.step() == SQLITE_ROW) continue;
      check = Statement();
      auto failed = [&] {
        std::string why = db.last_error();
        db.exec("ROLLBACK");
        return make_error(Errc::kUnavailable, "migration " + std::to_string(m.version) + " of " +
                                                  schema.app + " failed: " + why);
      };
      if (db.exec("BEGIN IMMEDIATE;" + m.sql + ";") != SQLITE_OK) return failed();
      // The record goes through a bound statement: the application's name is not SQL.
      Statement insert(db.get(), "INSERT INTO app_migrations(app, version) VALUES (?1, ?2)");
      insert.bind(1, schema.app).bind(2, std::int64_t{m.version});
      bool recorded = insert.step() == SQLITE_DONE;
      insert = Statement();
      if (!recorded || db.exec("COMMIT") != SQLITE_OK) return failed();
      log::info("store migrated",
                {{"engine", "sqlite"}, {"app", schema.app}, {"version", m.version}});
    }
  }
  return {};
}

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, Connection writer, std::unique_ptr<SharedConnection> credentials,
              const StoreOptions& options)
      : path_(std::move(path)),
        options_(options),
        writer_db_(std::move(writer)),
        deliveries_(writer_db_, *options_.clock),
        credentials_db_(std::move(credentials)),
        vault_keys_(*credentials_db_),
        connections_(*credentials_db_) {
    insert_ = Statement(writer_db_.get(), kInsertEvent);
    find_ = Statement(writer_db_.get(), kFindByProviderId);
    find_nonce_ = Statement(writer_db_.get(), kFindByReplayNonce);
    // Continue after the highest id ever issued, so ids stay increasing across restarts even if
    // the clock stepped back.
    Statement max_id(writer_db_.get(), "SELECT coalesce(max(id), 0) FROM events");
    if (max_id.step() == SQLITE_ROW) {
      ids_ = EventIdSequence(static_cast<std::uint64_t>(max_id.integer(0)));
    }
    if (options_.metrics) {
      batch_size_ = &options_.metrics->histogram(
          "wharf_store_commit_batch_events", "Events written per group commit", {},
          {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048});
      commit_seconds_ = &options_.metrics->histogram(
          "wharf_store_commit_seconds", "Duration of one group commit (insert + commit + sync)", {},
          observe::latency_buckets());
      commit_failures_ = &options_.metrics->counter(
          "wharf_store_commit_failures_total", "Group commits that failed and were rolled back");
      queue_full_ = &options_.metrics->counter(
          "wharf_store_queue_full_total", "Submissions refused because the write queue was full");
    }
    // No other process works on this file (SQLite is the single-node engine), so leases left by
    // a crash need not wait for their expiry.
    if (writer_db_.exec("BEGIN IMMEDIATE") == SQLITE_OK) {
      auto released = deliveries_.release_all_leases(options_.clock->now_ms());
      writer_db_.exec(released ? "COMMIT" : "ROLLBACK");
      if (released && *released > 0) {
        log::info("released the leases of an earlier run", {{"deliveries", *released}});
      }
    }
    writer_thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "wharf-writer");
      writer_loop();
    });
  }

  ~SqliteStore() override { close(); }

  void submit(std::vector<NewEvent> events, IngestHandler done) override {
    const char* refusal = nullptr;
    bool full = false;
    {
      std::lock_guard lock(mu_);
      if (closed_) {
        refusal = "store is shutting down";
      } else if (queued_events_ + events.size() > options_.max_queued_events) {
        refusal = "storage is behind: too many events waiting to be written";
        full = true;
      } else {
        queued_events_ += events.size();
        queue_.push_back(Pending{std::move(events), std::move(done), {}, {}});
        cv_.notify_one();
        return;
      }
    }
    if (full && queue_full_) queue_full_->inc();
    std::move(done)(make_error(Errc::kUnavailable, refusal));
  }

  void claim(std::string target, int limit, std::int64_t now_ms, std::int64_t lease_until_ms,
             std::function<void(Result<ClaimResult>)> done) override {
    enqueue<ClaimResult>(
        [target = std::move(target), limit, now_ms, lease_until_ms](DeliveryWriter& w) {
          return w.claim(target, limit, now_ms, lease_until_ms);
        },
        std::move(done));
  }

  void complete(std::vector<DeliveryResult> results,
                std::function<void(Result<void>)> done) override {
    enqueue<void>(
        [this, results = std::move(results)](DeliveryWriter& w) -> Result<void> {
          auto now = options_.clock->now_ms();
          for (const auto& r : results) {
            auto c = w.complete(r, now);
            // A delivery that no longer exists cannot be updated; the others still are.
            if (!c && c.error().code != Errc::kNotFound) return c;
          }
          return {};
        },
        std::move(done));
  }

  void run_handler(HandlerRun run, std::function<void(Result<HandlerRunResult>)> done) override {
    enqueue<HandlerRunResult>(
        [run = std::move(run)](DeliveryWriter& w) { return w.run_handler(run); }, std::move(done));
  }

  Result<ReplaySelection> select_for_replay(const ReplayFilter& f) override {
    ReplaySelection out;
    out.status = f.status;
    out.now_ms = f.now_ms;
    if (f.event_id) {
      // One event; with a status, only when the event has it (and then only those deliveries).
      auto key = parse_event_key(*f.event_id);
      if (!key) return out;
      std::vector<std::string> texts;
      if (f.status) texts.push_back(*f.status);
      auto found =
          read_rows<std::int64_t>(f.status ? "SELECT id FROM events WHERE id = ?1 AND status = ?2"
                                           : "SELECT id FROM events WHERE id = ?1",
                                  texts, [](const Statement& s) { return s.integer(0); }, {*key});
      if (!found) return found.error();
      if (!found->empty()) out.event_ids.push_back(*f.event_id);
      return out;
    }
    std::string q = "SELECT id FROM events WHERE 1 = 1";
    std::vector<std::string> texts;
    std::vector<std::int64_t> numbers;
    int n = 0;
    auto add_number = [&](std::string_view op, std::int64_t v) {
      numbers.push_back(v);
      q += " AND id " + std::string(op) + " ?" + std::to_string(++n);
    };
    if (f.cursor) {
      auto last = parse_event_key(*f.cursor);
      if (!last) return make_error(Errc::kInvalidArgument, "invalid cursor");
      add_number(">", *last);
    }
    // Event ids begin with their receipt time (core/ids.h), so a time window is an id range.
    if (f.since_ms) add_number(">=", first_event_key_at(*f.since_ms));
    if (f.until_ms) add_number("<", first_event_key_at(*f.until_ms));
    // Text parameters are numbered after the numbers.
    for (auto [column, value] : {std::pair{"source", &f.source}, std::pair{"type", &f.type},
                                 std::pair{"status", &f.status}}) {
      if (!*value) continue;
      texts.push_back(**value);
      q += std::string(" AND ") + column + " = ?" + std::to_string(n + texts.size());
    }
    int limit = std::clamp(f.limit, 1, 10'000);
    q += " ORDER BY id LIMIT " + std::to_string(limit + 1);
    auto rows = read_rows<std::int64_t>(
        q, texts, [](const Statement& s) { return s.integer(0); }, numbers);
    if (!rows) return rows.error();
    if (static_cast<int>(rows->size()) > limit) {
      rows->pop_back();
      out.next_cursor = format_event_id(static_cast<std::uint64_t>(rows->back()));
    }
    for (std::int64_t id : *rows)
      out.event_ids.push_back(format_event_id(static_cast<std::uint64_t>(id)));
    return out;
  }

  void replay(ReplaySelection selection, std::function<void(Result<ReplayResult>)> done) override {
    enqueue<ReplayResult>([this, selection = std::move(selection)](
                              DeliveryWriter& w) { return w.replay(selection, options_.router); },
                          std::move(done));
  }

  void set_target_disabled(std::string target, std::optional<std::string> reason,
                           std::int64_t now_ms, std::function<void(Result<void>)> done) override {
    enqueue<void>([target = std::move(target), reason = std::move(reason), now_ms](
                      DeliveryWriter& w) { return w.set_target_disabled(target, reason, now_ms); },
                  std::move(done));
  }

  void transact(std::function<Result<void>(Transaction&)> work,
                std::function<void(Result<void>)> done) override {
    enqueue<void>(
        [this, work = std::move(work)](DeliveryWriter&) -> Result<void> {
          SqliteTransaction txn(writer_db_, app_statements_);
          return work(txn);
        },
        std::move(done));
  }

  Result<std::vector<TargetState>> disabled_targets() override {
    return read_rows<TargetState>(
        "SELECT target, disabled_at, reason FROM disabled_targets ORDER BY target", {},
        [](const Statement& s) {
          return TargetState{s.text(0), s.integer(1), s.text(2)};
        });
  }

  Result<std::vector<QueueDepth>> queue_depth() override {
    auto active =
        read_rows<QueueDepth>("SELECT target, status, count(*) FROM deliveries WHERE " +
                                  std::string(kActiveDeliveries) + " GROUP BY target, status",
                              {}, [](const Statement& s) {
                                return QueueDepth{s.text(0), s.text(1), s.integer(2)};
                              });
    if (!active) return active;
    auto dead = read_rows<QueueDepth>(
        "SELECT target, 'dead', count(*) FROM deliveries WHERE status = 'dead' GROUP BY target", {},
        [](const Statement& s) {
          return QueueDepth{s.text(0), s.text(1), s.integer(2)};
        });
    if (!dead) return dead;
    active->insert(active->end(), dead->begin(), dead->end());
    return active;
  }

  Result<std::vector<std::string>> waiting_targets() override {
    return read_rows<std::string>(
        "SELECT DISTINCT target FROM deliveries WHERE " + std::string(kActiveDeliveries), {},
        [](const Statement& s) { return s.text(0); });
  }

  Result<EventPage> list_events(const EventFilter& filter) override {
    std::string sql = "SELECT " + std::string(kSummaryColumns) + " FROM events WHERE 1=1";
    int n = 0;
    std::vector<std::pair<int, std::string>> texts;
    std::optional<std::int64_t> before;
    if (filter.source)
      texts.emplace_back(++n, *filter.source), sql += " AND source = ?" + std::to_string(n);
    if (filter.type)
      texts.emplace_back(++n, *filter.type), sql += " AND type = ?" + std::to_string(n);
    if (filter.status)
      texts.emplace_back(++n, *filter.status), sql += " AND status = ?" + std::to_string(n);
    if (filter.cursor) {
      // The cursor is the id of the last event of the previous page.
      before = parse_event_key(*filter.cursor);
      if (!before) return make_error(Errc::kInvalidArgument, "invalid cursor");
      sql += " AND id < ?" + std::to_string(++n);
    }
    int limit = std::clamp(filter.limit, 1, 1000);
    sql += " ORDER BY id DESC LIMIT " + std::to_string(limit + 1);

    auto conn = acquire_reader();
    if (!conn) return conn.error();
    Result<EventPage> out = [&]() -> Result<EventPage> {
      Statement s(conn->get(), sql);
      for (auto& [i, v] : texts) s.bind(i, v);
      if (before) s.bind(n, *before);
      EventPage page;
      std::int64_t last_id = 0;
      int rc;
      while ((rc = s.step()) == SQLITE_ROW) {
        if (static_cast<int>(page.events.size()) == limit) {
          page.next_cursor = format_event_id(static_cast<std::uint64_t>(last_id));
          break;
        }
        last_id = s.integer(0);
        page.events.push_back(read_summary(s));
      }
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return make_error(Errc::kUnavailable, "storage read failed");
      }
      return page;
    }();
    release_reader(std::move(*conn));
    return out;
  }

  Result<std::optional<EventDetail>> get_event(std::string_view id) override {
    auto conn = acquire_reader();
    if (!conn) return conn.error();
    auto key = parse_event_key(id);
    if (!key) {
      release_reader(std::move(*conn));
      return std::optional<EventDetail>();
    }
    Statement s(conn->get(), "SELECT " + std::string(kSummaryColumns) +
                                 ", payload, content_type FROM events WHERE id = ?1");
    s.bind(1, *key);
    int rc = s.step();
    Result<std::optional<EventDetail>> out = std::optional<EventDetail>();
    if (rc == SQLITE_ROW) {
      EventDetail d;
      d.summary = read_summary(s);
      d.payload = s.text(7);
      d.content_type = s.text(8);
      if (auto h = read_history(*conn, *key, d); !h) {
        out = h.error();
      } else {
        out = std::optional<EventDetail>(std::move(d));
      }
    } else if (rc != SQLITE_DONE) {
      out = make_error(Errc::kUnavailable, "storage read failed");
    }
    s = Statement();
    release_reader(std::move(*conn));
    return out;
  }

  Result<void> ping() override {
    auto conn = acquire_reader();
    if (!conn) return conn.error();
    Statement s(conn->get(), "SELECT count(*) FROM schema_migrations");
    int rc = s.step();
    s = Statement();
    release_reader(std::move(*conn));
    if (rc != SQLITE_ROW) return make_error(Errc::kUnavailable, "storage does not answer");
    return {};
  }

  void close() override {
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
      closed_ = true;
    }
    cv_.notify_all();
    if (writer_thread_.joinable()) writer_thread_.join();
  }

 private:
  // One queued write: a submission of events, or a job (the delivery queue's, or an
  // application's transact()), run in its own savepoint of the group transaction, then completed
  // with the commit's outcome.
  struct Pending {
    std::vector<NewEvent> events;
    IngestHandler done;
    std::function<Result<void>(DeliveryWriter&)> job;
    std::function<void(Result<void>)> job_done;
  };

  // Queues `run` for the writer; `done` gets its result once the transaction is durable, or the
  // commit's error.
  template <class T, class Run, class Done>
  void enqueue(Run run, Done done) {
    auto slot = std::make_shared<Result<T>>(make_error(Errc::kInternal, "not run"));
    Pending p;
    p.job = [slot, run = std::move(run)](DeliveryWriter& w) mutable -> Result<void> {
      *slot = run(w);
      if (!*slot) return slot->error();
      return {};
    };
    p.job_done = [slot, done = std::move(done)](Result<void> committed) mutable {
      // `committed` is the job's own error when it failed, the commit's when that failed, and
      // kUnavailable when the job never ran (the store was closed).
      if (!committed) *slot = committed.error();
      std::move(done)(std::move(*slot));
    };
    {
      std::lock_guard lock(mu_);
      if (!closed_) {
        queue_.push_back(std::move(p));
        cv_.notify_one();
        return;
      }
    }
    std::move(p.job_done)(make_error(Errc::kUnavailable, "store is shutting down"));
  }

  // Runs a read on a pooled reader. Parameters: `numbers` are ?1..?k, then `texts` ?k+1...
  template <class T, class Read>
  Result<std::vector<T>> read_rows(std::string_view sql, std::vector<std::string> texts, Read read,
                                   std::vector<std::int64_t> numbers = {}) {
    auto conn = acquire_reader();
    if (!conn) return conn.error();
    Result<std::vector<T>> out = std::vector<T>();
    {
      Statement s(conn->get(), sql);
      int i = 0;
      for (std::int64_t v : numbers) s.bind(++i, v);
      for (const auto& t : texts) s.bind(++i, t);
      int rc;
      while ((rc = s.step()) == SQLITE_ROW) out->push_back(read(s));
      if (rc != SQLITE_DONE) out = make_error(Errc::kUnavailable, "storage read failed");
    }
    release_reader(std::move(*conn));
    return out;
  }

  static Result<void> read_history(Connection& conn, std::int64_t key, EventDetail& d) {
    Statement t(conn.get(),
                "SELECT target, status, attempts, series, next_attempt_at, last_error "
                "FROM deliveries WHERE event_id = ?1 ORDER BY id");
    t.bind(1, key);
    int rc;
    while ((rc = t.step()) == SQLITE_ROW) {
      DeliveryState st;
      st.target = t.text(0);
      st.status = t.text(1);
      st.attempts = static_cast<int>(t.integer(2));
      st.series = t.integer(3);
      if (st.status == "pending" || st.status == "failed") st.next_attempt_ms = t.integer(4);
      st.last_error = t.text(5);
      d.targets.push_back(std::move(st));
    }
    if (rc != SQLITE_DONE) return make_error(Errc::kUnavailable, "storage read failed");
    Statement a(conn.get(),
                "SELECT target, series, number, at, duration_ms, outcome, status_code, error "
                "FROM attempts WHERE event_id = ?1 ORDER BY id");
    a.bind(1, key);
    while ((rc = a.step()) == SQLITE_ROW) {
      DeliveryAttempt at;
      at.target = a.text(0);
      at.series = a.integer(1);
      at.number = static_cast<int>(a.integer(2));
      at.record.at_ms = a.integer(3);
      at.record.duration_ms = a.integer(4);
      at.record.outcome = a.text(5);
      at.record.status_code = static_cast<int>(a.integer(6));
      at.record.error = a.text(7);
      d.attempts.push_back(std::move(at));
    }
    if (rc != SQLITE_DONE) return make_error(Errc::kUnavailable, "storage read failed");
    return {};
  }

  void writer_loop() {
    std::vector<Pending> batch;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return closed_ || !queue_.empty(); });
        if (queue_.empty()) return;  // closed and drained
        std::size_t events = 0;
        while (!queue_.empty() && (batch.empty() || events < options_.max_batch_events)) {
          events += queue_.front().events.size();
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        queued_events_ -= events;
      }
      commit(batch);
      batch.clear();
    }
  }

  // Writes every submission of `batch` in one transaction and completes them all.
  void commit(std::vector<Pending>& batch) {
    auto started = std::chrono::steady_clock::now();
    std::vector<std::vector<IngestOutcome>> outcomes(batch.size());
    std::vector<Result<void>> job_results(batch.size());
    std::string failure;
    std::size_t count = 0;
    if (writer_db_.exec("BEGIN IMMEDIATE") != SQLITE_OK) {
      failure = writer_db_.last_error();
    }
    for (std::size_t i = 0; i < batch.size() && failure.empty(); ++i) {
      if (batch[i].job) {
        job_results[i] = run_job(batch[i].job, failure);
        continue;
      }
      for (const NewEvent& e : batch[i].events) {
        auto outcome = insert(e);
        if (!outcome) {
          failure = outcome.error().message;
          break;
        }
        outcomes[i].push_back(std::move(*outcome));
        ++count;
      }
    }
    if (failure.empty() && writer_db_.exec("COMMIT") != SQLITE_OK) {
      failure = writer_db_.last_error();
    }
    std::vector<std::string> made_due = deliveries_.take_made_due();
    if (!failure.empty()) {
      writer_db_.exec("ROLLBACK");
      if (commit_failures_) commit_failures_->inc();
      log::error("group commit failed; nothing in the batch was stored",
                 {{"submissions", batch.size()}, {"reason", failure}});
      for (auto& p : batch) {
        auto err = make_error(Errc::kUnavailable, "storage cannot take the write");
        if (p.job)
          std::move(p.job_done)(std::move(err));
        else
          std::move(p.done)(std::move(err));
      }
      return;
    }
    if (batch_size_) {
      batch_size_->observe(static_cast<double>(count));
      commit_seconds_->observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    // The wake-up goes first, so a waiter that sees its commit can count on it.
    if (!made_due.empty() && options_.on_deliveries_due) options_.on_deliveries_due(made_due);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].job)
        std::move(batch[i].job_done)(std::move(job_results[i]));
      else
        std::move(batch[i].done)(std::move(outcomes[i]));
    }
  }

  // Runs one job in its own savepoint: its error undoes only its own writes. A failure of the
  // savepoint machinery itself is a storage failure of the whole batch (`failure`).
  Result<void> run_job(std::function<Result<void>(DeliveryWriter&)>& job, std::string& failure) {
    if (writer_db_.exec("SAVEPOINT job") != SQLITE_OK) {
      failure = writer_db_.last_error();
      return make_error(Errc::kUnavailable, "storage cannot take the write");
    }
    Result<void> r;
    try {
      r = job(deliveries_);
    } catch (const std::exception& e) {
      r = make_error(Errc::kInternal, std::string("writer job failed: ") + e.what());
    } catch (...) {
      r = make_error(Errc::kInternal, "writer job threw a non-standard exception");
    }
    if (!r) writer_db_.exec("ROLLBACK TO job");
    if (writer_db_.exec("RELEASE job") != SQLITE_OK) failure = writer_db_.last_error();
    return r;
  }

  Result<IngestOutcome> insert(const NewEvent& e) {
    auto id = static_cast<std::int64_t>(ids_.next(e.received_at_ms));
    std::vector<std::string> targets;
    if (options_.router) targets = options_.router(e.source, e.type);
    insert_.bind(1, id).bind(2, e.source).bind(3, e.provider_event_id).bind(4, e.type);
    insert_.bind(9, targets.empty() ? std::string_view("ignored") : std::string_view("pending"));
    insert_.bind(5, e.received_at_ms).bind(6, e.content_type).bind_blob_static(7, e.payload);
    if (e.replay_nonce.empty())
      insert_.bind_null(8);
    else
      insert_.bind(8, e.replay_nonce);
    int rc = insert_.step();
    insert_.reset();
    if (rc != SQLITE_DONE) return make_error(Errc::kUnavailable, writer_db_.last_error());
    if (sqlite3_changes(writer_db_.get()) == 1) {
      for (const auto& t : targets) {
        if (auto d = deliveries_.add(id, t, e.received_at_ms); !d) return d.error();
      }
      return IngestOutcome{format_event_id(static_cast<std::uint64_t>(id)), false};
    }
    // A unique index refused it. The same provider event: a duplicate, answered with the first
    // one's id. Otherwise its replay nonce was already used by another event.
    find_.bind(1, e.source).bind(2, e.provider_event_id);
    rc = find_.step();
    IngestOutcome outcome;
    if (rc == SQLITE_ROW) {
      outcome.id = format_event_id(static_cast<std::uint64_t>(find_.integer(0)));
      outcome.duplicate = true;
    }
    find_.reset();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      return make_error(Errc::kUnavailable, writer_db_.last_error());
    }
    if (!outcome.duplicate) {
      // Only a used nonce may explain the refusal; anything else (an id clash) is an error, so
      // the sender retries rather than being told its signature was replayed.
      bool nonce_used = false;
      if (!e.replay_nonce.empty()) {
        find_nonce_.bind(1, e.source).bind(2, e.replay_nonce);
        nonce_used = find_nonce_.step() == SQLITE_ROW;
        find_nonce_.reset();
      }
      if (!nonce_used) return make_error(Errc::kUnavailable, "event refused by the store");
      outcome.replayed = true;
    }
    return outcome;
  }

  Result<Connection> acquire_reader() {
    {
      std::lock_guard lock(readers_mu_);
      if (!readers_.empty()) {
        Connection c = std::move(readers_.back());
        readers_.pop_back();
        return c;
      }
    }
    return Connection::open(path_, SQLITE_OPEN_READONLY);
  }

  void release_reader(Connection c) {
    std::lock_guard lock(readers_mu_);
    if (readers_.size() < 8) readers_.push_back(std::move(c));
  }

  auth::WrappedKeyStore& vault_keys() override { return vault_keys_; }
  ConnectionStore& connections() override { return connections_; }

  std::string path_;
  StoreOptions options_;
  Connection writer_db_;  // writer thread only (and the constructor)
  Statement insert_;
  Statement find_;
  Statement find_nonce_;
  EventIdSequence ids_;            // writer thread only
  DeliveryWriter deliveries_;      // writer thread only (and the constructor)
  StatementCache app_statements_;  // transact()'s statements; writer thread only
  std::unique_ptr<SharedConnection> credentials_db_;
  SqliteVaultKeys vault_keys_;
  SqliteConnections connections_;
  observe::Histogram* batch_size_ = nullptr;
  observe::Histogram* commit_seconds_ = nullptr;
  observe::Counter* commit_failures_ = nullptr;
  observe::Counter* queue_full_ = nullptr;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;      // guarded by mu_
  std::size_t queued_events_ = 0;  // guarded by mu_
  bool closed_ = false;            // guarded by mu_
  std::thread writer_thread_;

  std::mutex readers_mu_;
  std::vector<Connection> readers_;  // guarded by readers_mu_
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const StoreOptions& options) {
  // Memory statistics take a process-wide mutex on every SQLite allocation; wharf never reads
  // them. Must run before SQLite initialises, hence once, before the first open.
  static std::once_flag configured;
  std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  auto db = Connection::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db) return db.error();
  // WAL lets readers run beside the writer; FULL syncs the WAL on every commit, so an acked
  // event survives power loss, not only a process crash.
  // No mmap: it made no measurable difference to ingest, and every touched page of the growing
  // file counted toward RSS (205 MiB after a 10 s benchmark).
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                             "PRAGMA cache_size=-32768", "PRAGMA foreign_keys=ON"}) {
    if (db->exec(pragma) != SQLITE_OK) {
      return make_error(Errc::kUnavailable, std::string("cannot configure database (") + pragma +
                                                "): " + db->last_error());
    }
  }
  if (auto m = migrate(*db); !m) return m.error();
  if (auto m = migrate_apps(*db, options.app_schemas); !m) return m.error();
  auto credentials = open_shared_connection(path);
  if (!credentials) return credentials.error();
  return std::unique_ptr<Store>(
      new SqliteStore(path, std::move(*db), std::move(*credentials), options));
}

}  // namespace wharf::store::sqlite
