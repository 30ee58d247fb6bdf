#include "mock/journal.h"

#include <algorithm>

#include "core/encoding.h"

namespace wharf::mock {
namespace json = boost::json;

std::int64_t Journal::record(const http::Request& req, std::string_view path,
                             std::string_view query, std::int64_t now_ms) {
  json::object headers;
  for (const auto& field : req) {
    // Header names are case-insensitive: lower case, so tests need not guess the sender's case.
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    headers[name] = encoding::to_valid_utf8(field.value());
  }
  std::string method(req.method_string());
  std::lock_guard lock(mu_);
  std::int64_t seq = next_seq_++;
  entries_.push_back(Entry{seq, method, std::string(path),
                           json::object{{"seq", seq},
                                        {"time_ms", now_ms},
                                        {"method", method},
                                        {"path", path},
                                        {"query", query},
                                        {"headers", std::move(headers)},
                                        {"body", encoding::to_valid_utf8(req.body())},
                                        {"status", nullptr}}});
  while (entries_.size() > capacity_) entries_.pop_front();
  return seq;
}

void Journal::record_outcome(std::int64_t seq, int status, const json::object& outcome) {
  std::lock_guard lock(mu_);
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->seq != seq) continue;
    it->json["status"] = status ? json::value(status) : json::value(nullptr);
    for (const auto& [k, v] : outcome) it->json[k] = v;
    return;
  }
}

json::array Journal::list(const std::optional<RoutePattern>& route) const {
  std::lock_guard lock(mu_);
  json::array out;
  for (const auto& e : entries_) {
    if (!route || route->matches(e.method, e.path)) out.push_back(e.json);
  }
  return out;
}

std::size_t Journal::clear() {
  std::lock_guard lock(mu_);
  std::size_t n = entries_.size();
  entries_.clear();
  return n;
}

}  // namespace wharf::mock
