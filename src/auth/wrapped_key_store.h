// Where the vault keeps its data keys, wrapped: the only vault state that is persisted apart from
// the envelopes themselves. The SQLite implementation arrives when the vault is wired into the
// gateway; InMemoryWrappedKeyStore serves tests. Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.h"

namespace wharf::auth {

// A data key encrypted under a master key. Holds no secret in the clear: `wrapped` is
// nonce || ciphertext || tag (crypto::aes256gcm_seal) of the 32 key bytes, with associated data
// binding the data key's id and generation and the master key's id (key_ring.cc).
struct WrappedKey {
  std::string id;                // the data key's id, as named in envelopes ("dk" + 16 hex)
  std::uint64_t generation = 0;  // higher is newer; the highest is the current data key
  std::string master_key_id;     // the master key that wrapped it (MasterKey::id)
  std::string wrapped;           // binary
};

class WrappedKeyStore {
 public:
  virtual ~WrappedKeyStore() = default;
  // Every stored key, in no particular order; an error when the store cannot be read.
  virtual Result<std::vector<WrappedKey>> list() = 0;
  // Inserts `key`, or replaces the stored key with the same id (a rewrap). One key per call is
  // atomic; a rewrap of many keys is not, which is safe because both master keys stay
  // configured until the rotation completes (vault.h).
  virtual Result<void> put(const WrappedKey& key) = 0;
};

class InMemoryWrappedKeyStore final : public WrappedKeyStore {
 public:
  Result<std::vector<WrappedKey>> list() override;
  Result<void> put(const WrappedKey& key) override;

  // Test hooks: make the next calls fail with kUnavailable, as a broken database would.
  void fail_lists(bool fail);
  void fail_puts(bool fail);

 private:
  std::mutex mu_;
  std::vector<WrappedKey> keys_;
  bool fail_lists_ = false;
  bool fail_puts_ = false;
};

}  // namespace wharf::auth
