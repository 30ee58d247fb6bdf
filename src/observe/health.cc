#include "observe/health.h"

namespace wharf::observe {

std::string_view to_string(HealthStatus status) {
  switch (status) {
    case HealthStatus::kHealthy:
      return "healthy";
    case HealthStatus::kDegraded:
      return "degraded";
    case HealthStatus::kDown:
      return "down";
  }
  return "down";
}

HealthStatus status_for(double error_rate) {
  if (error_rate < 0.01) return HealthStatus::kHealthy;
  if (error_rate < 0.10) return HealthStatus::kDegraded;
  return HealthStatus::kDown;
}

HealthTracker::Entry::Bucket& HealthTracker::Entry::bucket_locked(std::int64_t now_ms) {
  const std::int64_t index = now_ms / kBucketMs;
  Bucket& b = buckets_[static_cast<std::size_t>(index % static_cast<std::int64_t>(kBuckets))];
  if (b.index != index) b = Bucket{.index = index, .successes = 0, .failures = 0};
  return b;
}

void HealthTracker::Entry::success() {
  const std::int64_t now = clock_.now_ms();
  std::lock_guard lock(mu_);
  ++bucket_locked(now).successes;
  last_success_ms_ = now;
}

void HealthTracker::Entry::failure(std::string_view reason) {
  const std::int64_t now = clock_.now_ms();
  std::lock_guard lock(mu_);
  ++bucket_locked(now).failures;
  last_failure_ms_ = now;
  last_error_ = std::string(reason.substr(0, 300));
}

HealthTracker::Entry& HealthTracker::entry(std::string_view type, std::string_view name) {
  std::lock_guard lock(mu_);
  auto key = std::make_pair(std::string(type), std::string(name));
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    it = entries_.emplace(std::move(key), std::unique_ptr<Entry>(new Entry(clock_))).first;
  }
  return *it->second;
}

std::vector<HealthSnapshot> HealthTracker::snapshot() const {
  const std::int64_t now = clock_.now_ms();
  const std::int64_t current = now / Entry::kBucketMs;
  std::vector<HealthSnapshot> out;
  std::lock_guard lock(mu_);
  for (const auto& [key, e] : entries_) {
    HealthSnapshot s;
    s.type = key.first;
    s.name = key.second;
    std::lock_guard entry_lock(e->mu_);
    for (const auto& b : e->buckets_) {
      // The 288 buckets ending with the current one: 24 hours (the oldest partly).
      if (b.index < 0 || b.index > current ||
          b.index <= current - static_cast<std::int64_t>(Entry::kBuckets)) {
        continue;
      }
      s.successes_24h += b.successes;
      s.failures_24h += b.failures;
    }
    const std::int64_t total = s.successes_24h + s.failures_24h;
    s.error_rate_24h = total ? static_cast<double>(s.failures_24h) / static_cast<double>(total) : 0;
    s.status = status_for(s.error_rate_24h);
    s.last_success_ms = e->last_success_ms_;
    s.last_failure_ms = e->last_failure_ms_;
    s.last_error = e->last_error_;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace wharf::observe
