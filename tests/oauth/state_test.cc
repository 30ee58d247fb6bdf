#include "oauth/state.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "core/encoding.h"

namespace wharf::oauth {
namespace {

constexpr std::int64_t kNow = 1'700'000'000'000;
constexpr char kRedirect[] = "https://wharf.example/oauth/callback";

TEST(StateStore, IssuesUnguessableBase64UrlStates) {
  InMemoryStateStore store;
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto state = store.issue("conn-1", "verifier", kRedirect, kNow).value();
    auto raw = encoding::base64url_decode(state);
    ASSERT_TRUE(raw);
    EXPECT_EQ(raw->size(), 32u);
    seen.insert(state);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(StateStore, StateSizeIsAtLeast128Bits) {
  InMemoryStateStore store({.state_bytes = 4});
  auto state = store.issue("conn-1", "verifier", kRedirect, kNow).value();
  EXPECT_EQ(encoding::base64url_decode(state)->size(), 16u);
}

TEST(StateStore, ConsumeReturnsWhatIssueBound) {
  InMemoryStateStore store;
  auto state = store.issue("conn-1", "the-verifier", kRedirect, kNow).value();
  auto pending = store.consume(state, kNow + 1000);
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->connection_id, "conn-1");
  EXPECT_EQ(pending->pkce_verifier, "the-verifier");
  EXPECT_EQ(pending->redirect_uri, kRedirect);
  EXPECT_EQ(pending->issued_at_ms, kNow);
  EXPECT_EQ(pending->expires_at_ms, kNow + 600'000);
}

TEST(StateStore, IsSingleUse) {
  InMemoryStateStore store;
  auto state = store.issue("conn-1", "v", kRedirect, kNow).value();
  EXPECT_TRUE(store.consume(state, kNow));
  auto again = store.consume(state, kNow);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), StateFailure::kUnknown);
  EXPECT_EQ(store.size(), 0u);
}

TEST(StateStore, RefusesUnknownAndEmptyStates) {
  InMemoryStateStore store;
  ASSERT_TRUE(store.issue("conn-1", "v", kRedirect, kNow));
  EXPECT_EQ(store.consume("not-a-state", kNow).error(), StateFailure::kUnknown);
  EXPECT_EQ(store.consume("", kNow).error(), StateFailure::kUnknown);
}

TEST(StateStore, ExpiresAfterTheDefaultTenMinutes) {
  InMemoryStateStore store;
  auto fresh = store.issue("conn-1", "v", kRedirect, kNow).value();
  auto stale = store.issue("conn-1", "v", kRedirect, kNow).value();
  EXPECT_TRUE(store.consume(fresh, kNow + 600'000 - 1));
  EXPECT_EQ(store.consume(stale, kNow + 600'000).error(), StateFailure::kExpired);
  // An expired state is gone too.
  EXPECT_EQ(store.consume(stale, kNow).error(), StateFailure::kUnknown);
}

TEST(StateStore, TtlIsConfigurable) {
  InMemoryStateStore store({.ttl = std::chrono::seconds(30)});
  auto state = store.issue("conn-1", "v", kRedirect, kNow).value();
  EXPECT_EQ(store.consume(state, kNow + 30'000).error(), StateFailure::kExpired);
}

TEST(StateStore, IsBoundToItsConnection) {
  InMemoryStateStore store;
  auto state = store.issue("conn-1", "v", kRedirect, kNow).value();
  EXPECT_EQ(store.consume_for(state, "conn-2", kNow).error(), StateFailure::kWrongConnection);
  // Presented for the wrong connection, the state is burnt.
  EXPECT_EQ(store.consume_for(state, "conn-1", kNow).error(), StateFailure::kUnknown);

  auto other = store.issue("conn-1", "v", kRedirect, kNow).value();
  EXPECT_EQ(store.consume_for(other, "conn-1", kNow)->connection_id, "conn-1");
}

TEST(StateStore, RefusesWhenFullOfLiveStates) {
  InMemoryStateStore store({.capacity = 3});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store.issue("c", "v", kRedirect, kNow));
  auto refused = store.issue("c", "v", kRedirect, kNow + 1);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), StateFailure::kFull);
  EXPECT_EQ(to_error(refused.error()).code, Errc::kUnavailable);
}

TEST(StateStore, EvictsExpiredStatesBeforeRefusing) {
  InMemoryStateStore store({.ttl = std::chrono::seconds(10), .capacity = 3});
  auto old_state = store.issue("c", "v", kRedirect, kNow).value();
  ASSERT_TRUE(store.issue("c", "v", kRedirect, kNow + 5'000));
  ASSERT_TRUE(store.issue("c", "v", kRedirect, kNow + 5'000));
  // At kNow + 10 s the first has expired: it makes room; the live two stay.
  auto state = store.issue("c", "v", kRedirect, kNow + 10'000);
  ASSERT_TRUE(state);
  EXPECT_EQ(store.size(), 3u);
  EXPECT_EQ(store.consume(old_state, kNow + 10'000).error(), StateFailure::kUnknown);
  EXPECT_TRUE(store.consume(*state, kNow + 10'000));
}

TEST(StateStore, EvictExpiredCountsWhatItRemoves) {
  InMemoryStateStore store({.ttl = std::chrono::seconds(10)});
  ASSERT_TRUE(store.issue("c", "v", kRedirect, kNow));
  ASSERT_TRUE(store.issue("c", "v", kRedirect, kNow + 20'000));
  EXPECT_EQ(store.evict_expired(kNow + 10'000), 1u);
  EXPECT_EQ(store.size(), 1u);
}

TEST(StateStore, RefusesEmptyArguments) {
  InMemoryStateStore store;
  EXPECT_EQ(store.issue("", "v", kRedirect, kNow).error(), StateFailure::kInvalidArgument);
  EXPECT_EQ(store.issue("c", "", kRedirect, kNow).error(), StateFailure::kInvalidArgument);
  EXPECT_EQ(store.issue("c", "v", "", kNow).error(), StateFailure::kInvalidArgument);
}

TEST(StateStore, ErrorsNameTheReasonWithoutTheState) {
  InMemoryStateStore store;
  auto state = store.issue("conn-1", "secret-verifier", kRedirect, kNow).value();
  for (auto failure : {StateFailure::kUnknown, StateFailure::kExpired,
                       StateFailure::kWrongConnection, StateFailure::kFull}) {
    Error e = to_error(failure);
    EXPECT_NE(e.message.find(to_string(failure)), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find(state), std::string::npos);
    EXPECT_EQ(e.message.find("secret-verifier"), std::string::npos);
  }
  EXPECT_EQ(to_error(StateFailure::kExpired).code, Errc::kUnauthenticated);
}

TEST(StateStore, EachConcurrentConsumerOfOneStateButOneFails) {
  InMemoryStateStore store;
  for (int round = 0; round < 20; ++round) {
    auto state = store.issue("c", "v", kRedirect, kNow).value();
    std::atomic<int> successes{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        if (store.consume(state, kNow)) successes.fetch_add(1);
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(successes.load(), 1);
  }
}

TEST(StateStore, ConcurrentIssueRespectsCapacity) {
  InMemoryStateStore store({.capacity = 100});
  std::atomic<int> issued{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (store.issue("c", "v", kRedirect, kNow)) issued.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(issued.load(), 100);
  EXPECT_EQ(store.size(), 100u);
}

}  // namespace
}  // namespace wharf::oauth
