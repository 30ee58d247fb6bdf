#include "outbound/credentials.h"

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

#include "core/config_node.h"
#include "core/encoding.h"

namespace wharf::outbound {
namespace {

namespace json = boost::json;

// RFC 9110 §5.6.2 tchar.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool has_crlf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

std::string basic_credentials(const std::string& username, const std::string& password) {
  return encoding::base64_encode(username + ":" + password);
}

// Reads a secret (`value`, `password`): one string or a list, each non-empty and header-safe.
// The messages say which element is wrong, never what it holds.
std::vector<std::string> read_secrets(const ConfigNode& node) {
  std::vector<std::string> values = node.str_list();  // records absent / empty list / not strings
  for (const std::string& v : values) {
    if (v.empty()) {
      node.error("must not be empty (is the environment variable set?)");
      return {};
    }
    if (has_crlf(v)) {
      node.error("must not contain a line break");
      return {};
    }
  }
  return values;
}

// `query` (without '?') with every parameter called `name` (after percent-decoding) removed.
std::string without_param(std::string_view query, std::string_view name) {
  std::string out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const std::string_view raw_name = param.substr(0, param.find('='));
    const std::optional<std::string> decoded = encoding::form_url_decode(raw_name);
    if (decoded ? *decoded == name : raw_name == name) continue;
    if (!out.empty()) out += '&';
    out += param;
  }
  return out;
}

void add_query_param(std::string& url, std::string_view name, std::string_view value) {
  const std::size_t hash = url.find('#');
  const std::string fragment = hash == std::string::npos ? std::string() : url.substr(hash);
  std::string base = url.substr(0, hash);
  std::string query;
  if (const std::size_t q = base.find('?'); q != std::string::npos) {
    query = without_param(std::string_view(base).substr(q + 1), name);
    base.resize(q);
  }
  if (!query.empty()) query += '&';
  query += encoding::url_encode(name) + "=" + encoding::url_encode(value);
  url = base + "?" + query + fragment;
}

Result<void> set_body_field(HttpRequest& request, const std::string& name,
                            const std::string& value) {
  if (request.body.empty()) {
    request.body = "{}";
    if (!find_header(request.headers, "Content-Type")) {
      request.headers.emplace_back("Content-Type", "application/json");
    }
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(request.body, ec);
  if (ec || !parsed.is_object()) {
    // The body is the caller's data and may hold anything: it is not quoted.
    return make_error(Errc::kInvalidArgument,
                      "credentials: the request body must be a JSON object to carry the API key "
                      "field '" +
                          name + "'");
  }
  json::object& object = parsed.as_object();
  if (object.contains(name)) {
    object[name] = value;
    request.body = json::serialize(parsed);
    return {};
  }
  // A new field is inserted as text after the opening brace so that the rest of the body stays
  // byte for byte what the caller wrote: a re-serialization would rewrite numbers (1.0 → 1E0,
  // integers past 64 bits → doubles).
  const std::size_t brace = request.body.find('{');
  std::string field =
      json::serialize(json::string(name)) + ":" + json::serialize(json::string(value));
  if (!object.empty()) field += ',';
  request.body.insert(brace + 1, field);
  return {};
}

}  // namespace

std::string_view to_string(CredentialType type) {
  switch (type) {
    case CredentialType::kNone:
      return "none";
    case CredentialType::kApiKey:
      return "api_key";
    case CredentialType::kBearer:
      return "bearer";
    case CredentialType::kBasic:
      return "basic";
    case CredentialType::kOAuth:
      return "oauth";
  }
  return "?";
}

std::string_view to_string(KeyPlacement placement) {
  switch (placement) {
    case KeyPlacement::kHeader:
      return "header";
    case KeyPlacement::kQuery:
      return "query";
    case KeyPlacement::kBody:
      return "body";
  }
  return "?";
}

std::vector<std::string> CredentialsPolicy::secret_values() const {
  switch (type) {
    case CredentialType::kApiKey:
    case CredentialType::kBearer:
      return values;
    case CredentialType::kBasic: {
      std::vector<std::string> out = passwords;
      for (const std::string& p : passwords) out.push_back(basic_credentials(username, p));
      return out;
    }
    case CredentialType::kNone:
    case CredentialType::kOAuth:
      break;
  }
  return {};
}

std::vector<std::string> CredentialsPolicy::secret_query_names() const {
  if (type == CredentialType::kApiKey && in == KeyPlacement::kQuery) return {name};
  return {};
}

std::vector<std::string> CredentialsPolicy::secret_header_names() const {
  switch (type) {
    case CredentialType::kApiKey:
      if (in == KeyPlacement::kHeader) return {name};
      break;
    case CredentialType::kBearer:
    case CredentialType::kBasic:
    case CredentialType::kOAuth:
      return {"Authorization"};
    case CredentialType::kNone:
      break;
  }
  return {};
}

std::optional<CredentialsPolicy> read_credentials(const ConfigNode& node) {
  if (!node.present()) return CredentialsPolicy{};
  if (!node.is_map()) {
    node.error("expected a map, e.g. { type: bearer, value: ${TOKEN} }");
    return std::nullopt;
  }
  const std::size_t before = node.errors().messages().size();
  CredentialsPolicy p;
  const ConfigNode type = node["type"];
  if (!type.present()) {
    node.error("`type` is required: none, api_key, bearer, basic or oauth");
    return std::nullopt;
  }
  const std::string name = type.choice_or("", {"none", "api_key", "bearer", "basic", "oauth"});
  if (name.empty()) return std::nullopt;  // choice_or recorded it

  if (name == "none") {
    node.allow_only_keys({"type"});
  } else if (name == "api_key") {
    p.type = CredentialType::kApiKey;
    node.allow_only_keys({"type", "in", "name", "value", "connection"});
    const std::string in = node["in"].choice_or("header", {"header", "query", "body"});
    p.in = in == "query"  ? KeyPlacement::kQuery
           : in == "body" ? KeyPlacement::kBody
                          : KeyPlacement::kHeader;
    const ConfigNode key_name = node["name"];
    if (!key_name.present()) {
      node.error("`name` is required (the header, query parameter or body field of the key)");
    } else if (std::optional<std::string> n = key_name.str()) {
      if (p.in == KeyPlacement::kHeader && !is_token(*n)) {
        key_name.error("must be an HTTP header name, e.g. X-Api-Key");
      } else if (n->empty()) {
        key_name.error("must not be empty");
      } else {
        p.name = *n;
      }
    }
    if (node["value"].present()) p.values = read_secrets(node["value"]);
  } else if (name == "bearer") {
    p.type = CredentialType::kBearer;
    node.allow_only_keys({"type", "value", "connection"});
    if (node["value"].present()) p.values = read_secrets(node["value"]);
  } else if (name == "basic") {
    p.type = CredentialType::kBasic;
    node.allow_only_keys({"type", "username", "password"});
    const ConfigNode username = node["username"];
    if (std::optional<std::string> u = username.str()) {  // records an absent one
      if (u->find(':') != std::string::npos || has_crlf(*u)) {
        username.error("must not contain ':' or a line break (RFC 7617)");
      } else {
        p.username = *u;
      }
    }
    p.passwords = read_secrets(node["password"]);
  } else {
    p.type = CredentialType::kOAuth;
    node.allow_only_keys({"type", "client", "connection"});
    const ConfigNode client = node["client"];
    if (std::optional<std::string> c = client.str()) {  // records an absent one
      if (c->empty()) {
        client.error("must not be empty: the OAuth client (oauth.clients) of the connections");
      } else {
        p.client = *c;
      }
    }
  }
  if (p.type == CredentialType::kApiKey || p.type == CredentialType::kBearer ||
      p.type == CredentialType::kOAuth) {
    const ConfigNode connection = node["connection"];
    if (connection.present()) {
      if (std::optional<std::string> c = connection.str()) {
        if (c->empty()) {
          connection.error("must not be empty (leave it out: calls then name their connection)");
        } else {
          p.connection = *c;
        }
      }
    }
  }
  if (node.errors().messages().size() != before) return std::nullopt;
  return p;
}

namespace {

Error needs_connection(const CredentialsPolicy& policy) {
  std::string what = policy.type == CredentialType::kOAuth
                         ? "OAuth client '" + policy.client + "' needs"
                         : std::string("no key is configured, so the call needs");
  return make_error(Errc::kFailedPrecondition,
                    "credentials: " + what + " a connection: name one (Wharf-Connection)");
}

}  // namespace

Result<void> apply_credentials(HttpRequest& request, const CredentialsPolicy& policy,
                               const std::optional<std::string>& connection_secret) {
  if (connection_secret &&
      (policy.type == CredentialType::kNone || policy.type == CredentialType::kBasic)) {
    return make_error(Errc::kInvalidArgument, std::string("credentials: type ") +
                                                  std::string(to_string(policy.type)) +
                                                  " takes no connection");
  }
  if (connection_secret && (connection_secret->empty() || has_crlf(*connection_secret))) {
    return make_error(Errc::kInternal,
                      "credentials: the connection gave an empty or malformed "
                      "secret");
  }
  switch (policy.type) {
    case CredentialType::kNone:
      return {};
    case CredentialType::kApiKey: {
      if (!connection_secret && policy.values.empty()) return needs_connection(policy);
      const std::string& key = connection_secret ? *connection_secret : policy.values.front();
      switch (policy.in) {
        case KeyPlacement::kHeader:
          set_header(request.headers, policy.name, key);
          return {};
        case KeyPlacement::kQuery:
          add_query_param(request.url, policy.name, key);
          return {};
        case KeyPlacement::kBody: {
          // Work on a copy so that a refused body leaves the request as it was.
          HttpRequest copy = request;
          Result<void> r = set_body_field(copy, policy.name, key);
          if (r) request = std::move(copy);
          return r;
        }
      }
      break;
    }
    case CredentialType::kBearer:
      if (!connection_secret && policy.values.empty()) return needs_connection(policy);
      set_header(request.headers, "Authorization",
                 "Bearer " + (connection_secret ? *connection_secret : policy.values.front()));
      return {};
    case CredentialType::kBasic:
      set_header(request.headers, "Authorization",
                 "Basic " + basic_credentials(policy.username, policy.passwords.front()));
      return {};
    case CredentialType::kOAuth:
      if (!connection_secret) return needs_connection(policy);
      set_header(request.headers, "Authorization", "Bearer " + *connection_secret);
      return {};
  }
  return make_error(Errc::kInternal, "credentials: unknown credentials type");
}

}  // namespace wharf::outbound
