// Outbound providers through the admin API (admin_api.h): their state, a passthrough proxy with
// the pipeline applied, and typed actions. Failures are answered as JSON that says what happened,
// which provider, and when to try again: never the provider's raw 429 or 5xx body.
#include <atomic>
#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>
#include <memory>
#include <optional>

#include "admin/action_responses.h"
#include "admin/admin_api.h"
#include "core/time_format.h"
#include "http/offload.h"
#include "http/response.h"
#include "oauth/connection_service.h"
#include "observe/health.h"
#include "outbound/idempotency.h"
#include "outbound/provider_client.h"
#include "outbound/redaction.h"
#include "providers/provider_kind.h"

namespace wharf::admin {
namespace {

namespace json = boost::json;

// The header naming the connection a proxied call or an action uses (not sent on).
constexpr std::string_view kConnectionHeader = "Wharf-Connection";

// Request headers a proxied call does not pass on: the admin token, hop-by-hop and framing
// headers, and wharf's own.
bool dropped_on_proxy(std::string_view name) {
  if (outbound::is_wharf_owned_header(name) || boost::beast::iequals(name, "forwarded") ||
      boost::beast::iequals(name, "accept-encoding")) {
    return true;
  }
  auto starts = [&](std::string_view prefix) {
    return name.size() >= prefix.size() &&
           boost::beast::iequals(name.substr(0, prefix.size()), prefix);
  };
  return starts("x-wharf-") || starts("x-forwarded-") ||
         boost::beast::iequals(name, kConnectionHeader);
}

// An action's calls as the admin caller asked: each with the connection named in the request,
// and, when the caller sent an Idempotency-Key, a key derived from it: the key itself for the
// first call, then key-2, key-3, ... (an action may make several calls).
class RequestCaller final : public outbound::Caller {
 public:
  RequestCaller(outbound::Caller& inner, std::string key, std::string connection)
      : inner_(inner), key_(std::move(key)), connection_(std::move(connection)) {}
  const std::string& provider() const override { return inner_.provider(); }
  boost::asio::awaitable<outbound::CallResult> call(outbound::Call&& call) override {
    const int n = ++calls_;
    if (!key_.empty()) call.idempotency_key = n == 1 ? key_ : key_ + "-" + std::to_string(n);
    if (!connection_.empty()) call.connection = connection_;
    outbound::CallResult r = co_await inner_.call(std::move(call));
    co_return r;
  }

 private:
  outbound::Caller& inner_;
  const std::string key_;
  const std::string connection_;
  std::atomic<int> calls_{0};
};

// Response headers a proxied answer passes back to the caller.
bool kept_from_upstream(std::string_view name) {
  static constexpr std::string_view kKept[] = {"content-type",        "x-message-id", "request-id",
                                               "idempotent-replayed", "location",     "etag"};
  for (std::string_view k : kKept) {
    if (boost::beast::iequals(name, k)) return true;
  }
  return false;
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

boost::asio::awaitable<http::Response> AdminApi::list_integrations() {
  // Connections by provider (an OAuth client's name, or an API-key connection's provider), for
  // the OAuth fields of the providers that use them.
  std::vector<store::ConnectionRecord> connections;
  if (connections_) {
    auto read = [this] { return connections_->list(); };
    auto all = co_await http::offload(pool_, std::move(read));
    if (all) connections = std::move(*all);
  }
  const std::int64_t now = clock_.now_ms();
  json::array out;
  if (health_) {
    for (const observe::HealthSnapshot& h : health_->snapshot()) {
      auto time_or_null = [](const std::optional<std::int64_t>& ms) {
        return ms ? json::value(format_rfc3339_ms(*ms)) : json::value(nullptr);
      };
      json::object o{{"name", h.name},
                     {"type", h.type},
                     {"status", std::string(observe::to_string(h.status))},
                     {"last_success", time_or_null(h.last_success_ms)},
                     {"last_failure", time_or_null(h.last_failure_ms)},
                     {"error_rate_24h", h.error_rate_24h},
                     {"successes_24h", h.successes_24h},
                     {"failures_24h", h.failures_24h}};
      o["last_error"] = h.last_error ? json::value(*h.last_error) : nullptr;
      // OAuth (SPEC §1.3): whether the provider has a connected account, and the last
      // connection error. `connections` counts its connections by status.
      const outbound::ProviderClient* client =
          h.type == "provider" && providers_ ? providers_->find(h.name) : nullptr;
      if (client && client->config().credentials.type == outbound::CredentialType::kOAuth) {
        const std::string& oauth_client = client->config().credentials.client;
        json::object counts;
        std::optional<std::string> error;
        for (const auto& c : connections) {
          if (c.type != "oauth" || c.provider != oauth_client) continue;
          const std::string status = oauth::shown_status(c, now);
          auto& n = counts[status];
          n = n.is_int64() ? n.as_int64() + 1 : 1;
          if (status == "error" && !c.last_error.empty()) error = c.id + ": " + c.last_error;
        }
        o["connected"] = counts.contains("connected");
        o["connections"] = std::move(counts);
        o["error"] = error ? json::value(*error) : nullptr;
      }
      out.push_back(std::move(o));
    }
  }
  co_return http::json_response(http::Status::ok, {{"integrations", std::move(out)}});
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
  if (auto c = req.find(kConnectionHeader); c != req.end())
    call.connection = std::string(c->value());
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
  // The caller's Idempotency-Key makes a resent action (its answer lost) return the first
  // result instead of acting twice, at providers that take keys.
  std::string idempotency_key;
  if (auto key = req.find("Idempotency-Key"); key != req.end()) {
    idempotency_key = std::string(key->value());
    if (idempotency_key.size() > outbound::kMaxIdempotencyKeySize - 8 ||
        !outbound::valid_idempotency_key(idempotency_key)) {
      co_return http::json_error(http::Status::bad_request,
                                 "Idempotency-Key must be 1 to 247 visible ASCII characters");
    }
  }
  std::string connection;
  if (auto c = req.find(kConnectionHeader); c != req.end()) connection = std::string(c->value());
  // What the provider's own words must not show: its configured keys, and the connection's.
  std::vector<std::string> secrets = client->config().credentials.secret_values();
  if (!connection.empty() && connections_) {
    const outbound::ConnectionRequest request{client->config().name, connection,
                                              &client->config().credentials};
    Result<std::string> secret = co_await connections_->secret(request);
    if (secret) secrets.push_back(std::move(*secret));
  }
  RequestCaller caller(*client, std::move(idempotency_key), std::move(connection));
  const json::value* stream = input.as_object().if_contains("stream");
  if (a->streams && stream && stream->is_bool() && stream->as_bool() && req.stream) {
    co_return co_await admin::stream_action(req, caller, *a, input.as_object(), secrets);
  }
  providers::ActionResult result = co_await a->run(caller, input.as_object(), nullptr);
  if (!result) {
    co_return action_error_response(provider, result.error(), secrets);
  }
  co_return http::json_response(http::Status::ok, *result);
}

}  // namespace wharf::admin
