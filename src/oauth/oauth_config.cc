#include "oauth/oauth_config.h"

#include "core/config_node.h"
#include "oauth/provider_templates.h"

namespace wharf::oauth {

namespace {

// Reads one string key into `target` when present (records a non-string).
void read_string(const ConfigNode& node, std::string_view key, std::string& target) {
  const ConfigNode value = node[key];
  if (!value.present()) return;
  if (std::optional<std::string> s = value.str()) target = *s;
}

std::optional<Client> read_client(const std::string& name, const ConfigNode& node,
                                  const std::string& redirect_uri) {
  if (!node.is_map()) {
    node.error("expected a map ({ template, client_id, client_secret, scopes, ... })");
    return std::nullopt;
  }
  const ConfigErrorWatch watch(node);
  node.allow_only_keys({"template", "client_id", "client_secret", "scopes",
                        "authorization_endpoint", "token_endpoint", "revocation_endpoint",
                        "auth_method", "scope_separator", "redirect_uri",
                        "extra_authorization_params", "token_types"});
  std::string template_name = provider_defaults(name) ? name : "generic";
  read_string(node, "template", template_name);
  std::optional<ClientConfig> defaults = provider_defaults(template_name);
  if (!defaults) {
    std::string known;
    for (const auto& t : provider_templates())
      known += (known.empty() ? "" : ", ") + std::string(t.name);
    node["template"].error("unknown template `" + template_name + "` (known: " + known + ")");
    return std::nullopt;
  }
  Client client{name, std::move(*defaults)};
  ClientConfig& c = client.config;
  c.provider = name;
  c.redirect_uri = redirect_uri;
  read_string(node, "client_id", c.client_id);
  read_string(node, "client_secret", c.client_secret);
  read_string(node, "authorization_endpoint", c.authorization_endpoint);
  read_string(node, "token_endpoint", c.token_endpoint);
  read_string(node, "revocation_endpoint", c.revocation_endpoint);
  read_string(node, "scope_separator", c.scope_separator);
  read_string(node, "redirect_uri", c.redirect_uri);
  if (node["scopes"].present()) c.scopes = node["scopes"].str_list();
  if (node["token_types"].present()) c.token_types = node["token_types"].str_list();
  if (node["auth_method"].present()) {
    const std::string m = node["auth_method"].choice_or(
        std::string(to_string(c.auth_method)), {"client_secret_basic", "client_secret_post"});
    if (auto parsed = parse_client_auth_method(m)) c.auth_method = *parsed;
  }
  const ConfigNode extra = node["extra_authorization_params"];
  if (extra.present()) {
    if (!extra.is_map()) {
      extra.error("expected a map of parameter: value");
    } else {
      for (const auto& [key, value] : extra.entries()) {
        if (std::optional<std::string> v = value.str())
          c.extra_authorization_params.emplace_back(key, *v);
      }
    }
  }
  if (!node["client_id"].present()) node.error("`client_id` is required");
  if (!node["client_secret"].present()) {
    node.error("`client_secret` is required (wharf is a confidential client)");
  } else if (c.client_secret.empty()) {
    node["client_secret"].error("must not be empty (is the environment variable set?)");
  }
  if (c.redirect_uri.empty()) {
    node.error(
        "`redirect_uri` is required here or in the oauth section (wharf's "
        "/oauth/callback URL, as registered with the provider)");
  }
  if (!watch.ok()) return std::nullopt;
  if (Result<void> valid = validate(c); !valid) {
    node.error(valid.error().message);
    return std::nullopt;
  }
  return client;
}

}  // namespace

std::optional<OAuthConfig> read_oauth_config(const ConfigNode& node) {
  OAuthConfig cfg;
  if (!node.present()) return cfg;
  if (!node.is_map()) {
    node.error("expected a map ({ redirect_uri, clients: { NAME: {...} } })");
    return std::nullopt;
  }
  const ConfigErrorWatch watch(node);
  node.allow_only_keys({"redirect_uri", "refresh_margin", "state_ttl", "max_refresh_failures",
                        "ca_file", "clients", "connect_token_ttl", "require_connect_token"});
  cfg.connect_token_ttl = node["connect_token_ttl"].duration_or(cfg.connect_token_ttl);
  if (cfg.connect_token_ttl.count() <= 0) node["connect_token_ttl"].error("must be positive");
  cfg.require_connect_token = node["require_connect_token"].bool_or(false);
  std::string redirect_uri;
  read_string(node, "redirect_uri", redirect_uri);
  cfg.refresh_margin = node["refresh_margin"].duration_or(cfg.refresh_margin);
  cfg.state_ttl = node["state_ttl"].duration_or(cfg.state_ttl);
  if (cfg.state_ttl.count() <= 0) node["state_ttl"].error("must be positive");
  cfg.max_refresh_failures =
      static_cast<int>(node["max_refresh_failures"].int_or(cfg.max_refresh_failures, 1, 100));
  read_string(node, "ca_file", cfg.ca_file);
  const ConfigNode clients = node["clients"];
  if (clients.present() && !clients.is_map()) {
    clients.error("expected a map of clients (NAME: { client_id, client_secret, ... })");
  } else if (clients.present()) {
    for (const auto& [name, entry] : clients.entries()) {
      const bool valid_name =
          !name.empty() && name.size() <= 64 &&
          name.find_first_not_of(
              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
              std::string::npos;
      if (!valid_name) {
        entry.error("client names are letters, digits, '_' and '-' (they appear in URLs)");
        continue;
      }
      if (auto client = read_client(name, entry, redirect_uri)) {
        cfg.clients.push_back(std::move(*client));
      }
    }
  }
  if (!watch.ok()) return std::nullopt;
  return cfg;
}

}  // namespace wharf::oauth
