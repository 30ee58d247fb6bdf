// RFC 3339 timestamps in UTC with milliseconds: "2026-11-27T13:08:45.123Z". Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wharf {

std::string format_rfc3339_ms(std::int64_t unix_ms);

// Parses a point in time given by a user (admin API filters, CLI flags): RFC 3339
// "2026-11-27T13:08:45Z", with optional fraction ".123" (more digits are truncated to ms) and a
// "Z" or "+hh:mm"/"-hh:mm" offset; a bare date "2026-11-27" (midnight UTC); or Unix seconds
// ("1795000000"). Unix milliseconds, or nullopt when malformed or out of range (years 1970-9999).
std::optional<std::int64_t> parse_time_ms(std::string_view text);

}  // namespace wharf
