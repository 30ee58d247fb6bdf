// RFC 3339 timestamps in UTC with milliseconds: "2026-11-27T13:08:45.123Z". Thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace wharf {

std::string format_rfc3339_ms(std::int64_t unix_ms);

}  // namespace wharf
