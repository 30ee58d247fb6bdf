// A peer's `Retry-After` response header (RFC 9110 §10.2.3), turned into a delay: used by the
// dispatcher's retry policy (a destination's answer) and the outbound retry stage (a provider's).
// Pure functions of their arguments (the caller passes the time): thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace wharf::resilience {

// The longest delay a Retry-After value can ask for; longer requests are capped to it (a
// destination that says "come back in a year" still gets its event retried tomorrow).
inline constexpr std::chrono::milliseconds kMaxRetryAfter = std::chrono::hours(24);

// Parses a Retry-After field value received at `now_ms` (Unix milliseconds) and returns the delay
// it asks for, in [0, kMaxRetryAfter]:
//   - delta-seconds ("120"): that many seconds;
//   - an HTTP-date in any of the three forms RFC 9110 §5.6.7 requires a recipient to accept:
//     IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT"
//     (two-digit years resolved as §5.6.7 says, relative to `now_ms`) and asctime
//     "Sun Nov  6 08:49:37 1994": the time from `now_ms` to that date, 0 when it is past.
// Leading and trailing optional whitespace (SP, HTAB) is ignored; nothing else is lenient: the
// date grammar is case-sensitive with exact spacing, and the calendar date and time of day must
// exist (second 60 is accepted, as the grammar allows for leap seconds). The weekday name must be
// a valid one but is not checked against the date: the date itself is the information we use.
// Returns nullopt for anything else: empty, signed or fractional numbers, a number too large for
// 64 bits, interior whitespace, unknown names, impossible dates (Feb 30, 25:00).
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::int64_t now_ms);

}  // namespace wharf::resilience
