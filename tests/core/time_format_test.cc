#include "core/time_format.h"

#include <gtest/gtest.h>

namespace wharf {
namespace {

TEST(ParseTime, ReadsRfc3339WithFractionAndOffsets) {
  EXPECT_EQ(parse_time_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_time_ms("2026-11-27T13:08:45.123Z"), 1795784925123);
  EXPECT_EQ(parse_time_ms("2026-11-27T13:08:45.1239Z"), 1795784925123);  // truncated to ms
  EXPECT_EQ(parse_time_ms("2026-11-27T14:08:45+01:00"), 1795784925000);
  EXPECT_EQ(parse_time_ms("2026-11-27T12:08:45-01:00"), 1795784925000);
  EXPECT_EQ(parse_time_ms("2024-02-29"), 1709164800000);
}

TEST(ParseTime, ReadsUnixSeconds) {
  EXPECT_EQ(parse_time_ms("1795784925"), 1795784925000);
  EXPECT_FALSE(parse_time_ms("179578492500000"));  // milliseconds by mistake
}

TEST(ParseTime, RoundTripsWithFormat) {
  std::int64_t t = 1795784925123;
  EXPECT_EQ(parse_time_ms(format_rfc3339_ms(t)), t);
}

TEST(ParseTime, RefusesMalformedAndImpossibleTimes) {
  for (const char* bad :
       {"", "yesterday", "2026-13-01", "2023-02-29", "2026-11-27T25:00:00Z", "2026-11-27T10:00:00",
        "2026-11-27T10:00Z", "2026-11-27T10:00:00.Z", "2026-11-27T10:00:00Zjunk", "-5",
        "2026-11-27T10:00:00+1:00", "1969-12-31"}) {
    EXPECT_FALSE(parse_time_ms(bad)) << bad;
  }
}

}  // namespace
}  // namespace wharf
