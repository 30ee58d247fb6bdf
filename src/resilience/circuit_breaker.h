// A circuit breaker with resilience4j's semantics, one per forward destination (webhook
// dispatcher) and per provider (outbound pipeline): it watches the outcomes of recent calls and,
// when too many fail or are slow, refuses calls for a while so that a struggling peer is not
// hammered, then lets a few probe calls through to decide whether it has recovered.
//
//   CLOSED     calls pass; each outcome goes into a sliding window (the last N calls, or the
//              last N seconds). Once the window holds minimum_calls outcomes, a failure rate or
//              slow-call rate at or above its threshold opens the breaker.
//   OPEN       calls are refused (and counted) for wait_in_open. The first try_acquire after that
//              half-opens the breaker; there is no timer thread.
//   HALF_OPEN  exactly permitted_calls_in_half_open calls are let through. When all of them have
//              completed, their rates decide: at or above a threshold → OPEN again, otherwise
//              CLOSED with an empty window. With max_wait_in_half_open > 0, a half-open period
//              that lasts longer reopens the breaker (checked lazily, like wait_in_open).
//
// Each permitted call carries a Permit whose outcome must be reported exactly once: on_success,
// on_failure, or on_ignored for a call that was neither (cancelled, shut down). An unreported
// half-open permit holds its probe slot until max_wait_in_half_open (forever when 0). A Permit
// from before a state change is stale: its outcome is dropped, so a slow call that started while
// CLOSED can neither count as a probe nor free a probe slot.
//
// Thread-safe: every method may be called from any thread; one mutex guards the state (a few
// integer updates per call). Time comes from the injected Clock, which must outlive the breaker.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>

#include "core/clock.h"
#include "resilience/breaker_policy.h"
#include "resilience/sliding_window.h"

namespace wharf::resilience {

enum class BreakerState { kClosed, kOpen, kHalfOpen };

// "closed", "open", "half_open" (for logs, metrics labels and the status page).
std::string_view to_string(BreakerState state);
// A state as the breaker gauges show it, ordered by severity: 0 closed, 1 half-open, 2 open.
std::int64_t gauge_value(BreakerState state);

// What a metrics exporter or the status page shows.
struct BreakerSnapshot {
  BreakerState state = BreakerState::kClosed;
  // Percentages over the window (CLOSED), the completed probes (HALF_OPEN), or the window as it
  // was when the breaker opened (OPEN); nullopt while there are fewer calls than it takes to
  // evaluate (minimum_calls, or every probe).
  std::optional<double> failure_rate;
  std::optional<double> slow_call_rate;
  std::int64_t buffered_calls = 0;  // the calls those rates are over
  std::int64_t failed_calls = 0;
  std::int64_t slow_calls = 0;
  std::int64_t not_permitted_calls = 0;  // refused since construction; only grows
  std::int64_t open_until_ms = 0;        // as open_until_ms()
};

class CircuitBreaker {
 public:
  // Called after each state change, outside the breaker's lock, in the order the changes
  // happened. Not necessarily on the thread that caused the change: when another thread is
  // already delivering, it delivers this one too. May call the breaker back. Must not throw.
  using Listener = std::function<void(BreakerState from, BreakerState to)>;

  // What try_acquire answered; to hand back with the call's outcome. Copyable and tiny.
  class Permit {
   public:
    bool granted() const { return granted_; }
    explicit operator bool() const { return granted_; }

   private:
    friend class CircuitBreaker;
    std::uint64_t epoch_ = 0;
    bool granted_ = false;
  };

  // `policy` must satisfy is_valid (asserted).
  CircuitBreaker(BreakerPolicy policy, const Clock& clock, Listener listener = {});
  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  // Whether a call may go ahead now. Half-opens an OPEN breaker whose wait is over, and reopens
  // a HALF_OPEN one past max_wait_in_half_open. A refusal is counted (not_permitted_calls) and
  // needs no outcome.
  Permit try_acquire();

  // The outcome of a call granted by this breaker, and how long it took; report each permit
  // once. A refused or stale permit is ignored.
  void on_success(const Permit& permit, std::chrono::milliseconds duration);
  void on_failure(const Permit& permit, std::chrono::milliseconds duration);
  // For a granted call that neither succeeded nor failed: gives back its half-open probe slot.
  void on_ignored(const Permit& permit);

  // The current state. Transitions that are due only by time (OPEN past wait_in_open, HALF_OPEN
  // past max_wait_in_half_open) happen on the next call that changes something, so this may
  // still say OPEN when open_until_ms() has passed.
  BreakerState state() const;
  // While OPEN, the Unix ms from which try_acquire lets a probe through; a scheduler can sleep
  // until then. 0 in CLOSED and HALF_OPEN: there is no time to wait for (a half-open breaker
  // with every probe slot taken frees them as the probes complete).
  std::int64_t open_until_ms() const;
  BreakerSnapshot snapshot() const;
  const BreakerPolicy& policy() const { return policy_; }

  // Back to CLOSED with an empty window; outstanding permits become stale. not_permitted_calls
  // is kept (it is a counter).
  void reset();

 private:
  struct Transition {
    BreakerState from;
    BreakerState to;
  };

  void record(const Permit& permit, std::chrono::milliseconds duration, bool failed);
  // The caller holds mutex_. Queues the change for the listener.
  void transition_locked(BreakerState to, std::int64_t now_ms);
  // The caller holds mutex_. max_wait_in_half_open, applied lazily like wait_in_open.
  void reopen_if_half_open_too_long_locked(std::int64_t now_ms);
  bool over_threshold(const WindowTotals& totals) const;
  // Delivers queued transitions to the listener; call without holding mutex_.
  void notify();

  const BreakerPolicy policy_;
  const int minimum_calls_;  // policy_.minimum_calls, capped for count-based windows
  const Clock& clock_;
  const Listener listener_;

  mutable std::mutex mutex_;
  BreakerState state_ = BreakerState::kClosed;  // guarded by mutex_
  std::uint64_t epoch_ = 1;                     // guarded by mutex_; +1 per transition
  std::int64_t state_since_ms_ = 0;             // guarded by mutex_
  SlidingWindow window_;                        // guarded by mutex_; CLOSED outcomes
  WindowTotals opened_with_;                    // guarded by mutex_; the window when it opened
  int probes_permitted_ = 0;                    // guarded by mutex_; HALF_OPEN only
  WindowTotals probes_;                         // guarded by mutex_; completed probes
  std::int64_t not_permitted_ = 0;              // guarded by mutex_
  std::deque<Transition> undelivered_;          // guarded by mutex_
  bool delivering_ = false;                     // guarded by mutex_
};

}  // namespace wharf::resilience
