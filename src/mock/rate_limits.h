// The simulator's own rate limits (POST /_mock/rate_limits): at most `limit` requests per fixed
// window of `per_ms` for the requests a route pattern covers, then 429 with Retry-After until the
// window ends, as a provider's quota would. Thread-safe (internal mutex).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "core/error.h"
#include "mock/route_pattern.h"

namespace wharf::mock {

struct RateLimitRule {
  RoutePattern route;
  std::int64_t limit = 0;
  std::int64_t per_ms = 0;
};

// Reads {"route", "limit", "per_ms"}; Errc::kInvalidArgument naming the bad field.
Result<RateLimitRule> parse_rate_limit_rule(const boost::json::value& json);

class RateLimits {
 public:
  void add(RateLimitRule rule);
  std::size_t clear();
  // Counts the request against every limit covering it. nullopt when all allow it, else the
  // milliseconds until the earliest refusing window ends (refused requests are not counted).
  std::optional<std::int64_t> admit(std::string_view method, std::string_view path,
                                    std::int64_t now_ms);
  boost::json::array list() const;

 private:
  struct Window {
    RateLimitRule rule;
    std::int64_t start_ms = 0;
    std::int64_t used = 0;
  };
  mutable std::mutex mu_;
  std::vector<Window> windows_;  // guarded by mu_
};

}  // namespace wharf::mock
