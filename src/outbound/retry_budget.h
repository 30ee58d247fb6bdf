// A provider's retry budget (as in Finagle's RetryBudget and Envoy's retry_budget): retries are
// allowed only while they stay a fraction of the calls, so that an outage at the provider does not
// multiply our traffic to it by max_attempts just when it is least able to take it. Thread-safe:
// one RetryBudget is shared by every caller of one provider.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>

namespace wharf {
class Clock;
}  // namespace wharf

namespace wharf::outbound {

class RetryBudget {
 public:
  // The window the budget looks back over, in whole seconds. It slides in steps of 1 s: a call or
  // retry counts for between 9 and 10 s.
  static constexpr int kWindowSeconds = 10;

  // `percent` in [0, 100]: retries may be at most that share of the calls of the window, plus
  // `min_retries_per_second` × kWindowSeconds retries whatever the traffic (so that a provider we
  // call once a minute can still be retried). Both bounds are asserted. `clock` must outlive this.
  RetryBudget(double percent, int min_retries_per_second, const Clock& clock);

  // Counts one logical call (its first attempt; retries are not calls). Call it once per call.
  void record_call();

  // Takes one retry from the budget: returns true and counts it when the window's retries, this
  // one included, stay within percent% of its calls + the minimum; returns false (counting
  // nothing) when the budget is spent.
  bool try_acquire_retry();

  // Retries still allowed in the current window (for metrics and tests).
  // Negative when the window holds more retries than its calls now allow (old calls left it first).
  std::int64_t remaining() const;

 private:
  struct Bucket {
    std::int64_t second = 0;  // Unix second this bucket counts; stale when out of the window
    std::int64_t calls = 0;
    std::int64_t retries = 0;
  };

  // The bucket of the current second, reset if it held an older second. Requires mutex_.
  Bucket& current();
  // Retries allowed minus retries made in the window. Requires mutex_.
  std::int64_t remaining_locked(std::int64_t now_s) const;

  const double percent_;
  const int min_retries_per_second_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::array<Bucket, kWindowSeconds> buckets_{};  // guarded by mutex_; indexed by second % size
};

}  // namespace wharf::outbound
