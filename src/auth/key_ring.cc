#include "auth/key_ring.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "core/crypto.h"
#include "core/encoding.h"

namespace wharf::auth {
namespace {

// Binds a wrapped key to its identity: moving the wrapped bytes to another id or generation, or
// relabelling the master key that wrapped them, makes unwrapping fail.
std::string wrap_aad(std::string_view id, std::uint64_t generation, std::string_view master_id) {
  std::string aad = "wharf/vault/dek/v1\n";
  aad += id;
  aad += '\n';
  aad += std::to_string(generation);
  aad += '\n';
  aad += master_id;
  return aad;
}

}  // namespace

DataKey::~DataKey() {
  if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
}

bool is_data_key_id(std::string_view id) {
  if (id.size() != 18 || id.substr(0, 2) != "dk") return false;
  return std::all_of(id.begin() + 2, id.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<void> KeyRing::add(const WrappedKey& wrapped) {
  if (!is_data_key_id(wrapped.id)) {
    return make_error(Errc::kInvalidArgument, "stored data key has a malformed id");
  }
  const MasterKey* master = masters_.find(wrapped.master_key_id);
  if (master == nullptr) {
    return make_error(
        Errc::kNotFound,
        "data key " + wrapped.id + " is wrapped by master key " + wrapped.master_key_id +
            ", which is not configured (configured: " + masters_.describe_ids() + ")");
  }
  auto bytes =
      crypto::aes256gcm_open(master->bytes(), wrapped.wrapped,
                             wrap_aad(wrapped.id, wrapped.generation, wrapped.master_key_id));
  if (!bytes) {
    return make_error(Errc::kUnauthenticated,
                      "data key " + wrapped.id + " does not unwrap under master key " +
                          wrapped.master_key_id + " (corrupted or tampered)");
  }
  if (bytes->size() != crypto::kAesGcmKeySize) {
    OPENSSL_cleanse(bytes->data(), bytes->size());
    return make_error(Errc::kInvalidArgument, "data key " + wrapped.id + " is not 32 bytes");
  }
  keys_.erase(wrapped.id);
  keys_.emplace(wrapped.id, DataKey(wrapped.id, wrapped.generation, std::move(*bytes)));
  return {};
}

WrappedKey KeyRing::generate() const {
  const DataKey* newest = current();
  DataKey key("dk" + encoding::hex_encode(crypto::random_bytes(8)),
              newest == nullptr ? 1 : newest->generation + 1,
              crypto::random_bytes(crypto::kAesGcmKeySize));
  return wrap(key);
}

WrappedKey KeyRing::wrap(const DataKey& key) const {
  const MasterKey& master = masters_.current();
  WrappedKey out;
  out.id = key.id;
  out.generation = key.generation;
  out.master_key_id = master.id();
  // Both sizes are fixed and valid here, so sealing cannot fail.
  out.wrapped = crypto::aes256gcm_seal(master.bytes(), key.bytes,
                                       wrap_aad(key.id, key.generation, master.id()))
                    .value();
  return out;
}

const DataKey* KeyRing::find(std::string_view id) const {
  auto it = keys_.find(id);
  return it == keys_.end() ? nullptr : &it->second;
}

const DataKey* KeyRing::current() const {
  const DataKey* best = nullptr;
  for (const auto& [id, key] : keys_) {
    if (best == nullptr || key.generation > best->generation ||
        (key.generation == best->generation && key.id > best->id)) {
      best = &key;
    }
  }
  return best;
}

std::vector<const DataKey*> KeyRing::keys() const {
  std::vector<const DataKey*> out;
  for (const auto& [id, key] : keys_) out.push_back(&key);
  std::sort(out.begin(), out.end(), [](const DataKey* a, const DataKey* b) {
    return a->generation != b->generation ? a->generation < b->generation : a->id < b->id;
  });
  return out;
}

}  // namespace wharf::auth
