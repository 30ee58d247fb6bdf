#include "outbound/redaction.h"

#include <algorithm>

#include "core/encoding.h"

namespace wharf::outbound {
namespace {

template <class Names>
bool contains_iequal(const Names& names, std::string_view name) {
  return std::any_of(names.begin(), names.end(), [&](const auto& n) {
    return encoding::ascii_iequals(std::string_view(n), name);
  });
}

bool is_secret_param(std::string_view raw_name, const std::vector<std::string>& configured) {
  // A name percent-encoded by the caller (api%5Fkey) is still that name to the provider.
  const std::optional<std::string> decoded = encoding::form_url_decode(raw_name);
  const std::string_view name = decoded ? std::string_view(*decoded) : raw_name;
  return contains_iequal(configured, name) ||
         contains_iequal(well_known_secret_query_names(), name);
}

}  // namespace

const std::vector<std::string_view>& well_known_secret_query_names() {
  static const std::vector<std::string_view> names = {
      "api_key",   "apikey", "key",      "token",         "access_token", "secret",
      "signature", "sig",    "password", "client_secret", "code"};
  return names;
}

const std::vector<std::string_view>& well_known_secret_headers() {
  static const std::vector<std::string_view> names = {"Authorization", "Proxy-Authorization",
                                                      "Cookie", "Set-Cookie", "X-Api-Key"};
  return names;
}

std::string redact_url(std::string_view url, const std::vector<std::string>& secret_query_names) {
  // The fragment is never sent, and OAuth implicit grants put tokens there: it is dropped.
  url = url.substr(0, url.find('#'));
  std::string out;
  if (const std::size_t sep = url.find("://"); sep != std::string_view::npos) {
    out = url.substr(0, sep + 3);
    url.remove_prefix(sep + 3);
    std::string_view authority = url.substr(0, url.find_first_of("/?"));
    url.remove_prefix(authority.size());
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
      authority.remove_prefix(at + 1);
    }
    out += authority;
  }
  const std::size_t q = url.find('?');
  out += url.substr(0, q);
  if (q == std::string_view::npos) return out;

  out += '?';
  std::string_view query = url.substr(q + 1);
  bool first = true;
  while (true) {
    const std::size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    if (!first) out += '&';
    first = false;
    const std::size_t eq = param.find('=');
    if (eq != std::string_view::npos && is_secret_param(param.substr(0, eq), secret_query_names)) {
      out += param.substr(0, eq + 1);
      out += kRedacted;
    } else {
      out += param;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

HeaderList redact_headers(const HeaderList& headers,
                          const std::vector<std::string>& secret_header_names) {
  HeaderList out = headers;
  for (auto& [name, value] : out) {
    if (contains_iequal(well_known_secret_headers(), name) ||
        contains_iequal(secret_header_names, name)) {
      value = kRedacted;
    }
  }
  return out;
}

std::string redact_secrets(std::string_view text, const std::vector<std::string>& secrets) {
  std::vector<std::string> needles;
  for (const std::string& s : secrets) {
    if (s.size() < kMinRedactedSecretSize) continue;
    needles.push_back(s);
    // A secret echoed back inside a URL (an upstream error quoting the request) is encoded.
    if (std::string encoded = encoding::url_encode(s); encoded != s) {
      needles.push_back(std::move(encoded));
    }
  }
  // Mark every byte covered by any occurrence, overlapping ones included, then collapse each
  // run of marked bytes into one REDACTED: replacing secret by secret in turn would leave the
  // part of an overlapping second occurrence that the first replacement cut.
  std::vector<bool> hidden(text.size(), false);
  bool any = false;
  for (const std::string& needle : needles) {
    for (std::size_t at = text.find(needle); at != std::string_view::npos;
         at = text.find(needle, at + 1)) {
      std::fill(hidden.begin() + static_cast<std::ptrdiff_t>(at),
                hidden.begin() + static_cast<std::ptrdiff_t>(at + needle.size()), true);
      any = true;
    }
  }
  if (!any) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!hidden[i]) {
      out += text[i];
    } else if (i == 0 || !hidden[i - 1]) {
      out += kRedacted;
    }
  }
  return out;
}

}  // namespace wharf::outbound
