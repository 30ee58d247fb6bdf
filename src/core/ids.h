// Event ids. An event's id is a 64-bit number, (Unix milliseconds << 20) | a counter within that
// millisecond, written "evt_" + 13 Crockford base32 characters. Ids sort by receipt time, are the
// store's primary key (so no separate id index is written per event), and reveal no total count
// (though consecutive ids within one millisecond differ by one). The store's single writer assigns
// them with an EventIdSequence.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wharf {

std::string format_event_id(std::uint64_t n);
// nullopt unless `id` is exactly "evt_" + 13 base32 characters (either case) of a 64-bit value.
std::optional<std::uint64_t> parse_event_id(std::string_view id);
// parse_event_id() as the store's signed 64-bit key; nullopt also for values above INT64_MAX.
std::optional<std::int64_t> parse_event_key(std::string_view id);
// The smallest id of an event received at or after `unix_ms` (clamped to what an id can hold,
// years 1970 to 2248), for turning a time window into an id range.
std::int64_t first_event_key_at(std::int64_t unix_ms);

// Hands out strictly increasing ids: max(previous + 1, now_ms << 20), so ids stay unique even if
// the wall clock steps back or more than 1M events arrive in one millisecond. Values stay below
// 2^63 (SQLite's signed rowid) until the year 2248. Not thread-safe:
// one owner (the writer).
class EventIdSequence {
 public:
  explicit EventIdSequence(std::uint64_t last_issued = 0) : last_(last_issued) {}
  std::uint64_t next(std::int64_t now_ms);

 private:
  std::uint64_t last_;
};

}  // namespace wharf
