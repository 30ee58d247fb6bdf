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

HealthTracker::Entry::Bucket& HealthTracker::Entry::bucket(std::int64_t now_ms) {
  const std::int64_t index = now_ms / kBucketMs;
  Bucket& b = buckets_[static_cast<std::size_t>(index % static_cast<std::int64_t>(kBuckets))];
  if (b.index.load(std::memory_order_acquire) != index) {
    std::lock_guard lock(mu_);
    if (b.index.load(std::memory_order_relaxed) != index) {
      b.successes.store(0, std::memory_order_relaxed);
      b.failures.store(0, std::memory_order_relaxed);
      b.index.store(index, std::memory_order_release);
    }
  }
  return b;
}

void HealthTracker::Entry::success() {
  const std::int64_t now = clock_.now_ms();
  bucket(now).successes.fetch_add(1, std::memory_order_relaxed);
  last_success_ms_.store(now, std::memory_order_relaxed);
}

void HealthTracker::Entry::failure(std::string_view reason) {
  const std::int64_t now = clock_.now_ms();
  bucket(now).failures.fetch_add(1, std::memory_order_relaxed);
  last_failure_ms_.store(now, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
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
    for (const auto& b : e->buckets_) {
      // The 288 buckets ending with the current one: 24 hours (the oldest partly).
      const std::int64_t index = b.index.load(std::memory_order_acquire);
      if (index < 0 || index > current ||
          index <= current - static_cast<std::int64_t>(Entry::kBuckets)) {
        continue;
      }
      s.successes_24h += b.successes.load(std::memory_order_relaxed);
      s.failures_24h += b.failures.load(std::memory_order_relaxed);
    }
    const std::int64_t total = s.successes_24h + s.failures_24h;
    s.error_rate_24h = total ? static_cast<double>(s.failures_24h) / static_cast<double>(total) : 0;
    s.status = status_for(s.error_rate_24h);
    auto time_or_none = [](const std::atomic<std::int64_t>& ms) -> std::optional<std::int64_t> {
      const std::int64_t v = ms.load(std::memory_order_relaxed);
      if (v == 0) return std::nullopt;
      return v;
    };
    s.last_success_ms = time_or_none(e->last_success_ms_);
    s.last_failure_ms = time_or_none(e->last_failure_ms_);
    std::lock_guard entry_lock(e->mu_);
    s.last_error = e->last_error_;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace wharf::observe
