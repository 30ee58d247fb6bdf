#include "core/lease_lock.h"

#include <gtest/gtest.h>

namespace wharf {
namespace {

using namespace std::chrono_literals;

TEST(LocalLeaseLockTest, OneOwnerAtATimeUntilReleased) {
  FakeClock clock;
  LocalLeaseLock lock(clock);
  EXPECT_TRUE(*lock.try_acquire("refresh:alice", "node-a", 30s));
  EXPECT_FALSE(*lock.try_acquire("refresh:alice", "node-b", 30s));
  EXPECT_TRUE(*lock.try_acquire("refresh:bob", "node-b", 30s));    // another key is free
  EXPECT_TRUE(*lock.try_acquire("refresh:alice", "node-a", 30s));  // the holder extends it
  ASSERT_TRUE(lock.release("refresh:alice", "node-a"));
  EXPECT_TRUE(*lock.try_acquire("refresh:alice", "node-b", 30s));
}

TEST(LocalLeaseLockTest, AnExpiredLeaseIsTakenOverAndItsOldOwnerCannotFreeIt) {
  FakeClock clock;
  LocalLeaseLock lock(clock);
  EXPECT_TRUE(*lock.try_acquire("k", "slow", 1s));
  clock.advance_ms(999);
  EXPECT_FALSE(*lock.try_acquire("k", "next", 1s));
  clock.advance_ms(1);
  EXPECT_TRUE(*lock.try_acquire("k", "next", 1s));
  // The first owner finishes late: its release must not free the new owner's lock.
  ASSERT_TRUE(lock.release("k", "slow"));
  EXPECT_FALSE(*lock.try_acquire("k", "third", 1s));
}

}  // namespace
}  // namespace wharf
