// A lock held by an owner token for a bounded time (a lease): what one-at-a-time work across
// processes needs, such as one OAuth refresh per connection in a cluster. try_acquire takes the
// lock for `owner` unless another owner holds an unexpired lease; release frees it only if
// `owner` still holds it, so a holder whose lease expired cannot free its successor's lock.
// LocalLeaseLock serves one process; cluster mode implements the interface on Redis
// (SET key owner NX PX ttl; release by compare-and-delete). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"

namespace wharf {

class LeaseLock {
 public:
  virtual ~LeaseLock() = default;
  // True when `owner` now holds `key` for `ttl` (also when it already held it: the lease is
  // extended); false when another owner holds it. kUnavailable when the lock service fails.
  virtual Result<bool> try_acquire(std::string_view key, std::string_view owner,
                                   std::chrono::milliseconds ttl) = 0;
  // Frees `key` if `owner` holds it; otherwise changes nothing.
  virtual Result<void> release(std::string_view key, std::string_view owner) = 0;
};

class LocalLeaseLock final : public LeaseLock {
 public:
  explicit LocalLeaseLock(const Clock& clock = SystemClock::instance()) : clock_(clock) {}
  Result<bool> try_acquire(std::string_view key, std::string_view owner,
                           std::chrono::milliseconds ttl) override;
  Result<void> release(std::string_view key, std::string_view owner) override;

 private:
  struct Lease {
    std::string owner;
    std::int64_t until_ms = 0;
  };
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Lease, std::less<>> leases_;  // guarded by mu_
};

}  // namespace wharf
