#include "resilience/retry_after.h"

#include <gtest/gtest.h>

namespace wharf::resilience {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

// Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's example date.
constexpr std::int64_t kExampleMs = 784'111'777'000;
// One minute before it: every form of the example date is then 60 s away.
constexpr std::int64_t kMinuteBefore = kExampleMs - 60'000;
// Sun, 01 Mar 2026 12:00:00 GMT.
constexpr std::int64_t kMarch2026Ms = 1'772'366'400'000;

TEST(ParseRetryAfter, ReadsDeltaSeconds) {
  EXPECT_EQ(parse_retry_after("120", 0), milliseconds(120s));
  EXPECT_EQ(parse_retry_after("0", 0), milliseconds(0));
  EXPECT_EQ(parse_retry_after("007", 0), milliseconds(7s));
}

TEST(ParseRetryAfter, IgnoresSurroundingOptionalWhitespaceOnly) {
  EXPECT_EQ(parse_retry_after(" 5 ", 0), milliseconds(5s));
  EXPECT_EQ(parse_retry_after("\t5\t", 0), milliseconds(5s));
  EXPECT_EQ(parse_retry_after("1 2", 0), std::nullopt);
  EXPECT_EQ(parse_retry_after("5\n", 0), std::nullopt);
}

TEST(ParseRetryAfter, RejectsSignedFractionalEmptyAndGarbage) {
  for (const char* bad : {"", "   ", "-5", "+5", "5.0", "5s", "1e3", "abc", "0x10", "soon"}) {
    EXPECT_EQ(parse_retry_after(bad, 0), std::nullopt) << "'" << bad << "'";
  }
}

TEST(ParseRetryAfter, CapsLargeDelaysAndRejectsOverflow) {
  EXPECT_EQ(parse_retry_after("86400", 0), kMaxRetryAfter);
  EXPECT_EQ(parse_retry_after("100000", 0), kMaxRetryAfter);
  EXPECT_EQ(parse_retry_after("9223372036854775807", 0), kMaxRetryAfter);
  EXPECT_EQ(parse_retry_after("9223372036854775808", 0), std::nullopt);
  EXPECT_EQ(parse_retry_after("99999999999999999999999", 0), std::nullopt);
}

TEST(ParseRetryAfter, ReadsTheThreeHttpDateForms) {
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kMinuteBefore), milliseconds(60s));
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", kMinuteBefore), milliseconds(60s));
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", kMinuteBefore), milliseconds(60s));
  EXPECT_EQ(parse_retry_after("Sun Nov 06 08:49:37 1994", kMinuteBefore), milliseconds(60s));
  EXPECT_EQ(parse_retry_after("  Sun, 06 Nov 1994 08:49:37 GMT\t", kMinuteBefore),
            milliseconds(60s));
}

TEST(ParseRetryAfter, MeasuresFromNowToTheMillisecond) {
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kExampleMs - 1'250),
            milliseconds(1'250));
}

TEST(ParseRetryAfter, PastOrPresentDateMeansNoWait) {
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kExampleMs), milliseconds(0));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kMarch2026Ms), milliseconds(0));
  EXPECT_EQ(parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", kMarch2026Ms), milliseconds(0));
}

TEST(ParseRetryAfter, CapsAFarFutureDate) {
  EXPECT_EQ(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", kMarch2026Ms), kMaxRetryAfter);
}

TEST(ParseRetryAfter, ResolvesTwoDigitYearsWithinFiftyYears) {
  // "26" is this year, not 1926; "94" is 1994 (in the past), not 2094 (which would be capped).
  EXPECT_EQ(parse_retry_after("Sunday, 01-Mar-26 12:01:00 GMT", kMarch2026Ms), milliseconds(60s));
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", kMarch2026Ms), milliseconds(0));
  EXPECT_EQ(parse_retry_after("Friday, 01-Jan-76 00:00:00 GMT", kMarch2026Ms), kMaxRetryAfter);
}

TEST(ParseRetryAfter, AcceptsLeapDaysAndLeapSeconds) {
  constexpr std::int64_t k1996Feb29Ms = 825'552'000'000;
  EXPECT_EQ(parse_retry_after("Thu, 29 Feb 1996 00:00:00 GMT", k1996Feb29Ms - 1'000),
            milliseconds(1s));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:60 GMT", kMinuteBefore), milliseconds(83s));
}

TEST(ParseRetryAfter, RejectsImpossibleDatesAndTimes) {
  for (const char* bad : {
           "Sun, 30 Feb 1994 08:49:37 GMT",   // no Feb 30
           "Mon, 29 Feb 1900 08:49:37 GMT",   // 1900 is not a leap year
           "Sun, 00 Nov 1994 08:49:37 GMT",   // no day 0
           "Sun, 31 Nov 1994 08:49:37 GMT",   // November has 30 days
           "Sun, 06 Nov 1994 25:00:00 GMT",   // no hour 25
           "Sun, 06 Nov 1994 24:00:00 GMT",   // 24:00 is not in the grammar's range
           "Sun, 06 Nov 1994 08:60:37 GMT",   // no minute 60
           "Sun, 06 Nov 1994 08:49:61 GMT",   // seconds stop at 60
           "Sunday, 30-Feb-94 08:49:37 GMT",  // same checks in the obsolete forms
           "Sun Feb 30 08:49:37 1994",
           "Sun Nov  6 25:49:37 1994",
       }) {
    EXPECT_EQ(parse_retry_after(bad, kMinuteBefore), std::nullopt) << bad;
  }
}

TEST(ParseRetryAfter, RejectsMalformedDates) {
  for (const char* bad : {
           "sun, 06 nov 1994 08:49:37 gmt",       // HTTP-date is case-sensitive
           "Sun, 6 Nov 1994 08:49:37 GMT",        // the day is two digits
           "Sun, 06 Nov 94 08:49:37 GMT",         // IMF-fixdate has a four-digit year
           "Sun, 06 Nov 1994 08:49:37 UTC",       // only GMT
           "Sun, 06 Nov 1994 08:49:37",           // zone missing
           "Sun, 06 Nov 1994 08:49:37 GMTx",      // trailing garbage
           "Sun,  06 Nov 1994 08:49:37 GMT",      // exact spacing
           "Sun 06 Nov 1994 08:49:37 GMT",        // comma missing
           "Sun, 06 November 1994 08:49:37 GMT",  // month names are abbreviated
           "Sun, 06 Nov 1994 8:49:37 GMT",        // the hour is two digits
           "Xyz, 06 Nov 1994 08:49:37 GMT",       // not a day name
           "Sun, 06-Nov-94 08:49:37 GMT",         // RFC 850 spells the day name out
           "Sunday, 06-Nov-1994 08:49:37 GMT",    // ... and has a two-digit year
           "Sun Nov 6 08:49:37 1994",             // asctime pads the day with a space
           "Sun Nov  6 08:49:37 94",              // asctime has a four-digit year
           "Sun Nov  6 08:49:37 1994 GMT",        // ... and no zone
           "2024-01-01T00:00:00Z",                // not an HTTP-date
       }) {
    EXPECT_EQ(parse_retry_after(bad, kMinuteBefore), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace wharf::resilience
