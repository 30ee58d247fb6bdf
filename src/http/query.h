// Query strings: "a=1&b=x%20y" into decoded (key, value) pairs, in order. Pure, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wharf::http {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// nullopt when an escape is malformed (e.g. "%zz").
std::optional<QueryParams> parse_query(std::string_view query);

}  // namespace wharf::http
