// Byte-string encodings used by signature schemes: hex and base64 (standard and URL-safe).
// Pure functions, thread-safe. Decoders are strict and return nullopt on any malformed input.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wharf::encoding {

std::string hex_encode(std::string_view bytes);                // lowercase
std::optional<std::string> hex_decode(std::string_view text);  // either case
std::string base64_encode(std::string_view bytes);             // standard alphabet, padded
// Accepts the standard alphabet, with or without padding.
std::optional<std::string> base64_decode(std::string_view text);
// The base64 after `prefix` (Standard Webhooks keys: "whsec_...", "whpk_..."), decoded; nullopt
// when the prefix is missing, the base64 is malformed, or it decodes to nothing.
std::optional<std::string> prefixed_base64_decode(std::string_view text, std::string_view prefix);

// `s` without leading and trailing optional whitespace (spaces and tabs, RFC 9110 OWS).
std::string_view trim_ows(std::string_view s);

// ASCII case-insensitive equality, the way HTTP header and parameter names compare.
bool ascii_iequals(std::string_view a, std::string_view b);

// `text` as a non-negative decimal integer: ASCII digits only (no sign, space or other), at most
// `max_digits` of them (at most 18, so the value fits in 64 bits); nullopt otherwise.
std::optional<std::int64_t> parse_digits(std::string_view text, std::size_t max_digits = 18);
std::string base64url_encode(std::string_view bytes);  // URL-safe alphabet, no padding
std::optional<std::string> base64url_decode(std::string_view text);  // padding optional
// application/x-www-form-urlencoded / percent decoding ('+' is a space); nullopt on bad escapes.
std::optional<std::string> form_url_decode(std::string_view text);
std::string url_encode(std::string_view text);  // RFC 3986 unreserved characters kept
// application/x-www-form-urlencoded (the WHATWG URL serializer, RFC 6749 Appendix B): ALPHA,
// DIGIT, '-', '.', '_' and '*' kept, space as '+', every other byte as %XX.
std::string form_urlencode(std::string_view text);
// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view text);
// `text` with every byte that does not start a well-formed sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

}  // namespace wharf::encoding
