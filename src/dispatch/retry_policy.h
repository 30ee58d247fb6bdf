// When the dispatcher tries a failed delivery again, and when it gives up (the event goes to the
// DLQ): a schedule of delays (SPEC §1.2 `dispatch.retry_schedule`, per route overridable), jitter
// so that the events of one outage do not all come back at the same instant, and a destination's
// Retry-After. Pure apart from the injected randomness. A RetryPolicy is immutable; after_failure
// is thread-safe when its uniform01 source is (the default one is).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "core/uniform01.h"

namespace wharf {
class ConfigNode;
}  // namespace wharf

namespace wharf::dispatch {

// delays[i] is the wait after failed attempt i+1. When the attempt after the last delay fails too,
// the event goes to the DLQ, so there are at most delays.size() + 1 attempts.
struct RetrySchedule {
  std::vector<std::chrono::milliseconds> delays;

  std::size_t max_attempts() const { return delays.size() + 1; }
};

// SPEC's default: [5s, 30s, 2m, 10m, 30m, 1h, 2h, 4h], 9 attempts over about 7h40m.
RetrySchedule default_retry_schedule();

// Bounds read_retry_schedule enforces (and RetryPolicy asserts): more entries or longer delays
// are almost certainly typos, and keep the jitter arithmetic far from overflow.
inline constexpr std::size_t kMaxRetryScheduleEntries = 100;
inline constexpr std::chrono::milliseconds kMaxRetryScheduleDelay = std::chrono::days(30);

// Reads a schedule from a config list of durations (`retry_schedule: [5s, 30s, 2m]`): non-empty,
// at most kMaxRetryScheduleEntries, each > 0 and <= kMaxRetryScheduleDelay. Returns nullopt after
// recording every problem (with its line) through ConfigNode::error, including when `node` is
// absent: a caller with a fallback checks node.present() first.
std::optional<RetrySchedule> read_retry_schedule(const ConfigNode& node);

// The default is full jitter: each wait is drawn uniformly from [0, d], so a schedule entry is the
// longest wait after that attempt. Of the usual jitter strategies it spreads the retries of one
// outage most evenly (1000 events failing together come back spread over the whole step, not in
// a burst at its end). `dispatch.jitter: 0.2` narrows the draw to [0.8 d, d] for those who want
// to read the schedule back in the attempt log; `jitter: 0` turns it off.
inline constexpr double kDefaultRetryJitter = 1.0;

class RetryPolicy {
 public:
  using Uniform01 = wharf::Uniform01;  // a uniform draw from [0, 1]

  struct Decision {
    bool give_up = false;                // true: move the event to the DLQ
    std::chrono::milliseconds delay{0};  // wait before the next attempt; 0 when give_up
  };

  // `schedule` must satisfy read_retry_schedule's bounds and `jitter` lie in [0, 1] (asserted).
  // `uniform01` is the randomness, injected by tests; when empty, a PRNG seeded from the CSPRNG
  // (crypto::random_bytes), shared by the copies of this policy and guarded by a mutex.
  explicit RetryPolicy(RetrySchedule schedule, double jitter = kDefaultRetryJitter,
                       Uniform01 uniform01 = {});

  // After `attempts_made` (>= 1, asserted) attempts have all failed: give up when the schedule is
  // exhausted (attempts_made > delays.size()); otherwise wait delays[attempts_made - 1], jittered
  // down into [d * (1 - jitter), d] (uniform01() == 0 gives the low end, 1 gives d). A
  // destination's `retry_after` (see resilience::parse_retry_after) raises the wait to at least
  // that, capped at resilience::kMaxRetryAfter; it never shortens the schedule's wait and never
  // prevents giving up.
  Decision after_failure(int attempts_made,
                         std::optional<std::chrono::milliseconds> retry_after) const;

  const RetrySchedule& schedule() const { return schedule_; }
  double jitter() const { return jitter_; }

 private:
  RetrySchedule schedule_;
  double jitter_;
  Uniform01 uniform01_;
};

}  // namespace wharf::dispatch
