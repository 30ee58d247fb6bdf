// Known authorization servers as ClientConfig defaults: endpoints, client authentication method,
// scope separator, accepted token types and default extra authorization params. A connection's
// config starts from its template and adds client_id, client_secret, scopes and redirect_uri.
// Adding a provider is one row in provider_templates.cc. Immutable data; thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "oauth/oauth_client.h"

namespace wharf::oauth {

struct ProviderTemplate {
  std::string_view name;
  ClientConfig defaults;  // client_id, client_secret, scopes and redirect_uri left empty
};

// Every template: "google", "slack", "generic" (no endpoints: all from config).
std::span<const ProviderTemplate> provider_templates();

// The defaults for provider `name`, or nullopt for an unknown name.
std::optional<ClientConfig> provider_defaults(std::string_view name);

}  // namespace wharf::oauth
