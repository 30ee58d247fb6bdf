#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <future>

#include "store/store.h"
#include "store/transaction.h"
#include "support/test_dir.h"

namespace wharf::store {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;

std::int64_t parse_far_future() { return 10'000'000'000'000'000; }  // Unix ms, year ~318857

// The delivery queue of the SQLite engine: routing at ingest, leases, outcomes, handlers in the
// store transaction, replay and disabled targets.
class DeliveriesTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void TearDown() override { store_.reset(); }
  void open() {
    store_.reset();
    StoreOptions options;
    options.router = [](std::string_view source, std::string_view type) {
      std::vector<std::string> t;
      if (type == "ignored.type") return t;
      t.push_back("forward:app");
      if (source == "fan") t.push_back("handler:count");
      return t;
    };
    options.on_deliveries_due = [this](const std::vector<std::string>& targets) {
      ++wakeups_;
      last_woken_ = targets;
    };
    auto s = open_store(dir_.sqlite_url(), options);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }

  template <class T, class F>
  Result<T> call(F start) {
    std::promise<Result<T>> p;
    auto f = p.get_future();
    start([&p](Result<T> r) { p.set_value(std::move(r)); });
    return f.get();
  }

  std::string ingest(std::string source, std::string id, std::string type = "t.created") {
    std::promise<IngestResult> p;
    auto f = p.get_future();
    store_->submit(
        {NewEvent{source, id, type, "{\"id\":\"" + id + "\"}", "application/json", kT0, ""}},
        [&p](IngestResult r) { p.set_value(std::move(r)); });
    auto r = f.get();
    EXPECT_TRUE(r);
    return r ? (*r)[0].id : "";
  }

  Result<ClaimResult> claim(std::string target, std::int64_t now, int limit = 10) {
    return call<ClaimResult>(
        [&](auto done) { store_->claim(target, limit, now, now + 60'000, std::move(done)); });
  }

  Result<void> complete(const ClaimedDelivery& d, DeliveryResult::Next next,
                        std::int64_t next_at = 0, int status = 200) {
    DeliveryResult r;
    r.delivery_id = d.delivery_id;
    r.lease = d.lease;
    r.series = d.series;
    r.number = d.attempts_before + 1;
    r.next = next;
    r.next_attempt_ms = next_at;
    r.attempt = {kT0, 12, next == DeliveryResult::Next::kDone ? "ok" : "failed", status,
                 next == DeliveryResult::Next::kDone ? "" : "HTTP 500"};
    return call<void>([&](auto done) { store_->complete({r}, std::move(done)); });
  }

  // Read beside the store, as any SQLite client would.
  std::int64_t count_rows(const std::string& table) {
    sqlite3* db = nullptr;
    std::int64_t n = -1;
    if (sqlite3_open_v2((dir_.path() / "w.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
        SQLITE_OK) {
      sqlite3_stmt* s = nullptr;
      std::string q = "SELECT count(*) FROM " + table;
      if (sqlite3_prepare_v2(db, q.c_str(), -1, &s, nullptr) == SQLITE_OK &&
          sqlite3_step(s) == SQLITE_ROW) {
        n = sqlite3_column_int64(s, 0);
      }
      sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return n;
  }

  // Selects and replays, as the admin API does; the selection's next_cursor in *cursor.
  Result<ReplayResult> replay(const ReplayFilter& f, std::optional<std::string>* cursor = nullptr) {
    auto selection = store_->select_for_replay(f);
    if (!selection) return selection.error();
    if (cursor) *cursor = selection->next_cursor;
    return call<ReplayResult>(
        [&](auto done) { store_->replay(std::move(*selection), std::move(done)); });
  }

  // Runs handler:count over its due deliveries, succeeding on each.
  Result<HandlerRunResult> run_succeeding_handler() {
    return call<HandlerRunResult>([&](auto done) {
      HandlerRun h;
      h.target = "handler:count";
      h.now_ms = kT0;
      h.handle = [](const StoredEvent&, Transaction&) -> Result<void> { return {}; };
      store_->run_handler(std::move(h), std::move(done));
    });
  }

  static ReplayFilter replay_one(const std::string& id, std::int64_t now) {
    ReplayFilter f;
    f.event_id = id;
    f.now_ms = now;
    return f;
  }

  EventDetail detail(const std::string& id) {
    auto d = store_->get_event(id);
    EXPECT_TRUE(d && *d);
    return d && *d ? **d : EventDetail{};
  }

  wharf::testing::TestDir dir_{"wharf-deliveries"};
  std::unique_ptr<Store> store_;
  std::atomic<int> wakeups_{0};
  std::vector<std::string> last_woken_;  // written on the writer thread before a completion
};

TEST_F(DeliveriesTest, RouterDecidesDeliveriesAtIngestAndUnroutedEventsAreIgnored) {
  int before = wakeups_;
  auto routed = ingest("stripe", "a");
  auto ignored = ingest("stripe", "b", "ignored.type");
  EXPECT_EQ(detail(routed).summary.status, "pending");
  ASSERT_EQ(detail(routed).targets.size(), 1u);
  EXPECT_EQ(detail(routed).targets[0].target, "forward:app");
  EXPECT_EQ(detail(ignored).summary.status, "ignored");
  EXPECT_TRUE(detail(ignored).targets.empty());
  EXPECT_GT(wakeups_, before);
  EXPECT_EQ(last_woken_, std::vector<std::string>{"forward:app"}) << "only the lanes concerned";
}

TEST_F(DeliveriesTest, DuplicateEventAddsNoSecondDelivery) {
  ingest("stripe", "a");
  ingest("stripe", "a");
  auto c = claim("forward:app", kT0);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->deliveries.size(), 1u);
}

TEST_F(DeliveriesTest, ClaimLeasesDeliveryUntilItsLeaseExpires) {
  auto id = ingest("stripe", "a");
  auto c = claim("forward:app", kT0);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->deliveries.size(), 1u);
  EXPECT_EQ(c->deliveries[0].event.id, id);
  EXPECT_EQ(c->deliveries[0].event.payload, "{\"id\":\"a\"}");
  EXPECT_EQ(c->deliveries[0].attempts_before, 0);
  EXPECT_EQ(detail(id).summary.status, "processing");
  EXPECT_EQ(c->next_due_ms, kT0 + 60'000);  // its own lease expiry

  auto again = claim("forward:app", kT0 + 59'999);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->deliveries.empty());
  // A crashed worker never reports: the lease expires and the delivery is due again.
  auto after = claim("forward:app", kT0 + 60'000);
  ASSERT_TRUE(after);
  ASSERT_EQ(after->deliveries.size(), 1u);
  EXPECT_GT(after->deliveries[0].lease, c->deliveries[0].lease);
}

TEST_F(DeliveriesTest, SuccessMarksEventDoneAndKeepsTheAttempt) {
  auto id = ingest("stripe", "a");
  auto c = claim("forward:app", kT0);
  ASSERT_TRUE(complete(c->deliveries[0], DeliveryResult::Next::kDone));
  auto d = detail(id);
  EXPECT_EQ(d.summary.status, "done");
  EXPECT_EQ(d.summary.attempts, 1);
  ASSERT_EQ(d.attempts.size(), 1u);
  EXPECT_EQ(d.attempts[0].target, "forward:app");
  EXPECT_EQ(d.attempts[0].record.outcome, "ok");
  EXPECT_EQ(d.attempts[0].record.status_code, 200);
  EXPECT_EQ(d.attempts[0].record.duration_ms, 12);
  EXPECT_TRUE(claim("forward:app", kT0 + 10'000'000)->deliveries.empty());
}

TEST_F(DeliveriesTest, FailedDeliveryWaitsForItsNextAttemptThenGoesToTheDlq) {
  auto id = ingest("stripe", "a");
  auto c = claim("forward:app", kT0);
  ASSERT_TRUE(complete(c->deliveries[0], DeliveryResult::Next::kRetry, kT0 + 5000, 500));
  auto d = detail(id);
  EXPECT_EQ(d.summary.status, "failed");
  ASSERT_EQ(d.targets.size(), 1u);
  EXPECT_EQ(d.targets[0].next_attempt_ms, kT0 + 5000);
  EXPECT_EQ(d.targets[0].last_error, "HTTP 500");
  EXPECT_TRUE(claim("forward:app", kT0 + 4999)->deliveries.empty());
  auto second = claim("forward:app", kT0 + 5000);
  ASSERT_EQ(second->deliveries.size(), 1u);
  EXPECT_EQ(second->deliveries[0].attempts_before, 1);
  ASSERT_TRUE(complete(second->deliveries[0], DeliveryResult::Next::kDead, 0, 500));
  d = detail(id);
  EXPECT_EQ(d.summary.status, "dead");
  EXPECT_EQ(d.summary.attempts, 2);
  EXPECT_EQ(d.attempts.size(), 2u);
  auto depth = store_->queue_depth();
  ASSERT_TRUE(depth);
  ASSERT_EQ(depth->size(), 1u);
  EXPECT_EQ((*depth)[0].status, "dead");
  EXPECT_EQ((*depth)[0].count, 1);
}

TEST_F(DeliveriesTest, FanOutEventIsDoneOnlyWhenEveryTargetIs) {
  auto id = ingest("fan", "a");
  ASSERT_EQ(detail(id).targets.size(), 2u);
  auto c = claim("forward:app", kT0);
  ASSERT_TRUE(complete(c->deliveries[0], DeliveryResult::Next::kDone));
  EXPECT_EQ(detail(id).summary.status, "pending");  // the handler has not run
  auto run = run_succeeding_handler();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->done, 1);
  EXPECT_EQ(detail(id).summary.status, "done");
}

TEST_F(DeliveriesTest, HandlerEffectsCommitWithDoneAndRollBackOnFailure) {
  auto run_handler = [&](bool fail) {
    return call<HandlerRunResult>([&](auto done) {
      HandlerRun h;
      h.target = "handler:count";
      h.now_ms = kT0 + 100'000;
      h.handle = [fail](const StoredEvent& e, Transaction& txn) -> Result<void> {
        auto c = txn.execute("CREATE TABLE IF NOT EXISTS effects (event TEXT, source TEXT)");
        if (!c) return c.error();
        auto w = txn.execute("INSERT INTO effects VALUES (?1, ?2)", {e.id, e.source});
        if (!w) return w.error();
        if (fail) return make_error(Errc::kUnavailable, "downstream said no");
        return {};
      };
      h.retry_at = [](const StoredEvent&, int attempts) -> std::optional<std::int64_t> {
        if (attempts >= 2) return std::nullopt;
        return kT0;  // due at once
      };
      store_->run_handler(std::move(h), std::move(done));
    });
  };
  auto id = ingest("fan", "a");
  auto failed = run_handler(true);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->failed, 1);
  auto d = detail(id);
  ASSERT_EQ(d.attempts.size(), 1u);
  EXPECT_EQ(d.attempts[0].record.outcome, "failed");
  EXPECT_EQ(d.attempts[0].record.error, "downstream said no");

  auto ok = run_handler(false);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->done, 1);
  EXPECT_EQ(ok->done_received_at_ms, std::vector<std::int64_t>{kT0});
  // Exactly one effect row: the failed attempt's insert was rolled back.
  EXPECT_EQ(count_rows("effects"), 1);
}

TEST_F(DeliveriesTest, HandlerThatThrowsIsAFailedAttempt) {
  ingest("fan", "a");
  auto r = call<HandlerRunResult>([&](auto done) {
    HandlerRun h;
    h.target = "handler:count";
    h.now_ms = kT0;
    h.handle = [](const StoredEvent&, Transaction&) -> Result<void> {
      throw std::runtime_error("boom");
    };
    h.retry_at = [](const StoredEvent&, int) { return std::optional<std::int64_t>(); };
    store_->run_handler(std::move(h), std::move(done));
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->dead, 1);
}

TEST_F(DeliveriesTest, ReplayStartsANewSeriesAndOutdatesAClaimInFlight) {
  auto id = ingest("stripe", "a");
  auto c = claim("forward:app", kT0);
  ASSERT_TRUE(complete(c->deliveries[0], DeliveryResult::Next::kDead));
  EXPECT_EQ(detail(id).summary.status, "dead");

  auto replayed = replay(replay_one(id, kT0 + 1));
  ASSERT_TRUE(replayed);
  EXPECT_EQ(replayed->replayed, 1);
  EXPECT_EQ(replayed->deliveries, 1);
  auto d = detail(id);
  EXPECT_EQ(d.summary.status, "pending");
  EXPECT_EQ(d.summary.attempts, 0);
  EXPECT_EQ(d.targets[0].series, 2);

  auto in_flight = claim("forward:app", kT0 + 1);
  ASSERT_EQ(in_flight->deliveries.size(), 1u);
  EXPECT_EQ(in_flight->deliveries[0].series, 2);
  // Replayed again while that attempt runs: its late result is logged but changes nothing.
  ASSERT_TRUE(replay(replay_one(id, kT0 + 2)));
  ASSERT_TRUE(complete(in_flight->deliveries[0], DeliveryResult::Next::kDone));
  d = detail(id);
  EXPECT_EQ(d.summary.status, "pending");
  EXPECT_EQ(d.targets[0].series, 3);
  EXPECT_EQ(d.attempts.size(), 2u);  // both attempts are in the history
}

TEST_F(DeliveriesTest, BulkReplayByStatusPagesWithACursor) {
  for (int i = 0; i < 5; ++i) {
    ingest("stripe", "e" + std::to_string(i));
  }
  auto c = claim("forward:app", kT0, 10);
  ASSERT_EQ(c->deliveries.size(), 5u);
  for (auto& d : c->deliveries) ASSERT_TRUE(complete(d, DeliveryResult::Next::kDead));

  ReplayFilter f;
  f.status = "dead";
  f.limit = 3;
  f.now_ms = kT0;
  std::optional<std::string> cursor;
  auto first = replay(f, &cursor);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->replayed, 3);
  ASSERT_TRUE(cursor);
  f.cursor = cursor;
  auto second = replay(f, &cursor);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->replayed, 2);
  EXPECT_FALSE(cursor);
  EventFilter dead;
  dead.status = "dead";
  EXPECT_TRUE(store_->list_events(dead)->events.empty());
}

TEST_F(DeliveriesTest, ReplayWindowSelectsByReceiptTime) {
  ingest("stripe", "a");  // received at kT0
  ReplayFilter f;
  f.since_ms = kT0 + 1;
  f.now_ms = kT0;
  auto none = replay(f);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->replayed, 0);
  f.since_ms = kT0;
  f.until_ms = kT0 + 1;
  auto one = replay(f);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->replayed, 1);
  // A bound beyond what an id can hold (year 2248) is clamped, never wrapped around.
  f.since_ms = parse_far_future();
  f.until_ms.reset();
  auto far = replay(f);
  ASSERT_TRUE(far);
  EXPECT_EQ(far->replayed, 0);
}

TEST_F(DeliveriesTest, DlqReplayRestartsOnlyTheDeadDeliveriesOfAFanOut) {
  auto id = ingest("fan", "a");  // forward:app and handler:count
  auto c = claim("forward:app", kT0);
  ASSERT_TRUE(complete(c->deliveries[0], DeliveryResult::Next::kDead));
  auto run = run_succeeding_handler();
  ASSERT_TRUE(run);
  EXPECT_EQ(detail(id).summary.status, "dead");

  ReplayFilter f;
  f.status = "dead";
  f.now_ms = kT0;
  auto r = replay(f);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->replayed, 1);
  EXPECT_EQ(r->deliveries, 1) << "the handler that succeeded is not run again";
  auto d = detail(id);
  EXPECT_EQ(d.summary.status, "pending");
  for (const auto& t : d.targets) {
    EXPECT_EQ(t.status, t.target == "handler:count" ? "done" : "pending") << t.target;
  }
  // Replaying the one event by id restarts every target.
  auto all = replay(replay_one(id, kT0));
  ASSERT_TRUE(all);
  EXPECT_EQ(all->deliveries, 2);
}

TEST_F(DeliveriesTest, ReopeningReleasesLeasesOfACrashedRun) {
  auto id = ingest("stripe", "a");
  // Leased until after the real clock's now, which the reopened store uses.
  auto c = claim("forward:app", kT0 + 100'000'000'000);
  ASSERT_EQ(c->deliveries.size(), 1u);
  open();  // as after kill -9: nobody will report on that lease
  EXPECT_EQ(detail(id).summary.status, "pending") << "not `processing` by a dead process";
  auto again = claim("forward:app", kT0 + 100'000'000'000);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->deliveries.size(), 1u);
}

TEST_F(DeliveriesTest, DisabledTargetsAreListedAndReenablingWakesTheDispatcher) {
  ASSERT_TRUE(call<void>([&](auto done) {
    store_->set_target_disabled("forward:app", "answered 410 Gone", kT0, std::move(done));
  }));
  auto list = store_->disabled_targets();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].target, "forward:app");
  EXPECT_EQ((*list)[0].reason, "answered 410 Gone");
  int before = wakeups_;
  ASSERT_TRUE(call<void>([&](auto done) {
    store_->set_target_disabled("forward:app", std::nullopt, kT0, std::move(done));
  }));
  EXPECT_TRUE(store_->disabled_targets()->empty());
  EXPECT_GT(wakeups_, before);
  EXPECT_EQ(last_woken_, std::vector<std::string>{"forward:app"}) << "only the lanes concerned";
}

TEST_F(DeliveriesTest, HandlerSqlErrorsAreReportedNotThrown) {
  ingest("fan", "a");
  std::string error;
  auto r = call<HandlerRunResult>([&](auto done) {
    HandlerRun h;
    h.target = "handler:count";
    h.now_ms = kT0;
    h.handle = [&error](const StoredEvent&, Transaction& txn) -> Result<void> {
      auto bad = txn.execute("INSERT INTO no_such_table VALUES (1)");
      EXPECT_FALSE(bad);
      auto arity = txn.query("SELECT ?1 + ?2", {std::int64_t{1}});
      EXPECT_FALSE(arity);
      // The transaction is wharf's: a handler cannot end it, nest it or change the connection.
      for (const char* sql : {"COMMIT", "ROLLBACK", "BEGIN", "SAVEPOINT x", "RELEASE job",
                              "PRAGMA synchronous=OFF", "ATTACH DATABASE ':memory:' AS other"}) {
        EXPECT_FALSE(txn.execute(sql)) << sql;
      }
      if (!bad) error = bad.error().message;
      return {};
    };
    store_->run_handler(std::move(h), std::move(done));
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->done, 1);
  EXPECT_NE(error.find("no such table"), std::string::npos);
}

}  // namespace
}  // namespace wharf::store
