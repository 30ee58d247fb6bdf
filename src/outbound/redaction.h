// What the outbound request log (and any log or error that quotes an upstream) may show of a
// request: URLs, headers and free text with their secrets replaced by `REDACTED` (SPEC §2.2,
// §2.6). Pure functions, thread-safe. The secrets to hide come from the provider's
// CredentialsPolicy (secret_values, secret_query_names, secret_header_names); well-known secret
// names are hidden whatever the policy says.
//
// A log line of a request is built as redact_secrets(redact_url(url, names), values), so that a
// configured secret is hidden even where no name points at it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "outbound/http_types.h"

namespace wharf::outbound {

inline constexpr std::string_view kRedacted = "REDACTED";

// Query parameter names whose values are always hidden (compared ASCII case-insensitively, after
// percent-decoding): api_key, apikey, key, token, access_token, secret, signature, sig, password,
// client_secret, code.
const std::vector<std::string_view>& well_known_secret_query_names();

// `url` as the log may show it: `scheme://host[:port]/path?query`, without user info (user and
// password) or fragment, and with the value of every query parameter named in
// `secret_query_names` or well known (see above) replaced by REDACTED, every occurrence of it.
// Names are compared ASCII case-insensitively after percent-decoding; other parameters are kept
// as written. A string without "://" is treated as a path and query.
std::string redact_url(std::string_view url, const std::vector<std::string>& secret_query_names);

// Headers whose values are always hidden (ASCII case-insensitive): Authorization,
// Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key.
const std::vector<std::string_view>& well_known_secret_headers();

// `headers` in the same order, with the value of every well-known secret header and of every
// header named in `secret_header_names` (ASCII case-insensitive) replaced by REDACTED.
HeaderList redact_headers(const HeaderList& headers,
                          const std::vector<std::string>& secret_header_names = {});

// Secrets shorter than this are not searched for in free text: they would hide innocent words.
inline constexpr std::size_t kMinRedactedSecretSize = 4;

// `text` with every occurrence of each secret of at least kMinRedactedSecretSize bytes, as is or
// URL-encoded, replaced by REDACTED. Occurrences that overlap or touch (of one secret or of
// several) are hidden together as a single REDACTED, so no fragment of a secret survives.
std::string redact_secrets(std::string_view text, const std::vector<std::string>& secrets);

}  // namespace wharf::outbound
