// PKCE (RFC 7636) for the authorization code flow: a fresh code verifier per authorization
// request, and its S256 code challenge. wharf always uses S256, never "plain" (RFC 9700 §2.1.1).
// Pure functions apart from the CSPRNG; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.h"

namespace wharf::oauth {

inline constexpr std::size_t kMinCodeVerifierLength = 43;   // RFC 7636 §4.1
inline constexpr std::size_t kMaxCodeVerifierLength = 128;  // RFC 7636 §4.1
inline constexpr std::size_t kDefaultCodeVerifierLength = 64;

// A code verifier of `length` characters drawn uniformly from the CSPRNG over the 64 characters
// A-Z a-z 0-9 '-' '_' (all unreserved, RFC 7636 §4.1; 6 bits of entropy each, so 384 bits at the
// default length). Error kInvalidArgument when `length` is outside [43, 128].
Result<std::string> make_code_verifier(std::size_t length = kDefaultCodeVerifierLength);

// True when `verifier` is 43 to 128 unreserved characters (ALPHA / DIGIT / "-" / "." / "_" / "~").
bool is_valid_code_verifier(std::string_view verifier);

// The S256 code challenge: BASE64URL(SHA256(ASCII(verifier))), without padding (RFC 7636 §4.2).
std::string s256_code_challenge(std::string_view verifier);

}  // namespace wharf::oauth
