#include "mock/fault_rules.h"

namespace wharf::mock {
namespace json = boost::json;

json::object FaultRule::to_json() const {
  json::object out{{"id", id}, {"route", route.text()}};
  if (status) out["status"] = status;
  if (!retry_after.empty()) out["retry_after"] = retry_after;
  if (!body.empty()) out["body"] = body;
  if (latency.count()) out["latency_ms"] = latency.count();
  out["times"] = times ? json::value(*times) : json::value(nullptr);
  if (reset) out["reset"] = true;
  if (timeout) out["timeout"] = true;
  if (stream_delay) out["stream_delay_ms"] = stream_delay->count();
  return out;
}

Result<FaultRule> parse_fault_rule(const json::value& value) {
  auto bad = [](std::string what) { return make_error(Errc::kInvalidArgument, std::move(what)); };
  if (!value.is_object()) return bad("a fault rule is a JSON object");
  const json::object& obj = value.as_object();
  const json::value* route = obj.if_contains("route");
  if (!route || !route->is_string()) return bad("route: a string such as \"POST /v3/mail/send\"");
  auto pattern = RoutePattern::parse(route->as_string());
  if (!pattern)
    return bad("route: expected [METHOD ]/path, a path prefix ending in '/', or a glob");
  FaultRule rule;
  rule.route = std::move(*pattern);
  for (const auto& [key, v] : obj) {
    if (key == "route") continue;
    if (key == "status") {
      if (!v.is_int64() || v.as_int64() < 100 || v.as_int64() > 599) {
        return bad("status: an HTTP status 100..599");
      }
      rule.status = static_cast<int>(v.as_int64());
    } else if (key == "retry_after") {
      if (v.is_string()) {
        rule.retry_after = v.as_string();
      } else if (v.is_int64() && v.as_int64() >= 0) {
        rule.retry_after = std::to_string(v.as_int64());
      } else {
        return bad("retry_after: seconds or an HTTP date, as a string");
      }
    } else if (key == "body") {
      if (!v.is_string()) return bad("body: a string");
      rule.body = v.as_string();
    } else if (key == "latency_ms") {
      if (!v.is_int64() || v.as_int64() < 0) return bad("latency_ms: a number >= 0");
      rule.latency = std::chrono::milliseconds(v.as_int64());
    } else if (key == "stream_delay_ms") {
      if (!v.is_int64() || v.as_int64() < 0 || v.as_int64() > 60'000) {
        return bad("stream_delay_ms: a number 0..60000");
      }
      rule.stream_delay = std::chrono::milliseconds(v.as_int64());
    } else if (key == "times") {
      if (v.is_null()) continue;
      if (!v.is_int64() || v.as_int64() < 1) return bad("times: a number >= 1 (or absent)");
      rule.times = static_cast<int>(v.as_int64());
    } else if (key == "reset" || key == "timeout") {
      if (!v.is_bool()) return bad(std::string(key) + ": true or false");
      (key == "reset" ? rule.reset : rule.timeout) = v.as_bool();
    } else {
      return bad("unknown field " + std::string(key));
    }
  }
  if (!rule.status && !rule.reset && !rule.timeout && rule.latency.count() == 0 &&
      !rule.stream_delay) {
    return bad("the rule does nothing: give status, latency_ms, reset, timeout or stream_delay_ms");
  }
  return rule;
}

FaultRule FaultRules::add(FaultRule rule) {
  std::lock_guard lock(mu_);
  rule.id = next_id_++;
  rules_.push_back(rule);
  return rule;
}

std::size_t FaultRules::clear() {
  std::lock_guard lock(mu_);
  std::size_t n = rules_.size();
  rules_.clear();
  return n;
}

std::optional<FaultRule> FaultRules::take(std::string_view method, std::string_view path) {
  std::lock_guard lock(mu_);
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (!it->route.matches(method, path)) continue;
    FaultRule used = *it;
    if (it->times && --*it->times == 0) rules_.erase(it);
    return used;
  }
  return std::nullopt;
}

json::array FaultRules::list() const {
  std::lock_guard lock(mu_);
  json::array out;
  for (const auto& r : rules_) out.push_back(r.to_json());
  return out;
}

}  // namespace wharf::mock
