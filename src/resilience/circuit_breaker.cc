#include "resilience/circuit_breaker.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace wharf::resilience {

using std::chrono::milliseconds;

std::int64_t gauge_value(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return 0;
    case BreakerState::kHalfOpen:
      return 1;
    case BreakerState::kOpen:
      return 2;
  }
  return 0;
}

std::string_view to_string(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

namespace {

int effective_minimum_calls(const BreakerPolicy& p) {
  if (p.window_type == SlidingWindow::Type::kCountBased) {
    return std::min(p.minimum_calls, p.window_size);
  }
  return p.minimum_calls;
}

}  // namespace

CircuitBreaker::CircuitBreaker(BreakerPolicy policy, const Clock& clock, Listener listener)
    : policy_(policy),
      minimum_calls_(effective_minimum_calls(policy)),
      clock_(clock),
      listener_(std::move(listener)),
      state_since_ms_(clock.now_ms()),
      window_(policy.window_type, policy.window_size) {
  assert(is_valid(policy_));
}

bool CircuitBreaker::over_threshold(const WindowTotals& totals) const {
  return totals.failure_rate() >= policy_.failure_rate_threshold ||
         totals.slow_rate() >= policy_.slow_call_rate_threshold;
}

void CircuitBreaker::transition_locked(BreakerState to, std::int64_t now_ms) {
  const BreakerState from = state_;
  if (to == BreakerState::kOpen) {
    opened_with_ = from == BreakerState::kHalfOpen ? probes_ : window_.totals(now_ms / 1000);
  }
  if (to == BreakerState::kClosed) window_.clear();
  probes_permitted_ = 0;
  probes_ = {};
  state_ = to;
  state_since_ms_ = now_ms;
  ++epoch_;  // outstanding permits belong to the old state
  if (listener_ && from != to) undelivered_.push_back(Transition{from, to});
}

void CircuitBreaker::reopen_if_half_open_too_long_locked(std::int64_t now_ms) {
  if (state_ == BreakerState::kHalfOpen && policy_.max_wait_in_half_open.count() > 0 &&
      now_ms >= state_since_ms_ + policy_.max_wait_in_half_open.count()) {
    transition_locked(BreakerState::kOpen, now_ms);
  }
}

CircuitBreaker::Permit CircuitBreaker::try_acquire() {
  Permit permit;
  {
    std::lock_guard lock(mutex_);
    const std::int64_t now = clock_.now_ms();
    if (state_ == BreakerState::kOpen && now >= state_since_ms_ + policy_.wait_in_open.count()) {
      transition_locked(BreakerState::kHalfOpen, now);
    }
    reopen_if_half_open_too_long_locked(now);
    switch (state_) {
      case BreakerState::kClosed:
        permit.granted_ = true;
        break;
      case BreakerState::kHalfOpen:
        if (probes_permitted_ < policy_.permitted_calls_in_half_open) {
          ++probes_permitted_;
          permit.granted_ = true;
        }
        break;
      case BreakerState::kOpen:
        break;
    }
    if (permit.granted_) {
      permit.epoch_ = epoch_;
    } else {
      ++not_permitted_;
    }
  }
  notify();
  return permit;
}

void CircuitBreaker::on_success(const Permit& permit, milliseconds duration) {
  record(permit, duration, false);
}

void CircuitBreaker::on_failure(const Permit& permit, milliseconds duration) {
  record(permit, duration, true);
}

void CircuitBreaker::record(const Permit& permit, milliseconds duration, bool failed) {
  assert(permit.granted_);  // reporting an outcome for a refused call is a caller bug
  const CallOutcome outcome{.failed = failed, .slow = duration > policy_.slow_call_duration};
  {
    std::lock_guard lock(mutex_);
    const std::int64_t now = clock_.now_ms();
    // A probe that completes after the half-open deadline is too late to count: the breaker is
    // open as of that deadline, whether or not anyone has looked since.
    reopen_if_half_open_too_long_locked(now);
    if (!permit.granted_ || permit.epoch_ != epoch_) return;
    if (state_ == BreakerState::kClosed) {
      WindowTotals totals = window_.record(outcome, now / 1000);
      if (totals.calls >= minimum_calls_ && over_threshold(totals)) {
        transition_locked(BreakerState::kOpen, now);
      }
    } else if (state_ == BreakerState::kHalfOpen) {
      probes_.calls += 1;
      probes_.failures += outcome.failed ? 1 : 0;
      probes_.slow += outcome.slow ? 1 : 0;
      if (probes_.calls >= policy_.permitted_calls_in_half_open) {
        transition_locked(over_threshold(probes_) ? BreakerState::kOpen : BreakerState::kClosed,
                          now);
      }
    }
    // OPEN: the epoch changed when it opened, so no permit of this epoch exists.
  }
  notify();
}

void CircuitBreaker::on_ignored(const Permit& permit) {
  {
    std::lock_guard lock(mutex_);
    reopen_if_half_open_too_long_locked(clock_.now_ms());
    if (permit.granted_ && permit.epoch_ == epoch_ && state_ == BreakerState::kHalfOpen &&
        probes_permitted_ > probes_.calls) {
      --probes_permitted_;
    }
  }
  notify();
}

BreakerState CircuitBreaker::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

std::int64_t CircuitBreaker::open_until_ms() const {
  std::lock_guard lock(mutex_);
  if (state_ != BreakerState::kOpen) return 0;
  return state_since_ms_ + policy_.wait_in_open.count();
}

BreakerSnapshot CircuitBreaker::snapshot() const {
  std::lock_guard lock(mutex_);
  BreakerSnapshot s;
  s.state = state_;
  s.not_permitted_calls = not_permitted_;
  WindowTotals totals;
  bool evaluable = false;
  switch (state_) {
    case BreakerState::kClosed:
      totals = window_.totals(clock_.now_ms() / 1000);
      evaluable = totals.calls >= minimum_calls_;
      break;
    case BreakerState::kHalfOpen:
      totals = probes_;
      evaluable = totals.calls >= policy_.permitted_calls_in_half_open;
      break;
    case BreakerState::kOpen:
      totals = opened_with_;
      evaluable = totals.calls > 0;
      s.open_until_ms = state_since_ms_ + policy_.wait_in_open.count();
      break;
  }
  s.buffered_calls = totals.calls;
  s.failed_calls = totals.failures;
  s.slow_calls = totals.slow;
  if (evaluable) {
    s.failure_rate = totals.failure_rate();
    s.slow_call_rate = totals.slow_rate();
  }
  return s;
}

void CircuitBreaker::reset() {
  {
    std::lock_guard lock(mutex_);
    transition_locked(BreakerState::kClosed, clock_.now_ms());
  }
  notify();
}

void CircuitBreaker::notify() {
  if (!listener_) return;
  std::unique_lock lock(mutex_);
  // One thread at a time delivers, taking the queue in order: two threads each calling the
  // listener for their own transition could invert them.
  if (delivering_) return;
  delivering_ = true;
  while (!undelivered_.empty()) {
    const Transition t = undelivered_.front();
    undelivered_.pop_front();
    lock.unlock();
    listener_(t.from, t.to);
    lock.lock();
  }
  delivering_ = false;
}

}  // namespace wharf::resilience
