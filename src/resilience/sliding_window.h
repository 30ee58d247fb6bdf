// The outcome record behind a CircuitBreaker: how many of the recent calls failed and how many
// were slow, over either the last N calls (a ring buffer) or the last N seconds (one bucket per
// second, like resilience4j's SlidingTimeWindowMetrics). O(1) per recorded call, memory O(N).
// Not thread-safe: the CircuitBreaker that owns it serialises access.
#pragma once

#include <cstdint>
#include <vector>

namespace wharf::resilience {

// Counts over a window. `slow` counts slow calls whether they failed or not.
struct WindowTotals {
  std::int64_t calls = 0;
  std::int64_t failures = 0;
  std::int64_t slow = 0;

  // Percentages in [0, 100]; 0 when there are no calls.
  double failure_rate() const;
  double slow_rate() const;
};

struct CallOutcome {
  bool failed = false;
  bool slow = false;
};

class SlidingWindow {
 public:
  enum class Type { kCountBased, kTimeBased };

  // kCountBased: the last `size` calls; kTimeBased: the calls of the last `size` seconds,
  // the current (partial) second included. `size` >= 1 (asserted).
  SlidingWindow(Type type, int size);

  // Records one call made at `now_s` (Unix seconds; ignored by count-based windows) and returns
  // the totals including it. A time-based window treats a `now_s` earlier than the latest one it
  // has seen (the wall clock stepped back) as that latest second, so it never un-forgets.
  WindowTotals record(CallOutcome outcome, std::int64_t now_s);

  // The totals as of `now_s`, without recording anything.
  WindowTotals totals(std::int64_t now_s) const;

  void clear();
  Type type() const { return type_; }
  int size() const { return static_cast<int>(buckets_.size()); }

 private:
  struct Bucket {
    std::int64_t second = 0;  // time-based only: the Unix second this bucket counts
    WindowTotals totals;
  };

  void add(Bucket& bucket, CallOutcome outcome);
  void subtract(const WindowTotals& gone);
  // Time-based: empties the buckets of seconds that have left the window by `now_s`.
  void advance_to(std::int64_t now_s);

  Type type_;
  std::vector<Bucket> buckets_;
  WindowTotals totals_;        // sum over buckets_
  std::size_t next_ = 0;       // count-based: the slot the next call overwrites
  std::int64_t latest_s_ = 0;  // time-based: the latest second recorded (0 before the first)
};

}  // namespace wharf::resilience
