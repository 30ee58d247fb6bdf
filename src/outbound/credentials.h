// The credentials stage of the outbound pipeline (SPEC §2.2): how a provider's calls prove who
// wharf is. An API key in a header, the query or the JSON body (Apollo's `api_key`), a bearer
// token, HTTP Basic, or an OAuth access token; any of api_key, bearer and oauth may instead come
// from a connection (ConnectionCredentials, kept in the vault). Pure: the caller fetches a
// connection's secret and applies the policy to each attempt's request. A CredentialsPolicy is a
// plain value (read_credentials runs at start-up: not thread-safe, like ConfigNode);
// apply_credentials is thread-safe when the token source is.
//
// Secrets never appear in an error message, of the config reader or of apply_credentials; the
// policy lists what the request log must hide (see redaction.h).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "outbound/http_types.h"

namespace wharf {
class ConfigNode;
}  // namespace wharf

namespace wharf::outbound {

enum class CredentialType { kNone, kApiKey, kBearer, kBasic, kOAuth };
// Where an API key goes: a header, a query parameter, or a field of the JSON body.
enum class KeyPlacement { kHeader, kQuery, kBody };

// "none", "api_key", "bearer", "basic", "oauth"; "header", "query", "body" (as written in config).
std::string_view to_string(CredentialType type);
std::string_view to_string(KeyPlacement placement);

struct CredentialsPolicy {
  CredentialType type = CredentialType::kNone;
  KeyPlacement in = KeyPlacement::kHeader;  // kApiKey only
  std::string name;                         // kApiKey: the header, query parameter or body field
  // kApiKey and kBearer: the key or token. Rotation: every value is valid at the provider during
  // a rotation, the first is the one sent; all of them are redacted from logs. Never empty for
  // those types.
  std::vector<std::string> values;
  std::string username;                // kBasic; contains no ':' (RFC 7617)
  std::vector<std::string> passwords;  // kBasic: the first is sent, as `values`
  std::string client;      // kOAuth: the OAuth client (oauth.clients) its connections belong to
  std::string connection;  // the connection used when a call names none (optional)

  // Every secret the request log must hide, in any text: the keys, tokens and passwords (all
  // rotation values), and for kBasic the base64 `user:password` of each password. Empty for
  // kNone and kOAuth (an access token is not known until asked for; the Authorization header
  // is redacted by name).
  std::vector<std::string> secret_values() const;
  // Query parameters whose values are secret: `name` for an API key in the query, else none.
  std::vector<std::string> secret_query_names() const;
  // Headers whose values are secret: `name` for an API key in a header; Authorization for
  // bearer, basic and oauth; else none.
  std::vector<std::string> secret_header_names() const;
};

// Reads `credentials:` (SPEC §1.2); every string may use ${ENV_VAR}:
//   { type: none }                                                     (also: an absent node)
//   { type: api_key, in: header|query|body, name: X-Api-Key, value: ${KEY} }   in: header default
//   { type: bearer, value: ${TOKEN} }
//   { type: basic, username: ..., password: ${PASSWORD} }
//   { type: oauth, client: NAME, connection: ID }   connection optional: a call may name one
// `value` and `password` may be a list (rotation: the first is sent, see CredentialsPolicy).
// A header name must be an HTTP token; values must not be empty nor contain CR or LF.
// Returns nullopt after recording every problem (unknown keys for the type included) with its
// line through ConfigNode::error; the messages name keys, never a secret value. An absent node
// gives { type: none }.
std::optional<CredentialsPolicy> read_credentials(const ConfigNode& node);

// What a call asks of a connection (outbound/call.h Call::connection): the secret connection
// `connection` holds for `provider`, whose credentials policy is `policy`.
struct ConnectionRequest {
  std::string provider;
  std::string connection;
  const CredentialsPolicy* policy = nullptr;
};

// The secrets held per connection (auth/oauth implements it over the vault): OAuth access
// tokens, kept fresh, and API keys users added at runtime. Implementations are thread-safe and
// check that the connection may serve the provider (an OAuth connection of the policy's client,
// an API-key connection of that provider); error messages never contain a secret.
class ConnectionCredentials {
 public:
  virtual ~ConnectionCredentials() = default;
  // The access token (refreshed first when it expires within the margin; one refresh in flight
  // per connection) or the API key. kNotFound for an unknown connection, kFailedPrecondition
  // for one that cannot serve (not connected, wrong provider), kUnavailable when a refresh
  // failed.
  //
  // Parameters are references (GCC 12 destroys by-value coroutine arguments made from
  // temporaries twice): they must outlive the co_await, as a caller's named values do.
  virtual boost::asio::awaitable<Result<std::string>> secret(const ConnectionRequest& request) = 0;
  // The provider answered 401 to `rejected`: a renewed secret (an OAuth refresh, shared with
  // every concurrent caller holding the same rejected token; when the stored token already
  // differs from `rejected`, that one without a refresh). An API key cannot be renewed: an
  // error.
  virtual boost::asio::awaitable<Result<std::string>> renew(const ConnectionRequest& request,
                                                            const std::string& rejected) = 0;
};

// Adds the credentials of `policy` to `request`:
//   api_key in header   sets header `name` to the first value, replacing every header of that
//                       name (ASCII case-insensitive);
//   api_key in query    appends `name=value` (both URL-encoded) to the query, before any
//                       fragment, after removing any parameter already called `name`;
//   api_key in body     sets field `name` of the JSON object in the body (an empty body becomes
//                       `{}` and gets `Content-Type: application/json` when it has none); a body
//                       that is not a JSON object → kInvalidArgument, request unchanged. The rest
//                       of the body is kept byte for byte when the field is new;
//   bearer / basic      sets `Authorization: Bearer <value>` / `Basic base64(username:password)`;
//   oauth               sets `Authorization: Bearer <connection_secret>` (the access token);
//   none                nothing.
// `connection_secret`, when set, is a connection's secret and replaces the configured value of
// api_key and bearer; oauth requires it (kFailedPrecondition without); basic and none refuse it
// (kInvalidArgument). `policy` must be valid (as read_credentials returns it). On failure the
// request is unchanged and the message names the provider's key or connection, never a secret.
Result<void> apply_credentials(HttpRequest& request, const CredentialsPolicy& policy,
                               const std::optional<std::string>& connection_secret);

}  // namespace wharf::outbound
