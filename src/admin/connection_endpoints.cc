// Connections (docs/admin-api.md "Connections"): the admin API over oauth::ConnectionService,
// the vault's key rotation, and the two public OAuth endpoints a user's browser visits,
// GET /connect/{client} and GET /oauth/callback. No response carries a token or key.
#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>

#include "admin/admin_api.h"
#include "core/time_format.h"
#include "http/offload.h"
#include "http/query.h"
#include "http/response.h"
#include "oauth/connection_service.h"
#include "outbound/provider_client.h"

namespace wharf::admin {

namespace json = boost::json;

namespace {

json::value time_or_null(const std::optional<std::int64_t>& ms) {
  return ms ? json::value(format_rfc3339_ms(*ms)) : json::value(nullptr);
}

json::array scope_list(std::string_view scopes) {
  json::array out;
  while (!scopes.empty()) {
    const std::size_t space = scopes.find(' ');
    if (space != 0) out.emplace_back(scopes.substr(0, space));
    if (space == std::string_view::npos) break;
    scopes.remove_prefix(space + 1);
  }
  return out;
}

json::object connection_json(const store::ConnectionRecord& r, std::int64_t now_ms) {
  json::object o{{"id", r.id},
                 {"provider", r.provider},
                 {"type", r.type},
                 {"status", oauth::shown_status(r, now_ms)},
                 {"scopes", scope_list(r.scopes)},
                 {"expires_at", time_or_null(r.expires_at_ms)},
                 {"last_refresh_at", time_or_null(r.last_refresh_ms)},
                 {"refresh_failures", r.refresh_failures},
                 {"has_refresh_token", !r.refresh_token.empty()},
                 {"created_at", format_rfc3339_ms(r.created_ms)},
                 {"updated_at", format_rfc3339_ms(r.updated_ms)}};
  o["last_error"] = r.last_error.empty() ? json::value(nullptr) : json::value(r.last_error);
  return o;
}

// A connection with its connect link (shown once, when issued).
json::object with_link(json::object o, const oauth::ConnectLink& link) {
  o["connect_url"] = link.url;
  o["connect_url_expires_at"] = format_rfc3339_ms(link.expires_at_ms);
  return o;
}

http::Response no_connections() {
  return http::json_error(http::Status::service_unavailable,
                          "connections are not available: set vault.master_key (and oauth.clients "
                          "for OAuth)");
}

// A JSON error whose status the caller chose (the callback's 502 has no Errc of its own).
http::Response error_with_status(int status, const std::string& message,
                                 const std::string& authorization_error = {}) {
  json::object body{{"error", message}};
  if (!authorization_error.empty()) body["authorization_error"] = authorization_error;
  return http::json_response(static_cast<http::Status>(status), body);
}

void no_store(http::Response& res) {
  res.set(boost::beast::http::field::cache_control, "no-store");
  res.set("Referrer-Policy", "no-referrer");
}

// The query of a GET to a public OAuth endpoint, or the answer refusing it: another method, no
// connections, a malformed query.
boost::system::result<http::QueryParams, http::Response> public_oauth_query(
    const http::Request& req, std::string_view query, bool enabled) {
  if (req.method() != http::Verb::get) {
    return http::json_error(http::Status::method_not_allowed, "use GET");
  }
  if (!enabled) return no_connections();
  auto params = http::parse_query(query);
  if (!params) return http::json_error(http::Status::bad_request, "malformed query string");
  return std::move(*params);
}

std::string query_value(const http::QueryParams& params, std::string_view key) {
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  return {};
}

}  // namespace

boost::asio::awaitable<http::Response> AdminApi::list_connections() {
  if (!connections_) co_return no_connections();
  auto read = [this] { return connections_->list(); };
  auto all = co_await http::offload(pool_, std::move(read));
  if (!all) co_return http::error_response(all.error());
  json::array out;
  const std::int64_t now = clock_.now_ms();
  for (const auto& r : *all) out.push_back(connection_json(r, now));
  co_return http::json_response(http::Status::ok, {{"connections", std::move(out)}});
}

boost::asio::awaitable<http::Response> AdminApi::get_connection(std::string_view id) {
  if (!connections_) co_return no_connections();
  auto read = [this, id = std::string(id)] { return connections_->get(id); };
  auto got = co_await http::offload(pool_, std::move(read));
  if (!got) co_return http::error_response(got.error());
  if (!*got) co_return http::json_error(http::Status::not_found, "no such connection");
  co_return http::json_response(http::Status::ok, connection_json(**got, clock_.now_ms()));
}

boost::asio::awaitable<http::Response> AdminApi::create_connection(std::string_view body) {
  if (!connections_) co_return no_connections();
  boost::system::error_code ec;
  json::value input = json::parse(body, ec);
  if (ec || !input.is_object()) {
    co_return http::json_error(http::Status::bad_request, "the body must be a JSON object");
  }
  const json::object& o = input.as_object();
  auto string_field = [&](std::string_view key) -> std::optional<std::string> {
    const json::value* v = o.if_contains(key);
    if (v && v->is_string()) return std::string(v->as_string());
    return std::nullopt;
  };
  for (const auto& [key, value] : o) {
    if (key != "id" && key != "provider" && key != "api_key") {
      co_return http::json_error(http::Status::bad_request,
                                 "unknown field `" + std::string(key) +
                                     "` (expected id, provider and, for an API key, api_key)");
    }
  }
  std::optional<std::string> id = string_field("id");
  std::optional<std::string> provider = string_field("provider");
  std::optional<std::string> key = string_field("api_key");
  if (!id || !provider) {
    co_return http::json_error(http::Status::bad_request, "id and provider are required strings");
  }
  if (o.contains("api_key") && !key) {
    co_return http::json_error(http::Status::bad_request, "api_key must be a string");
  }
  if (!key) {
    auto create = [this, id = *id, provider = *provider]() mutable {
      return connections_->create_pending(std::move(id), std::move(provider));
    };
    auto pending = co_await http::offload(pool_, std::move(create));
    if (!pending) co_return http::error_response(pending.error());
    co_return http::json_response(
        http::Status::created,
        with_link(connection_json(pending->record, clock_.now_ms()), pending->link));
  }
  Result<store::ConnectionRecord> created = make_error(Errc::kInternal, "not created");
  {
    // An API key serves one provider whose credentials take a key or token.
    outbound::ProviderClient* client = providers_ ? providers_->find(*provider) : nullptr;
    if (!client) {
      co_return http::json_error(http::Status::not_found,
                                 "no provider `" + *provider + "` (GET /api/v1/providers)");
    }
    const auto type = client->config().credentials.type;
    if (type != outbound::CredentialType::kApiKey && type != outbound::CredentialType::kBearer) {
      co_return http::json_error(
          http::Status::bad_request,
          "provider `" + *provider + "` does not authenticate with an API key or bearer token");
    }
    auto create = [this, id = *id, provider = *provider, key = std::move(*key)]() mutable {
      return connections_->create_api_key(std::move(id), std::move(provider), key);
    };
    created = co_await http::offload(pool_, std::move(create));
  }
  if (!created) co_return http::error_response(created.error());
  co_return http::json_response(http::Status::created, connection_json(*created, clock_.now_ms()));
}

boost::asio::awaitable<http::Response> AdminApi::connect_link(std::string_view id) {
  if (!connections_) co_return no_connections();
  auto issue = [this, id = std::string(id)]() -> Result<json::object> {
    auto link = connections_->issue_connect_link(id);
    if (!link) return link.error();
    auto record = connections_->get(id);
    if (!record) return record.error();
    if (!*record) return make_error(Errc::kNotFound, "no such connection");
    return with_link(connection_json(**record, clock_.now_ms()), *link);
  };
  auto answer = co_await http::offload(pool_, std::move(issue));
  if (!answer) co_return http::error_response(answer.error());
  co_return http::json_response(http::Status::ok, *answer);
}

boost::asio::awaitable<http::Response> AdminApi::refresh_connection(std::string_view id) {
  if (!connections_) co_return no_connections();
  const std::string connection(id);  // named: no temporary in a co_await (GCC 12)
  Result<store::ConnectionRecord> r = co_await connections_->refresh(connection);
  if (!r) co_return http::error_response(r.error());
  co_return http::json_response(http::Status::ok, connection_json(*r, clock_.now_ms()));
}

boost::asio::awaitable<http::Response> AdminApi::test_connection(std::string_view id_view,
                                                                 std::string_view body) {
  if (!connections_) co_return no_connections();
  const std::string id(id_view);
  std::string provider_name;
  std::string path;
  if (!body.empty()) {
    boost::system::error_code ec;
    json::value input = json::parse(body, ec);
    if (ec || !input.is_object()) {
      co_return http::json_error(http::Status::bad_request, "the body must be a JSON object");
    }
    for (const auto& [key, value] : input.as_object()) {
      if ((key != "provider" && key != "path") || !value.is_string()) {
        co_return http::json_error(http::Status::bad_request,
                                   "expected { \"provider\": NAME, \"path\": \"/...\" }");
      }
      (key == "provider" ? provider_name : path) = std::string(value.as_string());
    }
  }
  auto read = [this, id] { return connections_->get(id); };
  auto got = co_await http::offload(pool_, std::move(read));
  if (!got) co_return http::error_response(got.error());
  if (!*got) co_return http::json_error(http::Status::not_found, "no such connection");
  const store::ConnectionRecord record = **got;
  // The provider the test goes through: the one named, else the first this connection serves.
  outbound::ProviderClient* client = nullptr;
  if (!provider_name.empty()) {
    client = providers_ ? providers_->find(provider_name) : nullptr;
    if (!client) co_return http::json_error(http::Status::not_found, "no such provider");
  } else if (providers_) {
    for (const auto& owned : providers_->all()) {
      outbound::ProviderClient* p = owned.get();
      const auto& c = p->config().credentials;
      const bool serves = record.type == "oauth" ? c.type == outbound::CredentialType::kOAuth &&
                                                       c.client == record.provider
                                                 : p->config().name == record.provider;
      if (serves) {
        client = p;
        break;
      }
    }
  }
  json::object out{{"connection", id}};
  out["provider"] = client ? json::value(client->config().name) : json::value(nullptr);
  if (!client) {
    out["ok"] = false;
    out["error"] = "no configured provider uses this connection";
    co_return http::json_response(http::Status::ok, out);
  }
  if (path.empty()) {
    // The credentials alone: the stored secret opens, and an OAuth token is fresh (refreshed
    // now when it is due).
    const outbound::ConnectionRequest request{client->config().name, id,
                                              &client->config().credentials};
    Result<std::string> secret = co_await connections_->secret(request);
    out["checked"] = "credentials";
    out["ok"] = static_cast<bool>(secret);
    if (!secret) out["error"] = secret.error().message;
    co_return http::json_response(http::Status::ok, out);
  }
  outbound::Call call;
  call.method = "GET";
  call.target = path;
  call.connection = id;
  outbound::CallResult r = co_await client->call(std::move(call));
  out["checked"] = "GET " + path;
  if (!r) {
    out["ok"] = false;
    out["error"] = r.error().message;
    out["status"] = r.error().status ? json::value(r.error().status) : json::value(nullptr);
  } else {
    out["ok"] = r->status >= 200 && r->status < 300;
    out["status"] = r->status;
  }
  co_return http::json_response(http::Status::ok, out);
}

boost::asio::awaitable<http::Response> AdminApi::delete_connection(std::string_view id,
                                                                   std::string_view query) {
  if (!connections_) co_return no_connections();
  auto params = http::parse_query(query);
  if (!params) co_return http::json_error(http::Status::bad_request, "malformed query string");
  const std::string force_text = query_value(*params, "force");
  if (!force_text.empty() && force_text != "true" && force_text != "false") {
    co_return http::json_error(http::Status::bad_request, "force must be true or false");
  }
  const std::string connection(id);
  auto outcome = co_await connections_->disconnect(connection, force_text == "true");
  if (!outcome) co_return http::error_response(outcome.error());
  if (outcome->refused) {
    co_return http::json_error(http::Status::bad_gateway, outcome->revocation_note);
  }
  json::object out = connection_json(outcome->record, clock_.now_ms());
  out["revoked_at_provider"] = outcome->revoked_at_provider;
  if (!outcome->revocation_note.empty()) out["note"] = outcome->revocation_note;
  co_return http::json_response(http::Status::ok, out);
}

boost::asio::awaitable<http::Response> AdminApi::rotate_vault() {
  if (!connections_) co_return no_connections();
  auto rotate = [this] { return connections_->rotate_keys(); };
  auto report = co_await http::offload(pool_, std::move(rotate));
  if (!report) co_return http::error_response(report.error());
  co_return http::json_response(http::Status::ok, {{"master_key_id", report->master_key_id},
                                                   {"data_key_id", report->data_key_id},
                                                   {"data_keys", report->data_keys},
                                                   {"reencrypted", report->reencrypted}});
}

boost::asio::awaitable<http::Response> AdminApi::connect(http::Request& req,
                                                         std::string_view client,
                                                         std::string_view query) {
  auto params = public_oauth_query(req, query, connections_ != nullptr);
  if (!params) co_return std::move(params.error());
  auto start = [this, client = std::string(client), id = query_value(*params, "connection_id"),
                token = query_value(*params, "connect_token")] {
    return connections_->authorization_redirect(client, id, token);
  };
  auto url = co_await http::offload(pool_, std::move(start));
  if (!url) co_return http::error_response(url.error());
  http::Response res =
      http::json_response(http::Status::found, {{"authorization_url", *url}}, req.version());
  res.set(boost::beast::http::field::location, *url);
  no_store(res);
  co_return res;
}

boost::asio::awaitable<http::Response> AdminApi::oauth_callback(http::Request& req,
                                                                std::string_view query) {
  auto params = public_oauth_query(req, query, connections_ != nullptr);
  if (!params) co_return std::move(params.error());
  oauth::CallbackParams callback{.state = query_value(*params, "state"),
                                 .code = query_value(*params, "code"),
                                 .error = query_value(*params, "error"),
                                 .error_description = query_value(*params, "error_description")};
  oauth::CallbackResult r = co_await connections_->complete_authorization(callback);
  http::Response res = r ? http::json_response(
                               http::Status::ok,
                               [&] {
                                 json::object o = connection_json(*r, clock_.now_ms());
                                 o["connection_id"] = r->id;
                                 return o;
                               }(),
                               req.version())
                         : error_with_status(r.error().http_status, r.error().error.message,
                                             r.error().authorization_error);
  no_store(res);
  co_return res;
}

}  // namespace wharf::admin
