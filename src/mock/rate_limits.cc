#include "mock/rate_limits.h"

#include <algorithm>
#include <boost/json/object.hpp>

namespace wharf::mock {
namespace json = boost::json;

Result<RateLimitRule> parse_rate_limit_rule(const json::value& value) {
  auto bad = [](std::string what) { return make_error(Errc::kInvalidArgument, std::move(what)); };
  if (!value.is_object()) return bad("a rate limit is a JSON object");
  const json::object& obj = value.as_object();
  const json::value* route = obj.if_contains("route");
  if (!route || !route->is_string()) return bad("route: a string such as \"POST /v1/customers\"");
  auto pattern = RoutePattern::parse(route->as_string());
  if (!pattern)
    return bad("route: expected [METHOD ]/path, a path prefix ending in '/', or a glob");
  const json::value* limit = obj.if_contains("limit");
  if (!limit || !limit->is_int64() || limit->as_int64() < 1) return bad("limit: a number >= 1");
  const json::value* per = obj.if_contains("per_ms");
  if (!per || !per->is_int64() || per->as_int64() < 1) return bad("per_ms: a number >= 1");
  return RateLimitRule{std::move(*pattern), limit->as_int64(), per->as_int64()};
}

void RateLimits::add(RateLimitRule rule) {
  std::lock_guard lock(mu_);
  windows_.push_back(Window{std::move(rule)});
}

std::size_t RateLimits::clear() {
  std::lock_guard lock(mu_);
  std::size_t n = windows_.size();
  windows_.clear();
  return n;
}

std::optional<std::int64_t> RateLimits::admit(std::string_view method, std::string_view path,
                                              std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::optional<std::int64_t> wait;
  std::vector<Window*> covering;
  for (auto& w : windows_) {
    if (!w.rule.route.matches(method, path)) continue;
    if (now_ms - w.start_ms >= w.rule.per_ms) {
      w.start_ms = now_ms;
      w.used = 0;
    }
    if (w.used >= w.rule.limit) {
      std::int64_t left = w.start_ms + w.rule.per_ms - now_ms;
      wait = wait ? std::min(*wait, left) : left;
    }
    covering.push_back(&w);
  }
  if (wait) return wait;
  for (Window* w : covering) ++w->used;
  return std::nullopt;
}

json::array RateLimits::list() const {
  std::lock_guard lock(mu_);
  json::array out;
  for (const auto& w : windows_) {
    out.push_back(json::object{{"route", w.rule.route.text()},
                               {"limit", w.rule.limit},
                               {"per_ms", w.rule.per_ms},
                               {"used", w.used},
                               {"window_start_ms", w.start_ms}});
  }
  return out;
}

}  // namespace wharf::mock
