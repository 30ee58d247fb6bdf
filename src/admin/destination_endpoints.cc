// Forward destinations: their breaker, load and whether a 410 disabled them (admin_api.h).
#include <boost/json.hpp>

#include "admin/admin_api.h"
#include "core/time_format.h"
#include "dispatch/dispatcher.h"
#include "http/response.h"
#include "outbound/http_types.h"
#include "store/await.h"

namespace wharf::admin {
namespace {

boost::json::value rate(const std::optional<double>& r) {
  if (!r) return nullptr;
  return *r;
}

}  // namespace

http::Response AdminApi::list_destinations() {
  boost::json::array out;
  if (dispatcher_) {
    for (const auto& d : dispatcher_->destinations()) {
      boost::json::object breaker{{"state", std::string(resilience::to_string(d.breaker.state))},
                                  {"failure_rate", rate(d.breaker.failure_rate)},
                                  {"slow_call_rate", rate(d.breaker.slow_call_rate)},
                                  {"buffered_calls", d.breaker.buffered_calls},
                                  {"not_permitted_calls", d.breaker.not_permitted_calls}};
      if (d.breaker.open_until_ms)
        breaker["open_until"] = format_rfc3339_ms(d.breaker.open_until_ms);
      else
        breaker["open_until"] = nullptr;
      boost::json::object o{{"name", d.name},
                            // Only the origin: a webhook URL's path or query is often its secret.
                            {"url", outbound::url_origin(d.url)},
                            {"enabled", !d.disabled},
                            {"in_flight", d.in_flight},
                            {"max_in_flight", d.max_in_flight},
                            {"breaker", std::move(breaker)}};
      if (d.disabled)
        o["disabled_reason"] = d.disabled_reason;
      else
        o["disabled_reason"] = nullptr;
      out.push_back(std::move(o));
    }
  }
  return http::json_response(http::Status::ok, {{"destinations", std::move(out)}});
}

boost::asio::awaitable<http::Response> AdminApi::enable_destination(std::string_view name) {
  std::string key(name);
  bool found = false;
  auto call = [this, &found, key](auto done) {
    found = dispatcher_ && dispatcher_->enable(key, done);
    if (!found) done(Result<void>());
  };
  auto r = co_await store::await_result<void>(std::move(call));
  if (!found) co_return http::json_error(http::Status::not_found, "no such destination");
  if (!r) co_return http::error_response(r.error());
  co_return http::json_response(http::Status::ok, {{"name", key}, {"enabled", true}});
}

}  // namespace wharf::admin
