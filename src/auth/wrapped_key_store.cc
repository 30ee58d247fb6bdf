#include "auth/wrapped_key_store.h"

namespace wharf::auth {

Result<std::vector<WrappedKey>> InMemoryWrappedKeyStore::list() {
  std::lock_guard lock(mu_);
  if (fail_lists_) return make_error(Errc::kUnavailable, "wrapped key store unavailable");
  return keys_;
}

Result<void> InMemoryWrappedKeyStore::put(const WrappedKey& key) {
  std::lock_guard lock(mu_);
  if (fail_puts_) return make_error(Errc::kUnavailable, "wrapped key store unavailable");
  for (auto& k : keys_) {
    if (k.id == key.id) {
      k = key;
      return {};
    }
  }
  keys_.push_back(key);
  return {};
}

void InMemoryWrappedKeyStore::fail_lists(bool fail) {
  std::lock_guard lock(mu_);
  fail_lists_ = fail;
}

void InMemoryWrappedKeyStore::fail_puts(bool fail) {
  std::lock_guard lock(mu_);
  fail_puts_ = fail;
}

}  // namespace wharf::auth
