// Master keys: the key-encryption keys of the vault (auth/vault.h). A master key is 32 random
// bytes, configured as base64 (from the environment or a file); it only ever wraps data keys.
// Its id, the first 8 bytes of SHA-256(key) in hex, is stored beside everything it wraps so a
// wrapped key names the master key it needs without revealing anything about it.
// Immutable after construction; safe to share between threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace wharf::auth {

class MasterKey {
 public:
  // `text` (surrounding whitespace ignored) as base64 of exactly 32 bytes. Errors
  // (kInvalidArgument) say what is wrong with the text and never contain it.
  static Result<MasterKey> from_base64(std::string_view text);
  // 32 fresh bytes from OpenSSL's CSPRNG (`wharf keys generate`).
  static MasterKey generate();

  MasterKey(const MasterKey&) = default;
  MasterKey& operator=(const MasterKey&) = default;
  MasterKey(MasterKey&&) noexcept = default;
  MasterKey& operator=(MasterKey&&) noexcept = default;
  ~MasterKey();  // wipes the key bytes

  // 16 lowercase hex digits; safe to log and store.
  const std::string& id() const { return id_; }
  // The raw 32 bytes, for the vault's wrapping only.
  std::string_view bytes() const { return key_; }
  // Standard padded base64 of the key: what `wharf keys generate` prints. Handle as a secret.
  std::string to_base64() const;

 private:
  explicit MasterKey(std::string key);
  std::string key_;
  std::string id_;
};

// The configured master keys, in order: the first is current (it wraps new and rewrapped data
// keys); the others still unwrap during a rotation. Never empty.
class MasterKeySet {
 public:
  // Error (kInvalidArgument) when `keys` is empty or holds the same key twice.
  static Result<MasterKeySet> create(std::vector<MasterKey> keys);
  // Each entry as from_base64; an error names the entry's position, never its text.
  static Result<MasterKeySet> from_base64_list(const std::vector<std::string>& texts);

  const MasterKey& current() const { return keys_.front(); }
  // The key with `id`, or nullptr.
  const MasterKey* find(std::string_view id) const;
  // "id1, id2, ..." for error messages.
  std::string describe_ids() const;
  // `key` first, then these keys without any copy of it: the set during a rotation to `key`.
  MasterKeySet with_current(MasterKey key) const;

 private:
  explicit MasterKeySet(std::vector<MasterKey> keys) : keys_(std::move(keys)) {}
  std::vector<MasterKey> keys_;
};

}  // namespace wharf::auth
