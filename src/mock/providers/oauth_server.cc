#include "mock/providers/oauth_server.h"

#include <boost/beast/http/field.hpp>
#include <cstdlib>
#include <map>

#include "core/crypto.h"
#include "core/encoding.h"
#include "http/response.h"

namespace wharf::mock {
namespace {

namespace json = boost::json;
using http::Status;

constexpr std::int64_t kCodeLifetimeMs = 60'000;

struct PendingCode {
  std::string client_id;
  std::string redirect_uri;
  std::string challenge;
  std::string scope;
  std::int64_t expires_in_s = 3600;
  std::int64_t expires_at_ms = 0;
};

struct Grant {
  std::string client_id;
  std::string scope;
  std::int64_t expires_in_s = 3600;
  bool revoked = false;
};

struct AccessToken {
  std::uint64_t grant = 0;
  std::int64_t expires_at_ms = 0;
};

http::Response oauth_error(Status status, std::string_view error, std::string_view description) {
  http::Response res = http::json_response(
      status, json::object{{"error", error}, {"error_description", description}});
  res.set(boost::beast::http::field::cache_control, "no-store");
  return res;
}

std::string param_or_empty(const http::QueryParams& params, std::string_view name) {
  const std::string* v = find_param(params, name);
  return v ? *v : std::string();
}

std::string with_query(const std::string& uri, const http::QueryParams& params) {
  std::string out = uri;
  char sep = uri.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : params) {
    out += sep;
    out += encoding::form_urlencode(k) + "=" + encoding::form_urlencode(v);
    sep = '&';
  }
  return out;
}

class OAuthServer final : public Provider {
 public:
  explicit OAuthServer(IdSource& ids) : ids_(ids) {}

  std::optional<http::Response> handle(const ProviderRequest& req) override {
    const bool get = req.http.method() == http::Verb::get;
    const bool post = req.http.method() == http::Verb::post;
    if (get && req.path == "/oauth/authorize") return authorize(req);
    if (post && req.path == "/oauth/token") return token(req);
    if (post && req.path == "/oauth/revoke") return revoke(req);
    if (post && req.path == "/oauth/introspect") return introspect(req);
    if (get && req.path == "/oauth/userinfo") return userinfo(req);
    return std::nullopt;
  }

 private:
  http::Response authorize(const ProviderRequest& req) {
    const std::string redirect_uri = param_or_empty(req.query, "redirect_uri");
    const std::string client_id = param_or_empty(req.query, "client_id");
    // Without a usable redirect URI there is nowhere to send the user: an error page.
    if (redirect_uri.empty() || client_id.empty()) {
      return oauth_error(Status::bad_request, "invalid_request",
                         "client_id and redirect_uri are required");
    }
    const std::string state = param_or_empty(req.query, "state");
    auto redirect = [&](http::QueryParams params) {
      if (!state.empty()) params.emplace_back("state", state);
      http::Response res{Status::found, 11};
      res.set(boost::beast::http::field::location, with_query(redirect_uri, params));
      res.set(boost::beast::http::field::cache_control, "no-store");
      res.prepare_payload();
      return res;
    };
    if (param_or_empty(req.query, "response_type") != "code") {
      return redirect({{"error", "unsupported_response_type"}});
    }
    if (param_or_empty(req.query, "code_challenge_method") != "S256" ||
        param_or_empty(req.query, "code_challenge").empty()) {
      return redirect({{"error", "invalid_request"},
                       {"error_description", "PKCE with code_challenge_method=S256 is required"}});
    }
    if (param_or_empty(req.query, "mock_deny") == "1") {
      return redirect(
          {{"error", "access_denied"}, {"error_description", "The user denied the request"}});
    }
    PendingCode pending{client_id,
                        redirect_uri,
                        param_or_empty(req.query, "code_challenge"),
                        param_or_empty(req.query, "scope"),
                        3600,
                        req.now_ms + kCodeLifetimeMs};
    if (const std::string* e = find_param(req.query, "mock_expires_in")) {
      pending.expires_in_s = std::max<std::int64_t>(1, std::atoll(e->c_str()));
    }
    std::string code = ids_.next("mock_code_", 24);
    codes_.emplace(code, std::move(pending));
    return redirect({{"code", code}});
  }

  // The client's id when its credentials are present (basic or post); empty otherwise.
  static std::string client_of(const ProviderRequest& req, const http::QueryParams& form) {
    std::string_view auth = req.http[boost::beast::http::field::authorization];
    if (auth.starts_with("Basic ")) {
      auto decoded = encoding::base64_decode(auth.substr(6));
      if (!decoded) return {};
      auto colon = decoded->find(':');
      if (colon == std::string::npos || colon + 1 == decoded->size()) return {};
      return encoding::form_url_decode(decoded->substr(0, colon)).value_or("");
    }
    if (param_or_empty(form, "client_secret").empty()) return {};
    return param_or_empty(form, "client_id");
  }

  http::Response tokens(std::uint64_t grant_id, const Grant& grant, std::int64_t now_ms) {
    std::string access = ids_.next("mock_at_", 32);
    std::string refresh = ids_.next("mock_rt_", 32);
    access_.emplace(access, AccessToken{grant_id, now_ms + grant.expires_in_s * 1000});
    refresh_.emplace(refresh, grant_id);
    http::Response res =
        http::json_response(Status::ok, json::object{{"access_token", access},
                                                     {"token_type", "Bearer"},
                                                     {"expires_in", grant.expires_in_s},
                                                     {"refresh_token", refresh},
                                                     {"scope", grant.scope}});
    res.set(boost::beast::http::field::cache_control, "no-store");
    return res;
  }

  http::Response token(const ProviderRequest& req) {
    auto form = form_body(req.http);
    if (!form)
      return oauth_error(Status::bad_request, "invalid_request", "a form body is required");
    const std::string client_id = client_of(req, *form);
    if (client_id.empty()) {
      return oauth_error(Status::unauthorized, "invalid_client", "client authentication failed");
    }
    const std::string grant_type = param_or_empty(*form, "grant_type");
    if (grant_type == "authorization_code") {
      auto it = codes_.find(param_or_empty(*form, "code"));
      if (it == codes_.end()) {
        return oauth_error(Status::bad_request, "invalid_grant", "unknown or used code");
      }
      PendingCode pending = std::move(it->second);
      codes_.erase(it);  // single-use, whatever happens next
      if (req.now_ms >= pending.expires_at_ms || pending.client_id != client_id ||
          pending.redirect_uri != param_or_empty(*form, "redirect_uri")) {
        return oauth_error(Status::bad_request, "invalid_grant",
                           "the code expired, or was issued to another client or redirect_uri");
      }
      const std::string verifier = param_or_empty(*form, "code_verifier");
      if (encoding::base64url_encode(crypto::sha256(verifier)) != pending.challenge) {
        return oauth_error(Status::bad_request, "invalid_grant", "PKCE verification failed");
      }
      const std::uint64_t id = ++next_grant_;
      Grant& grant = grants_[id];
      grant = Grant{client_id, pending.scope, pending.expires_in_s, false};
      return tokens(id, grant, req.now_ms);
    }
    if (grant_type == "refresh_token") {
      auto it = refresh_.find(param_or_empty(*form, "refresh_token"));
      if (it == refresh_.end()) {
        return oauth_error(Status::bad_request, "invalid_grant", "unknown or used refresh token");
      }
      const std::uint64_t id = it->second;
      refresh_.erase(it);  // rotation: a refresh token works once
      Grant& grant = grants_[id];
      if (grant.revoked || grant.client_id != client_id) {
        return oauth_error(Status::bad_request, "invalid_grant", "the grant was revoked");
      }
      return tokens(id, grant, req.now_ms);
    }
    return oauth_error(Status::bad_request, "unsupported_grant_type",
                       "authorization_code or refresh_token");
  }

  http::Response revoke(const ProviderRequest& req) {
    auto form = form_body(req.http);
    if (!form || client_of(req, *form).empty()) {
      return oauth_error(Status::unauthorized, "invalid_client", "client authentication failed");
    }
    const std::string token = param_or_empty(*form, "token");
    if (auto r = refresh_.find(token); r != refresh_.end()) {
      grants_[r->second].revoked = true;  // and every token of the grant with it
      refresh_.erase(r);
    }
    access_.erase(token);
    return http::json_response(Status::ok, json::object{});  // RFC 7009: 200 whatever it was
  }

  const Grant* live_access(std::string_view token, std::int64_t now_ms,
                           std::int64_t* expires_at_ms = nullptr) {
    auto it = access_.find(std::string(token));
    if (it == access_.end() || now_ms >= it->second.expires_at_ms) return nullptr;
    const Grant& grant = grants_[it->second.grant];
    if (grant.revoked) return nullptr;
    if (expires_at_ms) *expires_at_ms = it->second.expires_at_ms;
    return &grant;
  }

  http::Response introspect(const ProviderRequest& req) {
    auto form = form_body(req.http);
    if (!form || client_of(req, *form).empty()) {
      return oauth_error(Status::unauthorized, "invalid_client", "client authentication failed");
    }
    const std::string token = param_or_empty(*form, "token");
    std::int64_t exp = 0;
    if (const Grant* g = live_access(token, req.now_ms, &exp)) {
      return http::json_response(Status::ok, json::object{{"active", true},
                                                          {"client_id", g->client_id},
                                                          {"scope", g->scope},
                                                          {"exp", exp / 1000},
                                                          {"token_type", "Bearer"}});
    }
    if (auto r = refresh_.find(token); r != refresh_.end() && !grants_[r->second].revoked) {
      const Grant& g = grants_[r->second];
      return http::json_response(Status::ok, json::object{{"active", true},
                                                          {"client_id", g.client_id},
                                                          {"scope", g.scope},
                                                          {"token_type", "refresh_token"}});
    }
    return http::json_response(Status::ok, json::object{{"active", false}});
  }

  http::Response userinfo(const ProviderRequest& req) {
    const Grant* g = live_access(bearer_token(req.http), req.now_ms);
    if (!g) {
      http::Response res = oauth_error(Status::unauthorized, "invalid_token",
                                       "the access token is missing, expired or revoked");
      res.set(boost::beast::http::field::www_authenticate, "Bearer error=\"invalid_token\"");
      return res;
    }
    return http::json_response(Status::ok, json::object{{"sub", "mock-user-1"},
                                                        {"email", "ada@example.com"},
                                                        {"name", "Ada Lovelace"}});
  }

  IdSource& ids_;
  std::map<std::string, PendingCode> codes_;
  std::map<std::string, std::uint64_t> refresh_;  // refresh token -> grant
  std::map<std::string, AccessToken> access_;
  std::map<std::uint64_t, Grant> grants_;
  std::uint64_t next_grant_ = 0;
};

}  // namespace

std::unique_ptr<Provider> make_oauth_server_provider(IdSource& ids) {
  return std::make_unique<OAuthServer>(ids);
}

}  // namespace wharf::mock
