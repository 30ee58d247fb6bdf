#include "core/lease_lock.h"

namespace wharf {

Result<bool> LocalLeaseLock::try_acquire(std::string_view key, std::string_view owner,
                                         std::chrono::milliseconds ttl) {
  const std::int64_t now = clock_.now_ms();
  std::lock_guard lock(mu_);
  // An expired lease is taken over; a released one is erased.
  auto it = leases_.find(key);
  if (it != leases_.end() && it->second.owner != owner && it->second.until_ms > now) return false;
  leases_.insert_or_assign(std::string(key), Lease{std::string(owner), now + ttl.count()});
  return true;
}

Result<void> LocalLeaseLock::release(std::string_view key, std::string_view owner) {
  std::lock_guard lock(mu_);
  auto it = leases_.find(key);
  if (it != leases_.end() && it->second.owner == owner) leases_.erase(it);
  return {};
}

}  // namespace wharf
