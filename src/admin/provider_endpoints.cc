// Outbound providers through the admin API (admin_api.h): their state, a passthrough proxy with
// the pipeline applied, and typed actions. Failures are answered as JSON that says what happened,
// which provider, and when to try again: never the provider's raw 429 or 5xx body.
#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>

#include "admin/admin_api.h"
#include "core/time_format.h"
#include "http/response.h"
#include "outbound/provider_client.h"
#include "providers/provider_kind.h"

namespace wharf::admin {
namespace {

namespace json = boost::json;
using outbound::CallError;
using outbound::CallErrorKind;

// Request headers a proxied call does not pass on: the admin token, hop-by-hop and framing
// headers, and wharf's own.
bool dropped_on_proxy(std::string_view name) {
  static constexpr std::string_view kDropped[] = {"authorization",
                                                  "proxy-authorization",
                                                  "cookie",
                                                  "host",
                                                  "content-length",
                                                  "transfer-encoding",
                                                  "connection",
                                                  "keep-alive",
                                                  "te",
                                                  "trailer",
                                                  "upgrade",
                                                  "expect",
                                                  "forwarded",
                                                  "accept-encoding"};
  for (std::string_view d : kDropped) {
    if (boost::beast::iequals(name, d)) return true;
  }
  auto starts = [&](std::string_view prefix) {
    return name.size() >= prefix.size() &&
           boost::beast::iequals(name.substr(0, prefix.size()), prefix);
  };
  return starts("x-wharf-") || starts("x-forwarded-");
}

// Response headers a proxied answer passes back to the caller.
bool kept_from_upstream(std::string_view name) {
  static constexpr std::string_view kKept[] = {"content-type",        "x-message-id", "request-id",
                                               "idempotent-replayed", "location",     "etag"};
  for (std::string_view k : kKept) {
    if (boost::beast::iequals(name, k)) return true;
  }
  return false;
}

std::int64_t seconds_up(std::chrono::milliseconds d) { return (d.count() + 999) / 1000; }

http::Status status_for(const CallError& e) {
  switch (e.kind) {
    case CallErrorKind::kRateLimited:
      return http::Status::too_many_requests;
    case CallErrorKind::kCircuitOpen:
      return http::Status::service_unavailable;
    case CallErrorKind::kRefused:
      return http::Status::bad_request;
    case CallErrorKind::kTransport:
    case CallErrorKind::kUpstream:
    case CallErrorKind::kCredentials:
      return http::Status::bad_gateway;
  }
  return http::Status::bad_gateway;
}

http::Response call_error_response(const CallError& e) {
  json::object body{{"error", e.message},
                    {"provider", e.provider},
                    {"kind", std::string(outbound::to_string(e.kind))},
                    {"attempts", e.attempts}};
  body["retry_after_s"] = e.retry_after ? json::value(seconds_up(*e.retry_after)) : nullptr;
  body["upstream_status"] = e.status ? json::value(e.status) : nullptr;
  http::Response res = http::json_response(status_for(e), body);
  if (e.retry_after) {
    res.set(boost::beast::http::field::retry_after, std::to_string(seconds_up(*e.retry_after)));
  }
  return res;
}

http::Response action_error_response(std::string_view provider, const providers::ActionError& e) {
  using Kind = providers::ActionError::Kind;
  if (e.kind == Kind::kCall && e.call) return call_error_response(*e.call);
  if (e.kind == Kind::kInvalidInput) return http::json_error(http::Status::bad_request, e.message);
  json::object body{{"error", e.message},
                    {"provider", std::string(provider)},
                    {"kind", e.kind == Kind::kRejected ? "rejected" : "bad_response"},
                    {"retry_after_s", nullptr}};
  body["upstream_status"] = e.status ? json::value(e.status) : nullptr;
  return http::json_response(http::Status::bad_gateway, body);
}

json::object breaker_json(const resilience::BreakerSnapshot& b) {
  json::object o{{"state", std::string(resilience::to_string(b.state))},
                 {"buffered_calls", b.buffered_calls},
                 {"not_permitted_calls", b.not_permitted_calls}};
  o["failure_rate"] = b.failure_rate ? json::value(*b.failure_rate) : nullptr;
  o["open_until"] = b.open_until_ms ? json::value(format_rfc3339_ms(b.open_until_ms)) : nullptr;
  return o;
}

}  // namespace

http::Response AdminApi::list_providers() {
  json::array out;
  if (providers_) {
    for (const auto& c : providers_->all()) {
      const outbound::ProviderConfig& cfg = c->config();
      json::array actions;
      if (const auto* kind = providers::find_provider_kind(cfg.kind)) {
        for (const auto& a : kind->actions) {
          actions.push_back(json::object{{"name", std::string(a.name)},
                                         {"summary", std::string(a.summary)},
                                         {"streams", a.streams}});
        }
      }
      json::object o{{"name", cfg.name},
                     {"kind", cfg.kind},
                     // The origin and path only; the base URL never holds a secret (checked at
                     // load), but keep to what an operator needs.
                     {"base_url", cfg.base_url},
                     {"credentials", std::string(outbound::to_string(cfg.credentials.type))},
                     {"breaker", breaker_json(c->breaker())},
                     {"actions", std::move(actions)}};
      o["rate_limit"] =
          cfg.rate_limit ? json::value(resilience::describe(*cfg.rate_limit)) : nullptr;
      out.push_back(std::move(o));
    }
  }
  return http::json_response(http::Status::ok, {{"providers", std::move(out)}});
}

boost::asio::awaitable<http::Response> AdminApi::proxy(http::Request& req,
                                                       std::string_view provider,
                                                       std::string_view rest,
                                                       std::string_view query) {
  outbound::ProviderClient* client = providers_ ? providers_->find(provider) : nullptr;
  if (!client) co_return http::json_error(http::Status::not_found, "no such provider");
  outbound::Call call;
  call.method = std::string(req.method_string());
  call.target = "/" + std::string(rest);
  if (!query.empty()) call.target += "?" + std::string(query);
  for (const auto& field : req) {
    if (!dropped_on_proxy(field.name_string()))
      call.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  call.body = req.body();
  outbound::CallResult r = co_await client->call(std::move(call));
  if (!r) co_return call_error_response(r.error());
  http::Response res{static_cast<http::Status>(r->status), req.version()};
  for (const auto& [name, value] : r->headers) {
    if (kept_from_upstream(name)) res.set(name, value);
  }
  res.body() = std::move(r->body);
  res.prepare_payload();
  co_return res;
}

boost::asio::awaitable<http::Response> AdminApi::run_action(http::Request& req,
                                                            std::string_view provider,
                                                            std::string_view action) {
  outbound::ProviderClient* client = providers_ ? providers_->find(provider) : nullptr;
  if (!client) co_return http::json_error(http::Status::not_found, "no such provider");
  const providers::ProviderKind* kind = providers::find_provider_kind(client->config().kind);
  const providers::Action* a = kind ? kind->find_action(action) : nullptr;
  if (!a) {
    co_return http::json_error(http::Status::not_found,
                               "provider " + std::string(provider) + " has no action `" +
                                   std::string(action) + "` (GET /api/v1/providers lists them)");
  }
  boost::system::error_code ec;
  json::value input =
      req.body().empty() ? json::value(json::object()) : json::parse(req.body(), ec);
  if (ec || !input.is_object()) {
    co_return http::json_error(http::Status::bad_request, "the body must be a JSON object");
  }
  providers::ActionResult result = co_await a->run(*client, input.as_object(), nullptr);
  if (!result) co_return action_error_response(provider, result.error());
  co_return http::json_response(http::Status::ok, *result);
}

}  // namespace wharf::admin
