#include "outbound/provider_config.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>

#include "core/config_node.h"
#include "outbound/provider_client.h"

namespace wharf::outbound {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

// Whether part `what` of `u` is set.
bool has_part(CURLU* u, CURLUPart what) {
  char* part = nullptr;
  const CURLUcode rc = curl_url_get(u, what, &part, 0);
  curl_free(part);
  return rc == CURLUE_OK;
}

}  // namespace

bool valid_base_url(std::string_view url, std::string* why) {
  auto fail = [&](const char* reason) {
    *why = reason;
    return false;
  };
  if (!url.starts_with("http://") && !url.starts_with("https://"))
    return fail("expected an http:// or https:// URL");
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) return fail("must not contain spaces or control characters");
  }
  if (url.ends_with("/")) return fail("must not end with '/' (targets start with one)");
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  const std::string text(url);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK)
    return fail("is not a valid URL");
  if (!has_part(u.get(), CURLUPART_HOST)) return fail("has no host");
  if (has_part(u.get(), CURLUPART_USER) || has_part(u.get(), CURLUPART_PASSWORD))
    return fail("must not contain user information (use `credentials`)");
  if (has_part(u.get(), CURLUPART_QUERY)) return fail("must not have a query (use `credentials`)");
  if (has_part(u.get(), CURLUPART_FRAGMENT)) return fail("must not have a fragment");
  return true;
}

std::optional<ProviderConfig> read_provider_config(std::string name, std::string kind,
                                                   const ConfigNode& node,
                                                   const ProviderDefaults& defaults) {
  if (!node.is_map()) {
    node.error("expected a map (base_url, credentials, rate_limit, retry, breaker, timeout, ...)");
    return std::nullopt;
  }
  const ConfigErrorWatch watch(node);
  node.allow_only_keys({"kind", "base_url", "credentials", "rate_limit", "retry", "breaker",
                        "timeout", "connect_timeout", "max_response_size", "max_connections",
                        "idempotency_header", "quota_headers", "log_every_call", "ca_file"});
  ProviderConfig p;
  p.name = std::move(name);
  p.kind = std::move(kind);
  p.base_url = node["base_url"].present() ? node["base_url"].str_or("") : defaults.base_url;
  if (p.base_url.empty()) {
    node.error("needs `base_url` (its kind has no default)");
  } else if (std::string why; !valid_base_url(p.base_url, &why)) {
    (node["base_url"].present() ? node["base_url"] : node).error("base_url " + why);
  }
  if (auto c = read_credentials(node["credentials"])) p.credentials = std::move(*c);
  if (node["rate_limit"].present())
    p.rate_limit = resilience::read_rate_limit_policy(node["rate_limit"]);
  if (auto r = read_retry_policy(node["retry"])) p.retry = *r;
  if (auto b = resilience::read_breaker_policy(node["breaker"], resilience::default_peer_breaker()))
    p.breaker = *b;
  auto positive = [](const ConfigNode& n, std::chrono::milliseconds fallback) {
    auto d = n.duration_or(fallback);
    if (n.present() && (d.count() <= 0 || d > std::chrono::hours(1))) {
      n.error("must be greater than 0 and at most 1h");
      return fallback;
    }
    return d;
  };
  p.timeout = positive(node["timeout"], p.timeout);
  p.connect_timeout = positive(node["connect_timeout"], p.connect_timeout);
  p.max_response_bytes = static_cast<std::size_t>(node["max_response_size"].int_or(
      static_cast<std::int64_t>(p.max_response_bytes), 1024, std::int64_t{1} << 30));
  p.max_connections = static_cast<long>(node["max_connections"].int_or(p.max_connections, 1, 1024));
  if (const ConfigNode ca = node["ca_file"]; ca.present()) {
    p.ca_file = ca.str_or("");
    if (std::FILE* f = std::fopen(p.ca_file.c_str(), "r")) {
      std::fclose(f);
    } else {
      ca.error("cannot read " + p.ca_file);
    }
  }
  p.idempotency_header = node["idempotency_header"].str_or(defaults.idempotency_header);
  // Header names wharf sends: HTTP tokens, and none that the transport or credentials own.
  auto check_header_name = [](const ConfigNode& n, const std::string& name) {
    if (!n.present() || name.empty()) return;
    const bool token = std::all_of(name.begin(), name.end(), [](unsigned char c) {
      return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
                                    std::string_view::npos;
    });
    if (!token) {
      n.error("must be an HTTP header name");
    } else if (is_wharf_owned_header(name)) {
      n.error(name + " is set by wharf itself");
    }
  };
  check_header_name(node["idempotency_header"], p.idempotency_header);
  if (const ConfigNode q = node["quota_headers"]; q.present()) {
    q.allow_only_keys({"remaining", "reset"});
    p.quota.remaining = q["remaining"].str_or(p.quota.remaining);
    p.quota.reset = q["reset"].str_or(p.quota.reset);
    check_header_name(q["remaining"], p.quota.remaining);
    check_header_name(q["reset"], p.quota.reset);
  }
  p.log_every_call = node["log_every_call"].bool_or(true);
  if (!watch.ok()) return std::nullopt;
  return p;
}

}  // namespace wharf::outbound
