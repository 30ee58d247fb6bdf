#include "outbound/retry_budget.h"

#include <cassert>
#include <cmath>

#include "core/clock.h"

namespace wharf::outbound {

RetryBudget::RetryBudget(double percent, int min_retries_per_second, const Clock& clock)
    : percent_(percent), min_retries_per_second_(min_retries_per_second), clock_(clock) {
  assert(percent >= 0.0 && percent <= 100.0);
  assert(min_retries_per_second >= 0);
}

RetryBudget::Bucket& RetryBudget::current() {
  const std::int64_t now_s = clock_.now_s();
  Bucket& b = buckets_[static_cast<std::size_t>(now_s % kWindowSeconds)];
  if (b.second != now_s) b = Bucket{.second = now_s};
  return b;
}

std::int64_t RetryBudget::remaining_locked(std::int64_t now_s) const {
  std::int64_t calls = 0;
  std::int64_t retries = 0;
  for (const Bucket& b : buckets_) {
    if (b.second > now_s - kWindowSeconds && b.second <= now_s) {
      calls += b.calls;
      retries += b.retries;
    }
  }
  // floor: 20% of 4 calls is no retry yet, not a rounded-up one.
  const auto share =
      static_cast<std::int64_t>(std::floor(static_cast<double>(calls) * percent_ / 100.0));
  return share + std::int64_t{min_retries_per_second_} * kWindowSeconds - retries;
}

void RetryBudget::record_call() {
  std::lock_guard lock(mutex_);
  ++current().calls;
}

bool RetryBudget::try_acquire_retry() {
  std::lock_guard lock(mutex_);
  Bucket& b = current();
  if (remaining_locked(b.second) < 1) return false;
  ++b.retries;
  return true;
}

std::int64_t RetryBudget::remaining() const {
  std::lock_guard lock(mutex_);
  return remaining_locked(clock_.now_s());
}

}  // namespace wharf::outbound
