// The whole configuration file (SPEC §1.2): read, interpolated and validated in one pass that
// reports every error at once (file:line: key: why). Start-up only.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/config_node.h"
#include "dispatch/application.h"
#include "dispatch/destinations.h"
#include "dispatch/handler.h"
#include "dispatch/retry_policy.h"
#include "dispatch/routes.h"
#include "http/server.h"
#include "inbound/source.h"
#include "oauth/oauth_config.h"
#include "outbound/provider_config.h"

namespace wharf::gateway {

struct GatewayConfig {
  http::ServerOptions server;
  std::vector<std::string> admin_tokens;  // empty: admin API disabled
  int threads = 0;                        // I/O threads; 0 = one per core
  std::chrono::milliseconds drain_timeout{10'000};
  std::string log_level = "info";
  std::string storage_url = "sqlite://./var/wharf.db";
  std::string coordination_url = "local";
  std::vector<inbound::Source> sources;
  std::vector<dispatch::Destination> destinations;
  dispatch::RouteTable routes;
  dispatch::RetrySchedule retry_schedule = dispatch::default_retry_schedule();
  double retry_jitter = dispatch::kDefaultRetryJitter;
  std::vector<outbound::ProviderConfig> providers;  // in file order
  // vault.master_key: base64, the first current (the others still unwrap during a rotation);
  // empty: no vault (connections and OAuth are off, and start-up refuses a database holding
  // secrets).
  std::vector<std::string> master_keys;
  oauth::OAuthConfig oauth;
  // Sections that parse but are not active in this version, to be logged at start-up.
  std::vector<std::string> notices;
};

// The applications this build has (dispatch/application.h), in start-up order; not owned.
using Applications = std::span<dispatch::Application* const>;

// Loads `path`. Returns nullopt when the file cannot be read or has any error; every error is in
// `errors`. Routes may name only the handlers in `handlers`. Each of `apps` is configured from
// its `apps: NAME:` section (or with an absent node when there is none); a section naming no
// application is an error.
std::optional<GatewayConfig> load_config(const std::string& path, ConfigErrors& errors,
                                         const EnvLookup& env,
                                         const dispatch::HandlerRegistry& handlers,
                                         Applications apps = {});

// The built-in handlers this build has (the engine's, then the applications').
dispatch::HandlerRegistry make_handler_registry(Applications apps = {});

// Parses "host:port", "[v6]:port" or ":port" (all interfaces). False when malformed.
bool parse_listen(std::string_view text, std::string* host, unsigned short* port);

}  // namespace wharf::gateway
