// Event ids: "evt_" + a ULID (48-bit millisecond time + 80 random bits, Crockford base32), so ids
// sort by creation time and need no coordination between nodes. Thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace wharf {

std::string new_event_id(std::int64_t now_ms);

}  // namespace wharf
