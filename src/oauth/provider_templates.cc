#include "oauth/provider_templates.h"

#include <vector>

namespace wharf::oauth {
namespace {

std::vector<ProviderTemplate> make_templates() {
  std::vector<ProviderTemplate> templates;

  // Google (Gmail, Calendar). access_type=offline asks for a refresh token; prompt=consent makes
  // Google issue one again when the user has already granted access once.
  ClientConfig google;
  google.provider = "google";
  google.authorization_endpoint = "https://accounts.google.com/o/oauth2/v2/auth";
  google.token_endpoint = "https://oauth2.googleapis.com/token";
  google.revocation_endpoint = "https://oauth2.googleapis.com/revoke";
  google.auth_method = ClientAuthMethod::kClientSecretPost;
  google.extra_authorization_params = {{"access_type", "offline"}, {"prompt", "consent"}};
  templates.push_back({"google", std::move(google)});

  // Slack OAuth v2: comma-separated scopes; the token endpoint answers token_type "bot" (or
  // "user") and reports errors as HTTP 200 {"ok": false, "error": ...}. Slack has no RFC 7009
  // endpoint (auth.revoke authenticates with the token itself), so none is set.
  ClientConfig slack;
  slack.provider = "slack";
  slack.authorization_endpoint = "https://slack.com/oauth/v2/authorize";
  slack.token_endpoint = "https://slack.com/api/oauth.v2.access";
  slack.auth_method = ClientAuthMethod::kClientSecretPost;
  slack.scope_separator = ",";
  slack.token_types = {"Bearer", "bot", "user"};
  templates.push_back({"slack", std::move(slack)});

  // Any RFC 6749 server: endpoints from config; client_secret_basic, which RFC 6749 §2.3.1
  // requires every server to support.
  ClientConfig generic;
  generic.provider = "generic";
  generic.auth_method = ClientAuthMethod::kClientSecretBasic;
  templates.push_back({"generic", std::move(generic)});

  return templates;
}

}  // namespace

std::span<const ProviderTemplate> provider_templates() {
  static const std::vector<ProviderTemplate> templates = make_templates();
  return templates;
}

std::optional<ClientConfig> provider_defaults(std::string_view name) {
  for (const auto& entry : provider_templates()) {
    if (entry.name == name) return entry.defaults;
  }
  return std::nullopt;
}

}  // namespace wharf::oauth
