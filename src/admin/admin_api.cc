#include "admin/admin_api.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>
#include <charconv>

#include "core/crypto.h"
#include "core/encoding.h"
#include "core/time_format.h"
#include "http/offload.h"
#include "http/query.h"
#include "http/response.h"
#include "observe/metrics.h"

namespace wharf::admin {
namespace {

// Metadata can come from unsigned headers (X-GitHub-Delivery, Content-Type) that may hold any
// bytes; JSON needs UTF-8, so invalid bytes are shown as U+FFFD. The stored value is unchanged.
boost::json::object summary_json(const store::EventSummary& e) {
  return {{"id", e.id},
          {"source", e.source},
          {"provider_event_id", encoding::to_valid_utf8(e.provider_event_id)},
          {"type", encoding::to_valid_utf8(e.type)},
          {"status", e.status},
          {"attempts", e.attempts},
          {"received_at", format_rfc3339_ms(e.received_at_ms)}};
}

bool known_status(std::string_view s) {
  for (auto k : {"pending", "processing", "done", "failed", "dead", "ignored"}) {
    if (s == k) return true;
  }
  return false;
}

}  // namespace

AdminApi::AdminApi(std::vector<std::string> tokens, store::Store& store,
                   boost::asio::any_io_executor blocking_pool, observe::Registry& metrics)
    : store_(store),
      pool_(std::move(blocking_pool)),
      unauthorized_(metrics.counter("wharf_admin_unauthorized_total",
                                    "Admin API requests refused for a missing or wrong token")) {
  for (const auto& t : tokens) token_digests_.push_back(crypto::sha256(t));
}

bool AdminApi::authorized(const http::Request& req) const {
  std::string_view auth = req[boost::beast::http::field::authorization];
  constexpr std::string_view kBearer = "bearer ";
  if (auth.size() <= kBearer.size() ||
      !boost::beast::iequals(auth.substr(0, kBearer.size()), kBearer)) {
    return false;
  }
  // Digests of equal length are compared, so the time taken says nothing about the token's
  // length or content.
  std::string presented = crypto::sha256(auth.substr(kBearer.size()));
  bool ok = false;
  for (const auto& t : token_digests_) ok |= crypto::constant_time_equal(presented, t);
  return ok;
}

boost::asio::awaitable<http::Response> AdminApi::handle(http::Request& req, std::string_view path,
                                                        std::string_view query) {
  if (token_digests_.empty()) {
    unauthorized_.inc();
    co_return http::json_error(http::Status::unauthorized,
                               "admin API disabled: set server.admin_token");
  }
  if (!authorized(req)) {
    unauthorized_.inc();
    auto res = http::json_error(http::Status::unauthorized, "missing or invalid bearer token");
    res.set(boost::beast::http::field::www_authenticate, "Bearer");
    co_return res;
  }
  constexpr std::string_view kEvents = "/events";
  if (path == kEvents || path == "/events/") {
    if (req.method() != http::Verb::get)
      co_return http::json_error(http::Status::method_not_allowed, "use GET");
    co_return co_await list_events(query);
  }
  if (path.starts_with("/events/")) {
    std::string_view id = path.substr(kEvents.size() + 1);
    if (id.find('/') == std::string_view::npos) {
      if (req.method() != http::Verb::get)
        co_return http::json_error(http::Status::method_not_allowed, "use GET");
      co_return co_await get_event(id);
    }
  }
  co_return http::json_error(http::Status::not_found, "no such admin endpoint");
}

boost::asio::awaitable<http::Response> AdminApi::list_events(std::string_view query) {
  store::EventFilter filter;
  auto params = http::parse_query(query);
  if (!params) co_return http::json_error(http::Status::bad_request, "malformed query string");
  for (const auto& [key, value] : *params) {
    if (key == "source")
      filter.source = value;
    else if (key == "type")
      filter.type = value;
    else if (key == "status") {
      if (!known_status(value)) {
        co_return http::json_error(http::Status::bad_request,
                                   "status must be one of pending, processing, done, failed, "
                                   "dead, ignored");
      }
      filter.status = value;
    } else if (key == "cursor") {
      if (!value.empty()) filter.cursor = value;
    } else if (key == "limit") {
      int v = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || ptr != value.data() + value.size() || v < 1 || v > 1000) {
        co_return http::json_error(http::Status::bad_request, "limit must be 1..1000");
      }
      filter.limit = v;
    }
  }
  auto read = [this, filter] { return store_.list_events(filter); };
  auto page = co_await http::offload(pool_, std::move(read));
  if (!page) co_return http::error_response(page.error());
  boost::json::array events;
  for (const auto& e : page->events) events.push_back(summary_json(e));
  boost::json::object body{{"events", std::move(events)}};
  if (page->next_cursor)
    body["next_cursor"] = *page->next_cursor;
  else
    body["next_cursor"] = nullptr;
  co_return http::json_response(http::Status::ok, body);
}

boost::asio::awaitable<http::Response> AdminApi::get_event(std::string_view id) {
  auto read = [this, key = std::string(id)] { return store_.get_event(key); };
  auto found = co_await http::offload(pool_, std::move(read));
  if (!found) co_return http::error_response(found.error());
  if (!*found) co_return http::json_error(http::Status::not_found, "no such event");
  const store::EventDetail& d = **found;
  boost::json::object body = summary_json(d.summary);
  body["content_type"] = encoding::to_valid_utf8(d.content_type);
  // JSON strings must be UTF-8: a payload that is not (an `hmac` source may receive any bytes)
  // is returned as payload_base64 instead, never as invalid JSON.
  if (encoding::is_valid_utf8(d.payload)) {
    body["payload"] = d.payload;
  } else {
    body["payload_base64"] = encoding::base64_encode(d.payload);
  }
  boost::json::array deliveries;
  for (const auto& a : d.deliveries) {
    deliveries.push_back({{"at", format_rfc3339_ms(a.at_ms)},
                          {"target", a.target},
                          {"outcome", a.outcome},
                          {"error", a.error},
                          {"duration_ms", a.duration_ms}});
  }
  body["deliveries"] = std::move(deliveries);
  co_return http::json_response(http::Status::ok, body);
}

}  // namespace wharf::admin
