#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <set>

#include "core/ids.h"
#include "observe/metrics.h"
#include "store/store.h"
#include "support/test_dir.h"

namespace wharf::store {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void TearDown() override { store_.reset(); }
  void open() {
    StoreOptions options;
    options.metrics = &metrics_;
    auto s = open_store(dir_.sqlite_url(), options);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  static NewEvent event(std::string source, std::string provider_id, std::string type = "t") {
    return NewEvent{std::move(source),
                    std::move(provider_id),
                    std::move(type),
                    "{\"k\":1}",
                    "application/json",
                    1'700'000'000'000,
                    ""};
  }
  IngestResult submit(std::vector<NewEvent> events) {
    std::promise<IngestResult> p;
    auto f = p.get_future();
    store_->submit(std::move(events), [&p](IngestResult r) { p.set_value(std::move(r)); });
    return f.get();
  }

  wharf::testing::TestDir dir_{"wharf-store"};
  observe::Registry metrics_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreTest, StoresEventAndReadsItBack) {
  auto r = submit({event("stripe", "evt_1", "invoice.paid")});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_FALSE((*r)[0].duplicate);
  auto got = store_->get_event((*r)[0].id);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->summary.source, "stripe");
  EXPECT_EQ((*got)->summary.provider_event_id, "evt_1");
  EXPECT_EQ((*got)->summary.type, "invoice.paid");
  EXPECT_EQ((*got)->summary.status, "ignored");
  EXPECT_EQ((*got)->payload, "{\"k\":1}");
  EXPECT_EQ((*got)->content_type, "application/json");
}

TEST_F(SqliteStoreTest, DuplicateProviderIdAnswersFirstIdAndIsStoredOnce) {
  auto first = submit({event("stripe", "evt_1")});
  ASSERT_TRUE(first);
  auto again = submit({event("stripe", "evt_1")});
  ASSERT_TRUE(again);
  EXPECT_TRUE((*again)[0].duplicate);
  EXPECT_EQ((*again)[0].id, (*first)[0].id);
  auto page = store_->list_events({});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->events.size(), 1u);
}

TEST_F(SqliteStoreTest, SameProviderIdFromAnotherSourceIsNotADuplicate) {
  ASSERT_TRUE(submit({event("a", "x")}));
  auto r = submit({event("b", "x")});
  ASSERT_TRUE(r);
  EXPECT_FALSE((*r)[0].duplicate);
}

TEST_F(SqliteStoreTest, DuplicateInsideOneSubmissionPointsAtTheFirstElement) {
  auto r = submit({event("sendgrid", "sg1"), event("sendgrid", "sg1"), event("sendgrid", "sg2")});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_FALSE((*r)[0].duplicate);
  EXPECT_TRUE((*r)[1].duplicate);
  EXPECT_EQ((*r)[1].id, (*r)[0].id);
  EXPECT_FALSE((*r)[2].duplicate);
}

TEST_F(SqliteStoreTest, ConcurrentSubmissionsAreGroupCommittedAndAllStored) {
  constexpr int kThreads = 8, kPerThread = 200;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = submit({event("s", std::to_string(t) + "-" + std::to_string(i))});
        if (r && !(*r)[0].duplicate) ok++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  std::set<std::string> seen;
  std::optional<std::string> cursor;
  do {
    EventFilter f;
    f.limit = 333;
    f.cursor = cursor;
    auto page = store_->list_events(f);
    ASSERT_TRUE(page);
    for (auto& e : page->events) EXPECT_TRUE(seen.insert(e.id).second) << "paged twice: " << e.id;
    cursor = page->next_cursor;
  } while (cursor);
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kPerThread));
  // Group commit: submitters that overlap share a commit, so there are fewer commits (one
  // histogram observation each) than submissions, and the events add up.
  auto& batches = metrics_.histogram("wharf_store_commit_batch_events", "", {}, {});
  EXPECT_LT(batches.count(), static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(static_cast<int>(batches.sum()), kThreads * kPerThread);
}

TEST_F(SqliteStoreTest, AckedEventsSurviveReopen) {
  auto r = submit({event("github", "delivery-1")});
  ASSERT_TRUE(r);
  store_.reset();  // closes the writer and every connection
  open();
  auto got = store_->get_event((*r)[0].id);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->summary.provider_event_id, "delivery-1");
}

TEST_F(SqliteStoreTest, ReusedReplayNonceOnAnotherEventIsRefusedAndNotStored) {
  auto first = event("mailgun", "msg-1");
  first.replay_nonce = "token-1";
  ASSERT_TRUE(submit({first}));
  // The same event again with its token: an ordinary duplicate.
  auto again = submit({first});
  ASSERT_TRUE(again);
  EXPECT_TRUE((*again)[0].duplicate);
  EXPECT_FALSE((*again)[0].replayed);
  // Another event carrying the used token: refused.
  auto forged = event("mailgun", "msg-forged");
  forged.replay_nonce = "token-1";
  auto r = submit({forged});
  ASSERT_TRUE(r);
  EXPECT_TRUE((*r)[0].replayed);
  EXPECT_FALSE((*r)[0].duplicate);
  EventFilter f;
  f.source = "mailgun";
  EXPECT_EQ(store_->list_events(f)->events.size(), 1u);
  // The same token at another source, and events without a nonce, are unaffected.
  auto other = event("mailgun2", "msg-x");
  other.replay_nonce = "token-1";
  auto o = submit({other, event("a", "1"), event("a", "2")});
  ASSERT_TRUE(o);
  for (const auto& outcome : *o) EXPECT_FALSE(outcome.replayed || outcome.duplicate);
}

TEST_F(SqliteStoreTest, ListFiltersBySourceTypeAndStatus) {
  ASSERT_TRUE(submit({event("a", "1", "x"), event("a", "2", "y"), event("b", "3", "x")}));
  EventFilter f;
  f.source = "a";
  EXPECT_EQ(store_->list_events(f)->events.size(), 2u);
  f.type = "x";
  EXPECT_EQ(store_->list_events(f)->events.size(), 1u);
  EventFilter s;
  s.status = "done";
  EXPECT_EQ(store_->list_events(s)->events.size(), 0u);
}

TEST_F(SqliteStoreTest, ListIsNewestFirst) {
  ASSERT_TRUE(submit({event("a", "1")}));
  ASSERT_TRUE(submit({event("a", "2")}));
  auto page = store_->list_events({});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].provider_event_id, "2");
}

TEST_F(SqliteStoreTest, RejectsMalformedCursor) {
  EventFilter f;
  f.cursor = "1; DROP TABLE events";
  auto page = store_->list_events(f);
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().code, Errc::kInvalidArgument);
}

TEST_F(SqliteStoreTest, UnknownIdIsEmptyNotAnError) {
  for (auto id : {"evt_nope", "evt_0000000000000", "evt_ZZZZZZZZZZZZZ", "", "1"}) {
    auto got = store_->get_event(id);
    ASSERT_TRUE(got) << id;
    EXPECT_FALSE(*got) << id;
  }
}

TEST_F(SqliteStoreTest, IdsIncreaseAcrossRestartsEvenIfTheClockStepsBack) {
  auto later = event("a", "1");
  later.received_at_ms += 60'000;
  auto first = submit({later});
  ASSERT_TRUE(first);
  store_.reset();
  open();
  auto second = submit({event("a", "2")});  // an earlier clock than the first event
  ASSERT_TRUE(second);
  EXPECT_GT(*parse_event_id((*second)[0].id), *parse_event_id((*first)[0].id));
}

TEST_F(SqliteStoreTest, SubmitAfterCloseFailsWithUnavailable) {
  store_->close();
  auto r = submit({event("a", "1")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
}

TEST(OpenStore, RejectsUnknownSchemes) {
  auto s = open_store("mysql://x", {});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kInvalidArgument);
}

TEST(OpenStore, FailsClearlyWhenTheDirectoryCannotBeCreated) {
  auto s = open_store("sqlite:///proc/wharf-cannot/w.db", {});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kUnavailable);
}

}  // namespace
}  // namespace wharf::store
