// The event log, its delivery history, the DLQ and replay (admin_api.h).
#include <boost/json.hpp>
#include <charconv>

#include "admin/admin_api.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/time_format.h"
#include "http/offload.h"
#include "http/query.h"
#include "http/response.h"
#include "store/await.h"

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

constexpr std::string_view kStatuses = "pending, processing, done, failed, dead, ignored";

bool known_status(std::string_view s) {
  for (auto k : {"pending", "processing", "done", "failed", "dead", "ignored"}) {
    if (s == k) return true;
  }
  return false;
}

boost::json::value or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return boost::json::value(encoding::to_valid_utf8(s));
}

// Reads a replay filter from a JSON body; an error message when it is malformed.
Result<store::ReplayFilter> parse_replay_filter(std::string_view body, bool dlq) {
  store::ReplayFilter f;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) body = "{}";
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) {
    return make_error(Errc::kInvalidArgument, "expected a JSON object of filters");
  }
  bool any = false;
  for (const auto& [key, value] : v.as_object()) {
    std::string_view k = key;
    if (k == "limit") {
      if (!value.is_int64() || value.as_int64() < 1 || value.as_int64() > 10'000) {
        return make_error(Errc::kInvalidArgument, "limit must be an integer 1..10000");
      }
      f.limit = static_cast<int>(value.as_int64());
      continue;
    }
    if (k != "source" && k != "type" && k != "status" && k != "since" && k != "until" &&
        k != "cursor") {
      return make_error(Errc::kInvalidArgument,
                        "unknown filter `" + encoding::to_valid_utf8(k) +
                            "` (source, type, status, since, until, limit, cursor)");
    }
    std::string text;
    if (value.is_string()) {
      text = std::string(value.as_string());
    } else if ((k == "since" || k == "until") && value.is_int64()) {
      text = std::to_string(value.as_int64());
    } else {
      return make_error(Errc::kInvalidArgument, std::string(k) + " must be a string");
    }
    if (k == "cursor") {
      if (!text.empty()) f.cursor = text;
      continue;
    }
    any = true;
    if (k == "source") {
      f.source = text;
    } else if (k == "type") {
      f.type = text;
    } else if (k == "status") {
      if (dlq) return make_error(Errc::kInvalidArgument, "the DLQ holds dead events only");
      if (!known_status(text)) {
        return make_error(Errc::kInvalidArgument,
                          "status must be one of " + std::string(kStatuses));
      }
      f.status = text;
    } else {
      auto ms = parse_time_ms(text);
      if (!ms) {
        return make_error(Errc::kInvalidArgument,
                          std::string(k) + " must be an RFC 3339 time or Unix seconds");
      }
      (k == "since" ? f.since_ms : f.until_ms) = *ms;
    }
  }
  if (dlq) {
    f.status = "dead";
  } else if (!any) {
    // Replaying every stored event is never what a typo meant.
    return make_error(Errc::kInvalidArgument,
                      "give at least one filter (source, type, status, since, until)");
  }
  return f;
}

}  // namespace

boost::asio::awaitable<http::Response> AdminApi::list_events(std::string_view query, bool dlq) {
  store::EventFilter filter;
  if (dlq) filter.status = "dead";
  auto params = http::parse_query(query);
  if (!params) co_return http::json_error(http::Status::bad_request, "malformed query string");
  for (const auto& [key, value] : *params) {
    if (key == "source")
      filter.source = value;
    else if (key == "type")
      filter.type = value;
    else if (key == "status" && !dlq) {
      if (!known_status(value)) {
        co_return http::json_error(http::Status::bad_request,
                                   "status must be one of " + std::string(kStatuses));
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
  boost::json::array targets;
  for (const auto& t : d.targets) {
    boost::json::object o{{"target", t.target},
                          {"status", t.status},
                          {"attempts", t.attempts},
                          {"series", t.series},
                          {"last_error", or_null(t.last_error)}};
    if (t.next_attempt_ms)
      o["next_attempt_at"] = format_rfc3339_ms(*t.next_attempt_ms);
    else
      o["next_attempt_at"] = nullptr;
    targets.push_back(std::move(o));
  }
  body["targets"] = std::move(targets);
  boost::json::array deliveries;
  for (const auto& a : d.attempts) {
    boost::json::object o{{"at", format_rfc3339_ms(a.record.at_ms)},
                          {"target", a.target},
                          // SPEC §1.3 calls the target of an attempt its handler.
                          {"handler", a.target},
                          {"series", a.series},
                          {"attempt", a.number},
                          {"outcome", a.record.outcome},
                          {"error", or_null(a.record.error)},
                          {"duration_ms", a.record.duration_ms}};
    if (a.record.status_code)
      o["status_code"] = a.record.status_code;
    else
      o["status_code"] = nullptr;
    deliveries.push_back(std::move(o));
  }
  body["deliveries"] = std::move(deliveries);
  co_return http::json_response(http::Status::ok, body);
}

// Selects on the blocking pool (a filter may scan), then resets on the writer.
boost::asio::awaitable<Result<std::pair<store::ReplaySelection, store::ReplayResult>>>
AdminApi::replay(store::ReplayFilter filter) {
  filter.now_ms = clock_.now_ms();
  auto select = [this, f = std::move(filter)] { return store_.select_for_replay(f); };
  auto selection = co_await http::offload(pool_, std::move(select));
  if (!selection) co_return selection.error();
  store::ReplaySelection chosen = *selection;
  auto call = [this, s = std::move(*selection)](auto done) mutable {
    store_.replay(std::move(s), std::move(done));
  };
  auto r = co_await store::await_result<store::ReplayResult>(std::move(call));
  if (!r) co_return r.error();
  co_return std::pair{std::move(chosen), *r};
}

boost::asio::awaitable<http::Response> AdminApi::replay_one(std::string_view id, bool dlq) {
  const char* missing = dlq ? "no such event in the DLQ" : "no such event";
  if (!parse_event_id(id)) co_return http::json_error(http::Status::not_found, missing);
  store::ReplayFilter f;
  f.event_id = std::string(id);
  if (dlq) f.status = "dead";
  auto r = co_await replay(std::move(f));
  if (!r) co_return http::error_response(r.error());
  if (r->second.replayed == 0) co_return http::json_error(http::Status::not_found, missing);
  // The event's status now: `pending`, or `ignored` when no route reaches it (older deliveries
  // to targets no longer routed keep theirs).
  auto read = [this, key = std::string(id)] { return store_.get_event(key); };
  auto found = co_await http::offload(pool_, std::move(read));
  std::string status = found && *found ? (*found)->summary.status : "pending";
  co_return http::json_response(
      http::Status::accepted,
      {{"id", std::string(id)}, {"status", status}, {"deliveries", r->second.deliveries}});
}

boost::asio::awaitable<http::Response> AdminApi::replay_many(std::string_view body, bool dlq) {
  auto filter = parse_replay_filter(body, dlq);
  if (!filter) co_return http::error_response(filter.error());
  auto r = co_await replay(std::move(*filter));
  if (!r) co_return http::error_response(r.error());
  boost::json::object out{{"replayed", r->second.replayed}, {"deliveries", r->second.deliveries}};
  if (r->first.next_cursor)
    out["next_cursor"] = *r->first.next_cursor;
  else
    out["next_cursor"] = nullptr;
  co_return http::json_response(http::Status::accepted, out);
}

}  // namespace wharf::admin
