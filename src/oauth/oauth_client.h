// The OAuth 2.0 authorization code flow (RFC 6749 §4.1 with PKCE, RFC 7636; revocation, RFC 7009)
// as pure values: the authorization URL to redirect a user to, the token-endpoint and revocation
// requests as outbound::HttpRequest values for the outbound HTTP client to send, and the parsed
// token response. No I/O, no clock, no storage here: callers pass `now_ms`. Thread-safe.
//
// Why HttpRequest and not outbound::Call: a Call is relative to one provider's base URL and the
// pipeline refuses an Authorization header in it, while token and revocation endpoints are
// absolute URLs (often on another host than the API) and client_secret_basic needs that header.
// These requests go straight to outbound::HttpClient (no retries: a code is single-use).
//
// Secrets (client secret, codes, verifiers, tokens) go only into request bodies and the
// Authorization header, never into an error message.
#pragma once

#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "oauth/form_encoding.h"
#include "outbound/http_types.h"

namespace wharf::oauth {

// How wharf authenticates to the token and revocation endpoints (RFC 6749 §2.3.1).
enum class ClientAuthMethod {
  kClientSecretBasic,  // Authorization: Basic base64(form(client_id) ":" form(client_secret))
  kClientSecretPost,   // client_id and client_secret in the form body
};

// "client_secret_basic", "client_secret_post".
std::string_view to_string(ClientAuthMethod method);
std::optional<ClientAuthMethod> parse_client_auth_method(std::string_view name);

// One OAuth 2.0 client registration at one authorization server.
struct ClientConfig {
  std::string provider;  // a name for messages ("google")
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string revocation_endpoint;  // RFC 7009; empty when the server has none
  std::string client_id;
  std::string client_secret;  // secret: never logged nor put in a message
  ClientAuthMethod auth_method = ClientAuthMethod::kClientSecretBasic;
  std::vector<std::string> scopes;
  std::string scope_separator = " ";      // RFC 6749 §3.3; Slack joins with ","
  std::string redirect_uri;               // registered, and sent byte for byte (RFC 9700 §2.1)
  FormParams extra_authorization_params;  // e.g. Google's access_type=offline, prompt=consent
  // token_type values accepted from the token endpoint, compared case-insensitively.
  std::vector<std::string> token_types = {"Bearer"};
};

// Ok when the config can make requests: client_id, redirect_uri, authorization and token
// endpoints set; endpoints and redirect_uri absolute https URLs (http only for loopback hosts,
// RFC 8252 §7.3) without a fragment (RFC 6749 §3.1, §3.1.2). The message names the field only.
Result<void> validate(const ClientConfig& config);

// The authorization request URL (RFC 6749 §4.1.1, RFC 7636 §4.3): the endpoint (its own query
// kept) plus response_type=code, client_id, redirect_uri, scope (when any), state,
// code_challenge, code_challenge_method=S256, then the extra params, all form-urlencoded.
std::string authorization_url(const ClientConfig& config, std::string_view state,
                              std::string_view code_challenge);

// The access token request for an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.5): POST to
// the token endpoint with grant_type=authorization_code, code, redirect_uri, code_verifier and
// the client's authentication.
outbound::HttpRequest code_exchange_request(const ClientConfig& config, std::string_view code,
                                            std::string_view code_verifier);

// The refresh request (RFC 6749 §6): grant_type=refresh_token and the refresh token (the scope
// is left out, so the grant keeps its original scope).
outbound::HttpRequest refresh_request(const ClientConfig& config, std::string_view refresh_token);

enum class TokenTypeHint { kNone, kAccessToken, kRefreshToken };

// The revocation request (RFC 7009 §2.1): token and token_type_hint to the revocation endpoint,
// with the client's authentication. Error kInvalidArgument when the config has no revocation
// endpoint. The server answers 200 also for an already-invalid token (RFC 7009 §2.2): callers
// treat that as success.
Result<outbound::HttpRequest> revocation_request(const ClientConfig& config, std::string_view token,
                                                 TokenTypeHint hint);

// A successful token response (RFC 6749 §5.1).
struct TokenSet {
  std::string access_token;
  std::string token_type;
  std::optional<std::int64_t> expires_at_ms;  // now + expires_in; nullopt when not given
  std::optional<std::string> refresh_token;
  std::optional<std::string> scope;  // nullopt: as requested (RFC 6749 §5.1)
};

enum class TokenErrorKind {
  kAuthorizationServer,   // an RFC 6749 §5.2 error response: `error` (and a description) set
  kMalformed,             // not JSON, not an object, a required field missing or of a wrong type
  kUnsupportedTokenType,  // token_type is not one the config accepts (e.g. not Bearer)
  kUnexpectedStatus,      // a non-2xx answer that is not an RFC 6749 §5.2 error
};

// "authorization_server", "malformed", "unsupported_token_type", "unexpected_status".
std::string_view to_string(TokenErrorKind kind);

struct TokenError {
  TokenErrorKind kind = TokenErrorKind::kMalformed;
  int status = 0;
  std::string error;  // the §5.2 error code ("invalid_grant"), when kAuthorizationServer
  std::string error_description;  // the server's description (printable ASCII, at most 256 bytes)
  std::string message;            // for users and logs; never a token, code or secret
};

using TokenResult = boost::system::result<TokenSet, TokenError>;

// Lets TokenResult::value() throw std::runtime_error (tests only).
[[noreturn]] void throw_exception_from_error(const TokenError& e,
                                             const boost::source_location& loc);

// The token endpoint's answer `status` / `body`, received at `now_ms`. A body with an `error`
// member is an error whatever the status (Slack answers 200 {"ok":false,"error":...}). Success
// needs a 2xx status, a non-empty string access_token, a token_type in `accepted_token_types`
// (case-insensitive), and, when present, a non-negative integer expires_in (a digit string is
// accepted too), string refresh_token and string scope.
TokenResult parse_token_response(int status, std::string_view body, std::int64_t now_ms,
                                 const std::vector<std::string>& accepted_token_types = {"Bearer"});

// The tokens after a refresh: `fresh`, keeping `current`'s refresh token when the server did not
// rotate it (RFC 6749 §6: a new refresh token, when issued, replaces the old one) and
// `current`'s scope when the server did not restate it.
TokenSet merge_refreshed(const TokenSet& current, TokenSet fresh);

inline constexpr std::chrono::milliseconds kDefaultRefreshMargin = std::chrono::seconds(60);

// True when a token expiring at `expires_at_ms` should be refreshed at `now_ms`: within `margin`
// of its expiry or past it. An unknown expiry (nullopt) never needs a proactive refresh (a 401
// will tell).
bool needs_refresh(std::optional<std::int64_t> expires_at_ms, std::int64_t now_ms,
                   std::chrono::milliseconds margin = kDefaultRefreshMargin);

}  // namespace wharf::oauth
