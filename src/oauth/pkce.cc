#include "oauth/pkce.h"

#include "core/crypto.h"
#include "core/encoding.h"

namespace wharf::oauth {

Result<std::string> make_code_verifier(std::size_t length) {
  if (length < kMinCodeVerifierLength || length > kMaxCodeVerifierLength) {
    return make_error(Errc::kInvalidArgument, "a PKCE code verifier has 43 to 128 characters");
  }
  // 64 symbols: each random byte's low 6 bits pick one uniformly, without modulo bias.
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string verifier = crypto::random_bytes(length);
  for (char& c : verifier) c = kAlphabet[static_cast<unsigned char>(c) & 63];
  return verifier;
}

bool is_valid_code_verifier(std::string_view verifier) {
  if (verifier.size() < kMinCodeVerifierLength || verifier.size() > kMaxCodeVerifierLength) {
    return false;
  }
  for (char c : verifier) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (!unreserved) return false;
  }
  return true;
}

std::string s256_code_challenge(std::string_view verifier) {
  return encoding::base64url_encode(crypto::sha256(verifier));
}

}  // namespace wharf::oauth
