#include "core/ids.h"

#include <gtest/gtest.h>

namespace wharf {
namespace {

TEST(EventId, FormatsAndParsesEveryBitPattern) {
  for (std::uint64_t n : {0ULL, 1ULL, 31ULL, 32ULL, 1'700'000'000'000ULL << 20, ~0ULL}) {
    std::string id = format_event_id(n);
    EXPECT_EQ(id.size(), 17u);
    EXPECT_EQ(id.substr(0, 4), "evt_");
    EXPECT_EQ(parse_event_id(id), n) << id;
  }
}

TEST(EventId, SortsLikeItsNumber) {
  EXPECT_LT(format_event_id(1'700'000'000'000ULL << 20),
            format_event_id(1'700'000'000'001ULL << 20));
}

TEST(EventId, RejectsAnythingElse) {
  for (auto bad : {"", "evt_", "evt_123", "evx_0000000000000", "evt_000000000000U",
                   "evt_Z000000000000", "evt_00000000000000"}) {
    EXPECT_FALSE(parse_event_id(bad)) << bad;
  }
  EXPECT_EQ(parse_event_id("evt_000000000000a"), parse_event_id("evt_000000000000A"));
}

TEST(EventIdSequence, IncreasesStrictlyWithinAMillisecondAndWhenTheClockStepsBack) {
  EventIdSequence seq;
  auto a = seq.next(1000);
  auto b = seq.next(1000);
  auto c = seq.next(999);
  auto d = seq.next(2000);
  EXPECT_EQ(a, 1000ULL << 20);
  EXPECT_EQ(b, a + 1);
  EXPECT_EQ(c, b + 1);
  EXPECT_EQ(d, 2000ULL << 20);
}

}  // namespace
}  // namespace wharf

namespace wharf {
namespace {

TEST(EventKey, ParsesOnlyIdsThatFitTheStoresSignedKey) {
  EXPECT_EQ(parse_event_key(format_event_id(42)), 42);
  EXPECT_EQ(parse_event_key(format_event_id(static_cast<std::uint64_t>(INT64_MAX))), INT64_MAX);
  EXPECT_FALSE(parse_event_key(format_event_id(static_cast<std::uint64_t>(INT64_MAX) + 1)));
  EXPECT_FALSE(parse_event_key("evt_nope"));
}

TEST(EventKey, FirstKeyAtATimeIsBelowEveryIdIssuedThenAndClamped) {
  EventIdSequence ids;
  std::int64_t key = static_cast<std::int64_t>(ids.next(1'700'000'000'123));
  EXPECT_LE(first_event_key_at(1'700'000'000'123), key);
  EXPECT_GT(first_event_key_at(1'700'000'000'124), key);
  EXPECT_EQ(first_event_key_at(-5), 0);
  EXPECT_GT(first_event_key_at(INT64_MAX), 0) << "a far-future bound must not wrap around";
}

}  // namespace
}  // namespace wharf
