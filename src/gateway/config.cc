#include "gateway/config.h"

#include <charconv>
#include <cstdlib>
#include <set>

#include "core/encoding.h"
#include "dispatch/retry_policy.h"
#include "dispatch/routes.h"
#include "providers/provider_kind.h"

namespace wharf::gateway {

bool parse_listen(std::string_view text, std::string* host, unsigned short* port) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view h = text.substr(0, colon);
  std::string_view p = text.substr(colon + 1);
  if (h.starts_with('[') && h.ends_with(']')) h = h.substr(1, h.size() - 2);
  if (h.empty()) h = "0.0.0.0";
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
  if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || v > 65535) return false;
  *host = std::string(h);
  *port = static_cast<unsigned short>(v);
  return true;
}

namespace {

void read_server(const ConfigNode& n, GatewayConfig& cfg) {
  n.allow_only_keys({"listen", "max_body_bytes", "admin_token", "threads", "read_timeout",
                     "idle_timeout", "drain_timeout", "log_level", "max_connections"});
  std::string listen = n["listen"].str_or("127.0.0.1:8080");
  if (!parse_listen(listen, &cfg.server.host, &cfg.server.port)) {
    n["listen"].error("expected host:port, got '" + listen + "'");
  }
  cfg.server.max_body_bytes =
      static_cast<std::size_t>(n["max_body_bytes"].int_or(1 << 20, 1, 64LL << 20));
  if (n["admin_token"].present()) {
    cfg.admin_tokens = n["admin_token"].str_list();
    for (const auto& t : cfg.admin_tokens) {
      if (t.size() < 16) n["admin_token"].error("must be at least 16 characters");
    }
  }
  cfg.threads = static_cast<int>(n["threads"].int_or(0, 0, 256));
  cfg.server.max_connections =
      static_cast<std::size_t>(n["max_connections"].int_or(10'000, 1, 1'000'000));
  cfg.server.read_timeout = n["read_timeout"].duration_or(cfg.server.read_timeout);
  cfg.server.idle_timeout = n["idle_timeout"].duration_or(cfg.server.idle_timeout);
  cfg.drain_timeout = n["drain_timeout"].duration_or(cfg.drain_timeout);
  cfg.log_level = n["log_level"].choice_or("info", {"debug", "info", "warn", "error"});
}

void read_vault(const ConfigNode& n, GatewayConfig& cfg) {
  n.allow_only_keys({"master_key"});
  if (!n["master_key"].present()) return;
  for (const auto& key : n["master_key"].str_list()) {
    auto raw = encoding::base64_decode(key);
    if (!raw || raw->size() != 32) {
      n["master_key"].error("must be base64 of 32 random bytes (see `wharf keys generate`)");
      return;
    }
    cfg.master_keys.push_back(key);
  }
}

}  // namespace

dispatch::HandlerRegistry make_handler_registry(Applications apps) {
  dispatch::HandlerRegistry registry;
  dispatch::add_builtin_handlers(registry);
  for (auto* app : apps) app->add_handlers(registry);
  return registry;
}

namespace {

// `dispatch: { retry_schedule: [...], jitter: full | none | 0.2 }`
void read_dispatch(const ConfigNode& n, GatewayConfig& cfg) {
  if (!n.present()) return;
  if (!n.is_map()) {
    n.error("expected a map (dispatch: { retry_schedule: [...], jitter: full })");
    return;
  }
  n.allow_only_keys({"retry_schedule", "jitter"});
  if (n["retry_schedule"].present()) {
    if (auto s = dispatch::read_retry_schedule(n["retry_schedule"])) cfg.retry_schedule = *s;
  }
  cfg.retry_jitter = read_jitter(n["jitter"], cfg.retry_jitter);
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (unsigned char c : name) {
    if (!std::isalnum(c) && c != '_' && c != '-') return false;
  }
  return true;
}

// `providers: { NAME: { kind, base_url, credentials, rate_limit, retry, breaker, ... } }`
void read_providers(const ConfigNode& n, GatewayConfig& cfg) {
  if (!n.present()) return;
  if (!n.is_map()) {
    n.error("expected a map of providers (name: { base_url, credentials, ... })");
    return;
  }
  for (auto& [name, node] : n.entries()) {
    if (!valid_name(name)) {
      node.error("provider names are letters, digits, '_' and '-' (they appear in URLs)");
      continue;
    }
    // An explicit kind must exist; a provider named after no kind is a generic one.
    std::string kind = name;
    if (node["kind"].present()) {
      kind = node["kind"].str_or("");
      if (!providers::find_provider_kind(kind)) {
        std::string known;
        for (const auto& k : providers::provider_kinds())
          known += (known.empty() ? "" : ", ") + std::string(k.name);
        node["kind"].error("unknown kind `" + kind + "` (this build has: " + known + ")");
        continue;
      }
    } else if (!providers::find_provider_kind(kind)) {
      kind = "generic";
    }
    const providers::ProviderKind& k = *providers::find_provider_kind(kind);
    auto p = outbound::read_provider_config(
        name, kind, node,
        outbound::ProviderDefaults{.base_url = std::string(k.default_base_url),
                                   .idempotency_header = std::string(k.idempotency_header)});
    if (!p) continue;
    if (p->rate_limit && p->rate_limit->scope == resilience::RateScope::kCluster) {
      node["rate_limit"]["scope"].error(
          "scope: cluster needs the Redis coordination of cluster mode, not in this version; use "
          "scope: node");
      continue;
    }
    if (p->credentials.type == outbound::CredentialType::kOAuth) {
      bool known = false;
      for (const auto& c : cfg.oauth.clients) known = known || c.name == p->credentials.client;
      if (!known) {
        node["credentials"]["client"].error("no OAuth client `" + p->credentials.client +
                                            "` in oauth.clients");
        continue;
      }
    }
    cfg.providers.push_back(std::move(*p));
  }
}

// `apps: { NAME: {...} }`: each application reads its own section; every application is
// configured, with an absent node when it has none.
void read_apps(const ConfigNode& n, Applications apps) {
  if (n.present() && !n.is_map()) {
    n.error("expected a map of applications (name: { ... })");
  } else if (n.present()) {
    for (auto& [name, node] : n.entries()) {
      bool known = false;
      for (auto* app : apps) known = known || app->name() == name;
      if (known) continue;
      std::string names;
      for (auto* app : apps) names += (names.empty() ? "" : ", ") + std::string(app->name());
      node.error("no application named `" + name +
                 "` (this build has: " + (names.empty() ? "none" : names) + ")");
    }
  }
  for (auto* app : apps) app->configure(n[app->name()]);
}

}  // namespace

std::optional<GatewayConfig> load_config(const std::string& path, ConfigErrors& errors,
                                         const EnvLookup& env,
                                         const dispatch::HandlerRegistry& handlers,
                                         Applications apps) {
  YAML::Node root;
  try {
    root = load_yaml_config(path);
  } catch (const YAML::BadFile&) {
    errors.add(0, "", "cannot read the file");
    return std::nullopt;
  } catch (const YAML::ParserException& e) {
    errors.add(e.mark.line + 1, "", "invalid YAML: " + e.msg);
    return std::nullopt;
  }
  ConfigNode top(root, "", &errors, &env, 1);
  if (!root.IsMap()) {
    errors.add(1, "", "expected a map of sections (server, storage, sources, ...)");
    return std::nullopt;
  }
  top.allow_only_keys({"server", "storage", "coordination", "vault", "sources", "destinations",
                       "routes", "dispatch", "providers", "oauth", "apps"});

  GatewayConfig cfg;
  read_server(top["server"], cfg);

  top["storage"].allow_only_keys({"url"});
  cfg.storage_url = top["storage"]["url"].str_or(cfg.storage_url);
  if (!cfg.storage_url.starts_with("sqlite://")) {
    top["storage"]["url"].error(
        cfg.storage_url.starts_with("postgres")
            ? "PostgreSQL storage is not in this version yet; use sqlite://PATH"
            : "expected sqlite://PATH");
  }
  top["coordination"].allow_only_keys({"url"});
  cfg.coordination_url = top["coordination"]["url"].str_or("local");
  if (cfg.coordination_url != "local") {
    top["coordination"]["url"].error(
        "only `local` coordination is in this version (Redis cluster mode is planned)");
  }
  read_vault(top["vault"], cfg);
  if (auto oauth = oauth::read_oauth_config(top["oauth"])) cfg.oauth = std::move(*oauth);
  if (top["oauth"]["clients"].present() && cfg.master_keys.empty()) {
    top["oauth"].error("OAuth clients need the vault to keep their tokens: set vault.master_key");
  }

  if (!top["sources"].present()) {
    cfg.notices.push_back("no sources configured: every webhook gets 404");
  }
  cfg.sources = inbound::load_sources(top["sources"]);

  if (auto destinations = dispatch::load_destinations(top["destinations"])) {
    cfg.destinations = std::move(*destinations);
  }
  std::set<std::string> destination_names;
  for (const auto& [name, node] : top["destinations"].entries()) destination_names.insert(name);
  if (auto routes = dispatch::RouteTable::load(top["routes"], destination_names)) {
    for (const auto& route : routes->routes()) {
      for (const auto& t : route.targets) {
        if (t.kind != dispatch::Target::Kind::kHandler || handlers.find(t.name)) continue;
        std::string known;
        for (const auto& n : handlers.names()) known += (known.empty() ? "" : ", ") + n;
        errors.add(route.line, "routes",
                   "no built-in handler named `" + t.name + "` (this build has: " + known + ")");
      }
    }
    cfg.routes = std::move(*routes);
  }
  read_dispatch(top["dispatch"], cfg);
  read_providers(top["providers"], cfg);
  read_apps(top["apps"], apps);
  if (top["destinations"].present() && !top["routes"].present()) {
    cfg.notices.push_back("destinations but no routes: every event is `ignored`");
  }
  if (!errors.empty()) return std::nullopt;
  return cfg;
}

}  // namespace wharf::gateway
