// Integration health (SPEC §1.3 GET /api/v1/integrations, §2.6): per source and per provider,
// successes and failures over the last 24 hours in 5-minute buckets, and the times of the last
// success and the last failure. `healthy` under 1% errors over 24h, `degraded` under 10%, else
// `down`; no traffic is `healthy`. Counted in memory, per node: a restart starts from zero (the
// cluster issue moves it to shared storage). Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace wharf::observe {

enum class HealthStatus { kHealthy, kDegraded, kDown };
// "healthy", "degraded", "down".
std::string_view to_string(HealthStatus status);
// The status for an error rate in [0, 1] (SPEC §2.6).
HealthStatus status_for(double error_rate);

struct HealthSnapshot {
  std::string type;  // "source" or "provider"
  std::string name;
  HealthStatus status = HealthStatus::kHealthy;
  std::int64_t successes_24h = 0;
  std::int64_t failures_24h = 0;
  double error_rate_24h = 0.0;                  // failures / (successes + failures); 0 without any
  std::optional<std::int64_t> last_success_ms;  // Unix ms
  std::optional<std::int64_t> last_failure_ms;
  std::optional<std::string> last_error;  // the last failure's reason (never a secret)
};

class HealthTracker {
 public:
  // One integration's counts. Obtained once (at start-up) and kept: recording touches only it.
  // success() is on the ingest path: atomics only, except once per 5-minute bucket, when the
  // first outcome of a new bucket clears it under the mutex.
  class Entry {
   public:
    void success();
    // `reason` must be safe to show (no secret): a status, an error kind.
    void failure(std::string_view reason);

   private:
    friend class HealthTracker;
    explicit Entry(const Clock& clock) : clock_(clock) {}
    static constexpr std::int64_t kBucketMs = 5 * 60 * 1000;
    static constexpr std::size_t kBuckets = 24 * 12;  // 24 hours
    struct Bucket {
      std::atomic<std::int64_t> index{-1};  // now_ms / kBucketMs of the counts; stale when old
      std::atomic<std::int64_t> successes{0};
      std::atomic<std::int64_t> failures{0};
    };
    // The bucket of `now_ms`, cleared first when it still holds an older one.
    Bucket& bucket(std::int64_t now_ms);

    const Clock& clock_;
    mutable std::mutex mu_;  // clears buckets; guards last_error_
    std::array<Bucket, kBuckets> buckets_{};
    std::atomic<std::int64_t> last_success_ms_{0};  // 0: never
    std::atomic<std::int64_t> last_failure_ms_{0};
    std::optional<std::string> last_error_;  // guarded by mu_
  };

  explicit HealthTracker(const Clock& clock = SystemClock::instance()) : clock_(clock) {}

  // The entry of (type, name), made on first use; the reference stays valid for the tracker's
  // life. Register every configured integration at start-up so it is listed before any traffic.
  Entry& entry(std::string_view type, std::string_view name);

  // Every entry, sorted by type then name.
  std::vector<HealthSnapshot> snapshot() const;

 private:
  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Entry>> entries_;  // guarded
};

}  // namespace wharf::observe
