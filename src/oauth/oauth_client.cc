#include "oauth/oauth_client.h"

#include <boost/json.hpp>
#include <limits>
#include <stdexcept>

#include "core/encoding.h"

namespace wharf::oauth {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxDescriptionBytes = 256;
// Ten years: anything longer is treated as malformed rather than risk overflow.
constexpr std::int64_t kMaxExpiresInSeconds = 10LL * 366 * 24 * 3600;

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
}

// Ok when `url` is absolute https (or http to a loopback host), has a host, and no fragment.
bool is_acceptable_url(std::string_view url) {
  if (url.find('#') != std::string_view::npos) return false;
  std::string_view rest;
  bool https = url.starts_with("https://");
  if (https) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return false;
  }
  std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
  if (https) return true;
  std::string_view host = authority;
  if (host.starts_with('[')) {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  return is_loopback_host(host);
}

std::string join_scopes(const ClientConfig& config) {
  std::string out;
  for (const auto& scope : config.scopes) {
    if (!out.empty()) out += config.scope_separator;
    out += scope;
  }
  return out;
}

// A token-endpoint style POST: the form body plus the client's authentication.
outbound::HttpRequest token_endpoint_post(const ClientConfig& config, const std::string& url,
                                          FormParams params) {
  outbound::HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.headers.emplace_back("Accept", "application/json");
  if (config.auth_method == ClientAuthMethod::kClientSecretBasic) {
    // RFC 6749 §2.3.1: each part is form-urlencoded *before* base64, so a ':' in the id or a
    // '+' or '%' in the secret survives the server's decoding.
    std::string user_pass =
        form_urlencode(config.client_id) + ":" + form_urlencode(config.client_secret);
    request.headers.emplace_back("Authorization", "Basic " + encoding::base64_encode(user_pass));
  } else {
    params.emplace_back("client_id", config.client_id);
    params.emplace_back("client_secret", config.client_secret);
  }
  request.body = form_encode(params);
  return request;
}

// Server-provided text made safe to show: printable ASCII only (RFC 6749 §5.2 allows no more in
// error and error_description), truncated.
std::string printable(std::string_view text, std::size_t max_bytes) {
  std::string out;
  for (char c : text.substr(0, max_bytes)) {
    out += (c >= 0x20 && c <= 0x7e) ? c : '?';
  }
  return out;
}

TokenError token_error(TokenErrorKind kind, int status, std::string message) {
  TokenError error;
  error.kind = kind;
  error.status = status;
  error.message = std::move(message);
  return error;
}

const json::string* string_member(const json::object& object, std::string_view name) {
  auto it = object.find(name);
  if (it == object.end()) return nullptr;
  return it->value().if_string();
}

// expires_in as seconds: a non-negative integer, or a string of digits; nullopt when invalid.
std::optional<std::int64_t> expires_in_seconds(const json::value& value) {
  std::int64_t seconds = -1;
  if (value.is_int64()) {
    seconds = value.get_int64();
  } else if (value.is_uint64()) {
    seconds = value.get_uint64() > static_cast<std::uint64_t>(kMaxExpiresInSeconds)
                  ? -1
                  : static_cast<std::int64_t>(value.get_uint64());
  } else if (value.is_string()) {
    auto parsed = encoding::parse_digits(value.get_string(), 12);
    if (!parsed) return std::nullopt;
    seconds = *parsed;
  } else {
    return std::nullopt;
  }
  if (seconds < 0 || seconds > kMaxExpiresInSeconds) return std::nullopt;
  return seconds;
}

}  // namespace

std::string_view to_string(ClientAuthMethod method) {
  return method == ClientAuthMethod::kClientSecretPost ? "client_secret_post"
                                                       : "client_secret_basic";
}

std::optional<ClientAuthMethod> parse_client_auth_method(std::string_view name) {
  if (name == "client_secret_basic") return ClientAuthMethod::kClientSecretBasic;
  if (name == "client_secret_post") return ClientAuthMethod::kClientSecretPost;
  return std::nullopt;
}

Result<void> validate(const ClientConfig& config) {
  auto invalid = [&](std::string_view field, std::string_view why) {
    std::string message = "oauth provider";
    if (!config.provider.empty()) message += " '" + config.provider + "'";
    message += ": " + std::string(field) + " " + std::string(why);
    return make_error(Errc::kInvalidArgument, std::move(message));
  };
  if (config.client_id.empty()) return invalid("client_id", "is required");
  const std::pair<std::string_view, const std::string*> urls[] = {
      {"authorization_endpoint", &config.authorization_endpoint},
      {"token_endpoint", &config.token_endpoint},
      {"redirect_uri", &config.redirect_uri},
  };
  for (const auto& [field, url] : urls) {
    if (url->empty()) return invalid(field, "is required");
    if (!is_acceptable_url(*url)) {
      return invalid(field, "must be an https URL (http only to loopback) without a fragment");
    }
  }
  if (!config.revocation_endpoint.empty() && !is_acceptable_url(config.revocation_endpoint)) {
    return invalid("revocation_endpoint",
                   "must be an https URL (http only to loopback) without a fragment");
  }
  if (config.token_types.empty()) return invalid("token_types", "must not be empty");
  return {};
}

std::string authorization_url(const ClientConfig& config, std::string_view state,
                              std::string_view code_challenge) {
  FormParams params{
      {"response_type", "code"},
      {"client_id", config.client_id},
      {"redirect_uri", config.redirect_uri},
  };
  if (!config.scopes.empty()) params.emplace_back("scope", join_scopes(config));
  params.emplace_back("state", std::string(state));
  params.emplace_back("code_challenge", std::string(code_challenge));
  params.emplace_back("code_challenge_method", "S256");
  for (const auto& extra : config.extra_authorization_params) params.push_back(extra);

  std::string url = config.authorization_endpoint;
  // RFC 6749 §3.1: the endpoint's own query component is kept.
  char separator = '?';
  if (auto q = url.find('?'); q != std::string::npos) {
    separator = (q + 1 == url.size() || url.back() == '&') ? '\0' : '&';
  }
  if (separator != '\0') url += separator;
  url += form_encode(params);
  return url;
}

outbound::HttpRequest code_exchange_request(const ClientConfig& config, std::string_view code,
                                            std::string_view code_verifier) {
  return token_endpoint_post(config, config.token_endpoint,
                             {
                                 {"grant_type", "authorization_code"},
                                 {"code", std::string(code)},
                                 {"redirect_uri", config.redirect_uri},
                                 {"code_verifier", std::string(code_verifier)},
                             });
}

outbound::HttpRequest refresh_request(const ClientConfig& config, std::string_view refresh_token) {
  return token_endpoint_post(config, config.token_endpoint,
                             {
                                 {"grant_type", "refresh_token"},
                                 {"refresh_token", std::string(refresh_token)},
                             });
}

Result<outbound::HttpRequest> revocation_request(const ClientConfig& config, std::string_view token,
                                                 TokenTypeHint hint) {
  if (config.revocation_endpoint.empty()) {
    return make_error(Errc::kInvalidArgument,
                      "oauth provider '" + config.provider + "' has no revocation endpoint");
  }
  FormParams params{{"token", std::string(token)}};
  if (hint == TokenTypeHint::kAccessToken) params.emplace_back("token_type_hint", "access_token");
  if (hint == TokenTypeHint::kRefreshToken) {
    params.emplace_back("token_type_hint", "refresh_token");
  }
  return token_endpoint_post(config, config.revocation_endpoint, std::move(params));
}

std::string_view to_string(TokenErrorKind kind) {
  switch (kind) {
    case TokenErrorKind::kAuthorizationServer:
      return "authorization_server";
    case TokenErrorKind::kMalformed:
      return "malformed";
    case TokenErrorKind::kUnsupportedTokenType:
      return "unsupported_token_type";
    case TokenErrorKind::kUnexpectedStatus:
      return "unexpected_status";
  }
  return "malformed";
}

void throw_exception_from_error(const TokenError& e, const boost::source_location&) {
  throw std::runtime_error(e.message);
}

TokenResult parse_token_response(int status, std::string_view body, std::int64_t now_ms,
                                 const std::vector<std::string>& accepted_token_types) {
  const bool success_status = status >= 200 && status < 300;
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  // Never echo the body: a successful answer carries the tokens.
  if (ec || !parsed.is_object()) {
    if (!success_status) {
      return token_error(TokenErrorKind::kUnexpectedStatus, status,
                         "token endpoint answered HTTP " + std::to_string(status) +
                             " without an OAuth error object");
    }
    return token_error(TokenErrorKind::kMalformed, status,
                       "token endpoint answer is not a JSON object");
  }
  const json::object& object = parsed.get_object();

  if (auto it = object.find("error"); it != object.end()) {
    TokenError error;
    error.kind = TokenErrorKind::kAuthorizationServer;
    error.status = status;
    if (const auto* code = it->value().if_string()) error.error = printable(*code, 64);
    if (error.error.empty()) error.error = "unknown_error";
    if (const auto* description = string_member(object, "error_description")) {
      error.error_description = printable(*description, kMaxDescriptionBytes);
    }
    error.message = "authorization server refused the token request: " + error.error;
    if (!error.error_description.empty()) error.message += " (" + error.error_description + ")";
    return error;
  }
  if (!success_status) {
    return token_error(TokenErrorKind::kUnexpectedStatus, status,
                       "token endpoint answered HTTP " + std::to_string(status) +
                           " without an OAuth error object");
  }

  const auto* access_token = string_member(object, "access_token");
  if (access_token == nullptr || access_token->empty()) {
    return token_error(TokenErrorKind::kMalformed, status,
                       "token response has no access_token string");
  }
  const auto* token_type = string_member(object, "token_type");
  if (token_type == nullptr) {
    return token_error(TokenErrorKind::kMalformed, status,
                       "token response has no token_type string");
  }
  bool accepted = false;
  for (const auto& type : accepted_token_types) {
    accepted = accepted || encoding::ascii_iequals(*token_type, type);
  }
  if (!accepted) {
    return token_error(
        TokenErrorKind::kUnsupportedTokenType, status,
        "token response has unsupported token_type '" + printable(*token_type, 32) + "'");
  }

  TokenSet tokens;
  tokens.access_token = std::string(*access_token);
  tokens.token_type = std::string(*token_type);
  if (auto it = object.find("expires_in"); it != object.end() && !it->value().is_null()) {
    auto seconds = expires_in_seconds(it->value());
    if (!seconds) {
      return token_error(TokenErrorKind::kMalformed, status,
                         "token response has an invalid expires_in");
    }
    tokens.expires_at_ms = now_ms + *seconds * 1000;
  }
  if (auto it = object.find("refresh_token"); it != object.end() && !it->value().is_null()) {
    const auto* refresh = it->value().if_string();
    if (refresh == nullptr || refresh->empty()) {
      return token_error(TokenErrorKind::kMalformed, status,
                         "token response has an invalid refresh_token");
    }
    tokens.refresh_token = std::string(*refresh);
  }
  if (auto it = object.find("scope"); it != object.end() && !it->value().is_null()) {
    const auto* scope = it->value().if_string();
    if (scope == nullptr) {
      return token_error(TokenErrorKind::kMalformed, status, "token response has an invalid scope");
    }
    tokens.scope = std::string(*scope);
  }
  return tokens;
}

TokenSet merge_refreshed(const TokenSet& current, TokenSet fresh) {
  if (!fresh.refresh_token) fresh.refresh_token = current.refresh_token;
  if (!fresh.scope) fresh.scope = current.scope;
  return fresh;
}

bool needs_refresh(std::optional<std::int64_t> expires_at_ms, std::int64_t now_ms,
                   std::chrono::milliseconds margin) {
  if (!expires_at_ms) return false;
  return now_ms >= *expires_at_ms - margin.count();
}

}  // namespace wharf::oauth
