// The vault's data keys (DEKs) in the clear, in memory only, and their wrapping under master
// keys. A DEK is 32 random bytes that encrypts secrets (AES-256-GCM); on storage it exists only
// wrapped under the current master key, with associated data binding the DEK's id and
// generation and the master key's id, so a wrapped key cannot be renamed, re-dated, or
// attributed to another master key without failing to unwrap.
// Not thread-safe: the Vault guards its ring.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "auth/master_key.h"
#include "auth/wrapped_key_store.h"
#include "core/error.h"

namespace wharf::auth {

struct DataKey {
  DataKey(std::string id, std::uint64_t generation, std::string bytes)
      : id(std::move(id)), generation(generation), bytes(std::move(bytes)) {}
  DataKey(const DataKey&) = default;
  DataKey& operator=(const DataKey&) = default;
  DataKey(DataKey&&) noexcept = default;
  DataKey& operator=(DataKey&&) noexcept = default;
  ~DataKey();  // wipes the key bytes

  std::string id;  // "dk" + 16 lowercase hex digits
  std::uint64_t generation = 0;
  std::string bytes;  // 32 bytes: secret
};

// True when `id` has the form of a data key id ("dk" + 16 lowercase hex digits).
bool is_data_key_id(std::string_view id);

class KeyRing {
 public:
  explicit KeyRing(MasterKeySet masters) : masters_(std::move(masters)) {}

  // Unwraps `wrapped` with the configured master key it names and holds the result (replacing
  // a held key with the same id). Errors, each naming the data key and master key ids only:
  // kNotFound when that master key is not configured (the message lists the configured ids);
  // kUnauthenticated when it does not unwrap (corrupted, tampered, or a different key with a
  // colliding id); kInvalidArgument when the record is malformed.
  Result<void> add(const WrappedKey& wrapped);

  // A new random data key, one generation above the newest held, wrapped under the current
  // master key. Not held yet: the vault stores it first, then add()s it.
  WrappedKey generate() const;

  // `key` wrapped under the current master key.
  WrappedKey wrap(const DataKey& key) const;

  // The held key with `id`, or nullptr.
  const DataKey* find(std::string_view id) const;
  // The newest held key (highest generation, then highest id), or nullptr when none is held.
  const DataKey* current() const;
  // Every held key, oldest generation first.
  std::vector<const DataKey*> keys() const;
  std::size_t size() const { return keys_.size(); }

  const MasterKeySet& masters() const { return masters_; }
  void set_masters(MasterKeySet masters) { masters_ = std::move(masters); }

 private:
  MasterKeySet masters_;
  std::map<std::string, DataKey, std::less<>> keys_;  // by id
};

}  // namespace wharf::auth
