// How CLI commands find a running gateway: its base URL from `--url` or the config's
// `server.listen`, and the admin API's bearer token from `--token`, WHARF_ADMIN_TOKEN or the
// config's `server.admin_token`. Pure apart from reading the config file; start-up only.
#pragma once

#include <string>
#include <string_view>

#include "core/config_node.h"
#include "core/error.h"

namespace wharf::cli {

// The gateway's base URL ("http://127.0.0.1:8080", no trailing slash) for `server.listen`
// ("127.0.0.1:8080", "0.0.0.0:8080", ":8080", "[::]:8080"): wildcard addresses become loopback.
// Empty when `listen` is malformed.
std::string gateway_base_url(std::string_view listen);

// What the user passed to find the admin API.
struct AdminFlags {
  std::string url;                         // empty: http://<server.listen> from the config
  std::string config_path = "wharf.yaml";  // read only when --url or --token is missing
  std::string token;                       // empty: WHARF_ADMIN_TOKEN, then server.admin_token
};

struct AdminEndpoint {
  std::string base_url;  // no trailing slash
  std::string token;
};

// Resolves `flags`, reading `env` for WHARF_ADMIN_TOKEN and for ${VAR} in the config. A missing
// config file is fine when --url is given. Errors (Errc::kInvalidArgument, one line): unreadable
// or malformed config, a bad server.listen, no token anywhere.
Result<AdminEndpoint> locate_admin_api(const AdminFlags& flags, const EnvLookup& env);

}  // namespace wharf::cli
