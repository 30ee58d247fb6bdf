#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/await.h"
#include "store/store.h"
#include "support/sqlite_rows.h"
#include "support/test_dir.h"

namespace wharf::store {
namespace {

// Store::transact: an application's own writes in the writer's transaction (SQLite engine).
class TransactTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions options;
    options.app_schemas = {AppSchema{
        "notes", {{1, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)"}}}};
    auto s = open_store(dir_.sqlite_url(), options);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }

  Result<void> run(std::function<Result<void>(Transaction&)> work) {
    std::promise<Result<void>> p;
    auto f = p.get_future();
    store_->transact(std::move(work), [&p](Result<void> r) { p.set_value(std::move(r)); });
    return f.get();
  }

  // Read beside the store: the first column of every row.
  std::vector<std::string> column(const std::string& sql) {
    return wharf::testing::sqlite_column(dir_.path() / "w.db", sql, "NULL")
        .value_or(std::vector<std::string>{});
  }

  wharf::testing::TestDir dir_{"wharf-transact"};
  std::unique_ptr<Store> store_;
};

TEST_F(TransactTest, CommitsTheWorksWritesBeforeDone) {
  auto r = run([](Transaction& txn) -> Result<void> {
    auto a = txn.execute("INSERT INTO notes(body) VALUES (?1)", {std::string("first")});
    if (!a) return a.error();
    auto b = txn.execute("INSERT INTO notes(body) VALUES (?1)", {std::string("second")});
    if (!b) return b.error();
    return {};
  });
  ASSERT_TRUE(r) << r.error().message;
  // Durable when done is called: a separate connection sees both rows.
  EXPECT_EQ(column("SELECT body FROM notes ORDER BY id"),
            (std::vector<std::string>{"first", "second"}));
}

TEST_F(TransactTest, AnErrorUndoesOnlyThatWorksStatements) {
  ASSERT_TRUE(run([](Transaction& txn) -> Result<void> {
    auto a = txn.execute("INSERT INTO notes(body) VALUES ('kept')");
    if (!a) return a.error();
    return {};
  }));
  auto r = run([](Transaction& txn) -> Result<void> {
    auto a = txn.execute("INSERT INTO notes(body) VALUES ('undone')");
    if (!a) return a.error();
    // Violates the unique index: the work fails, and its first insert goes too.
    auto b = txn.execute("INSERT INTO notes(body) VALUES ('kept')");
    if (!b) return b.error();
    return {};
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(column("SELECT body FROM notes ORDER BY id"), (std::vector<std::string>{"kept"}));
}

TEST_F(TransactTest, ConcurrentWorkInOneBatchIsIsolatedBySavepoints) {
  // Queued together, these usually share one group commit: the failing one must not take the
  // others' rows with it.
  std::vector<std::future<Result<void>>> results;
  std::vector<std::shared_ptr<std::promise<Result<void>>>> promises;
  for (int i = 0; i < 20; ++i) {
    auto p = std::make_shared<std::promise<Result<void>>>();
    results.push_back(p->get_future());
    store_->transact(
        [i](Transaction& txn) -> Result<void> {
          auto a = txn.execute("INSERT INTO notes(body) VALUES (?1)", {"n" + std::to_string(i)});
          if (!a) return a.error();
          if (i % 5 == 0) return make_error(Errc::kInvalidArgument, "refused");
          return {};
        },
        [p](Result<void> r) { p->set_value(std::move(r)); });
  }
  int failed = 0;
  for (auto& f : results) failed += f.get() ? 0 : 1;
  EXPECT_EQ(failed, 4);
  EXPECT_EQ(column("SELECT count(*) FROM notes"), (std::vector<std::string>{"16"}));
  EXPECT_TRUE(column("SELECT body FROM notes WHERE body IN ('n0', 'n5', 'n10', 'n15')").empty());
}

TEST_F(TransactTest, AnExceptionIsAnInternalErrorAndRollsBack) {
  auto r = run([](Transaction& txn) -> Result<void> {
    (void)txn.execute("INSERT INTO notes(body) VALUES ('thrown')");
    throw std::runtime_error("boom");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInternal);
  EXPECT_TRUE(column("SELECT body FROM notes").empty());
}

TEST_F(TransactTest, RunsInQueueOrderAfterEarlierSubmissions) {
  std::promise<IngestResult> p;
  auto f = p.get_future();
  store_->submit({NewEvent{"s", "e1", "t", "{}", "application/json", 1'700'000'000'000, ""}},
                 [&p](IngestResult r) { p.set_value(std::move(r)); });
  std::int64_t seen = -1;
  ASSERT_TRUE(run([&seen](Transaction& txn) -> Result<void> {
    auto rows = txn.query("SELECT count(*) FROM events");
    if (!rows) return rows.error();
    seen = std::get<std::int64_t>((*rows)[0][0]);
    return {};
  }));
  ASSERT_TRUE(f.get());
  EXPECT_EQ(seen, 1);
}

TEST_F(TransactTest, FailsAtOnceAfterClose) {
  store_->close();
  bool ran = false;
  auto r = run([&ran](Transaction&) -> Result<void> {
    ran = true;
    return {};
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_FALSE(ran);
}

TEST_F(TransactTest, AwaitableFormReturnsTheWorksValueOnTheCallersExecutor) {
  boost::asio::io_context ioc;
  auto done = boost::asio::co_spawn(
      ioc,
      [this]() -> boost::asio::awaitable<Result<std::int64_t>> {
        auto work = [](Transaction& txn) -> Result<std::int64_t> {
          auto a = txn.execute("INSERT INTO notes(body) VALUES ('x'), ('y')");
          if (!a) return a.error();
          return *a;
        };
        Result<std::int64_t> r = co_await transact<std::int64_t>(*store_, std::move(work));
        co_return r;
      },
      boost::asio::use_future);
  ioc.run();
  auto r = done.get();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, 2);
  EXPECT_EQ(column("SELECT count(*) FROM notes"), (std::vector<std::string>{"2"}));

  // Its error comes back as is, and nothing is kept.
  boost::asio::io_context ioc2;
  auto failed = boost::asio::co_spawn(
      ioc2,
      [this]() -> boost::asio::awaitable<Result<std::int64_t>> {
        auto work = [](Transaction& txn) -> Result<std::int64_t> {
          (void)txn.execute("INSERT INTO notes(body) VALUES ('z')");
          return make_error(Errc::kNotFound, "no such thing");
        };
        Result<std::int64_t> r = co_await transact<std::int64_t>(*store_, std::move(work));
        co_return r;
      },
      boost::asio::use_future);
  ioc2.run();
  auto e = failed.get();
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, Errc::kNotFound);
  EXPECT_EQ(column("SELECT count(*) FROM notes"), (std::vector<std::string>{"2"}));
}

}  // namespace
}  // namespace wharf::store
