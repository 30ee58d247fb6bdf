// Cryptographic primitives, every one through OpenSSL 3 EVP: HMAC, SHA-2, ECDSA P-256 and Ed25519
// signatures, CSPRNG, constant-time comparison, AES-256-GCM authenticated encryption (the vault's
// cipher). Nothing here is hand-written crypto.
// Key objects are immutable after construction and safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace wharf::crypto {

enum class Digest { kSha1, kSha256, kSha512 };

// Raw (binary) digests.
std::string sha256(std::string_view data);

// Compares in time that depends only on the lengths, never on where the bytes differ.
bool constant_time_equal(std::string_view a, std::string_view b);

// `n` bytes from OpenSSL's CSPRNG.
std::string random_bytes(std::size_t n);

// ---- AES-256-GCM ----
// Sealed form: nonce (12 bytes) || ciphertext (as long as the plaintext) || tag (16 bytes).
inline constexpr std::size_t kAesGcmKeySize = 32;
inline constexpr std::size_t kAesGcmNonceSize = 12;
inline constexpr std::size_t kAesGcmTagSize = 16;

// Encrypts `plaintext` under `key` (32 bytes) with a fresh random 96-bit nonce, authenticating
// `aad` too. Error (kInvalidArgument) when the key is not 32 bytes; never carries key or data.
// Random nonces are safe for up to 2^32 seals per key (NIST SP 800-38D §8.3).
Result<std::string> aes256gcm_seal(std::string_view key, std::string_view plaintext,
                                   std::string_view aad);
// The plaintext of `sealed` (as made by aes256gcm_seal) when its tag verifies under `key` and
// `aad` (OpenSSL compares the tag in constant time). Errors: kInvalidArgument for a key that is
// not 32 bytes or input shorter than nonce + tag; kUnauthenticated when authentication fails
// (wrong key, wrong aad, any modified bit). Never returns unauthenticated plaintext.
Result<std::string> aes256gcm_open(std::string_view key, std::string_view sealed,
                                   std::string_view aad);

namespace internal {
// aes256gcm_seal with a caller-chosen nonce, for known-answer tests only: reusing a nonce under
// one key breaks GCM completely. Error when the key is not 32 bytes or the nonce not 12.
Result<std::string> aes256gcm_seal_with_nonce(std::string_view key, std::string_view nonce,
                                              std::string_view plaintext, std::string_view aad);
}  // namespace internal

// An HMAC key, prepared once (hot path: no per-call algorithm fetch or key schedule).
class HmacKey {
 public:
  HmacKey(Digest digest, std::string_view key);
  ~HmacKey();
  HmacKey(HmacKey&&) noexcept;
  HmacKey& operator=(HmacKey&&) noexcept;
  // Raw MAC of `data`. Thread-safe.
  std::string sign(std::string_view data) const;
  // MAC of the concatenation of the parts, without building it.
  std::string sign_parts(std::initializer_list<std::string_view> parts) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One-shot convenience (prepares a key each call: not for hot paths).
std::string hmac(Digest digest, std::string_view key, std::string_view data);

// A public key for signature verification.
class PublicKey {
 public:
  // DER SubjectPublicKeyInfo (what SendGrid shows, base64-decoded). Error when not an EC P-256
  // or Ed25519 key or malformed.
  static Result<PublicKey> from_spki_der(std::string_view der);
  // A raw 32-byte Ed25519 public key (Standard Webhooks `whpk_` keys, base64-decoded).
  static Result<PublicKey> ed25519_from_raw(std::string_view raw);

  // ECDSA P-256: `signature` is DER, the message is hashed with SHA-256.
  // Ed25519: `signature` is the raw 64 bytes over the message itself.
  bool verify(std::string_view message, std::string_view signature) const;

 private:
  std::shared_ptr<void> pkey_;  // EVP_PKEY
};

// A private key, for signing sample events (`wharf trigger`) and in tests.
class PrivateKey {
 public:
  static PrivateKey generate_p256();
  static PrivateKey generate_ed25519();
  static Result<PrivateKey> from_pem(std::string_view pem);
  static Result<PrivateKey> ed25519_from_seed(std::string_view seed32);

  std::string sign(std::string_view message) const;  // DER for ECDSA, raw 64 bytes for Ed25519
  std::string public_spki_der() const;
  std::string public_raw() const;  // Ed25519 only: the raw 32 bytes
  std::string to_pem() const;      // PKCS#8 PEM
  PublicKey public_key() const;

 private:
  std::shared_ptr<void> pkey_;  // EVP_PKEY
};

}  // namespace wharf::crypto
