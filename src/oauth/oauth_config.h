// The `oauth:` section of the configuration: the OAuth 2.0 clients wharf connects accounts with
// and how it keeps their tokens fresh (docs/configuration.md "OAuth"). Start-up only; not
// thread-safe (like ConfigNode).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "oauth/connection_service.h"
#include "oauth/state.h"

namespace wharf {
class ConfigNode;
}  // namespace wharf

namespace wharf::oauth {

struct OAuthConfig {
  std::vector<Client> clients;  // in file order
  std::chrono::milliseconds refresh_margin = kDefaultRefreshMargin;
  std::chrono::milliseconds state_ttl = std::chrono::minutes(10);
  int max_refresh_failures = 3;
  std::chrono::milliseconds connect_token_ttl = std::chrono::hours(24);
  bool require_connect_token = false;
  std::string ca_file;  // for authorization servers with a private CA
};

// Reads
//   oauth:
//     redirect_uri: https://wharf.example.com/oauth/callback   # registered with every client
//     refresh_margin: 60s          # refresh when the access token expires within this
//     state_ttl: 10m               # how long a user has to complete the authorization
//     max_refresh_failures: 3      # failed refreshes in a row before the connection is `error`
//     connect_token_ttl: 24h       # how long a connect link works
//     require_connect_token: false # true: /connect needs a connect link even for a new id
//     ca_file: /etc/ssl/private-ca.pem
//     clients:
//       NAME:                      # the {client} of GET /connect/{client}
//         template: google | slack | generic      # default: NAME when a template has it
//         client_id: ...
//         client_secret: ${SECRET}
//         scopes: [...]
//         authorization_endpoint, token_endpoint, revocation_endpoint   # override the template
//         auth_method: client_secret_basic | client_secret_post
//         scope_separator: " "
//         redirect_uri: ...        # overrides the section's
//         extra_authorization_params: { access_type: offline }
//         token_types: [Bearer]
// An absent section gives no clients. Every problem is recorded with its line; nullopt then.
// Messages name keys, never the client secret.
std::optional<OAuthConfig> read_oauth_config(const ConfigNode& node);

}  // namespace wharf::oauth
