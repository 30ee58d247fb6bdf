#include "resilience/circuit_breaker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>
#include <vector>

namespace wharf::resilience {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using State = BreakerState;

// Small numbers so each test reads as a story: open at 50% failures over the last 10 calls once 4
// have been seen, slow above 1s, 30s open, 3 probes.
BreakerPolicy small_policy() {
  BreakerPolicy p;
  p.failure_rate_threshold = 50;
  p.slow_call_rate_threshold = 100;
  p.slow_call_duration = 1s;
  p.window_type = SlidingWindow::Type::kCountBased;
  p.window_size = 10;
  p.minimum_calls = 4;
  p.wait_in_open = 30s;
  p.permitted_calls_in_half_open = 3;
  return p;
}

void succeed(CircuitBreaker& b, int n = 1, milliseconds d = 10ms) {
  for (int i = 0; i < n; ++i) {
    CircuitBreaker::Permit p = b.try_acquire();
    ASSERT_TRUE(p);
    b.on_success(p, d);
  }
}

void fail(CircuitBreaker& b, int n = 1, milliseconds d = 10ms) {
  for (int i = 0; i < n; ++i) {
    CircuitBreaker::Permit p = b.try_acquire();
    ASSERT_TRUE(p);
    b.on_failure(p, d);
  }
}

// Opens `b` (small_policy) with 4 failures and waits out the open period.
void open_then_wait(CircuitBreaker& b, FakeClock& clock) {
  fail(b, 4);
  ASSERT_EQ(b.state(), State::kOpen);
  clock.advance_ms(30'000);
}

TEST(CircuitBreaker, DefaultsAreResilience4jsAndValid) {
  BreakerPolicy p;
  EXPECT_EQ(p.failure_rate_threshold, 50.0);
  EXPECT_EQ(p.slow_call_rate_threshold, 100.0);
  EXPECT_EQ(p.slow_call_duration, 60s);
  EXPECT_EQ(p.window_type, SlidingWindow::Type::kCountBased);
  EXPECT_EQ(p.window_size, 100);
  EXPECT_EQ(p.minimum_calls, 100);
  EXPECT_EQ(p.wait_in_open, 60s);
  EXPECT_EQ(p.permitted_calls_in_half_open, 10);
  EXPECT_EQ(p.max_wait_in_half_open, 0ms);
  EXPECT_TRUE(is_valid(p));
}

TEST(CircuitBreaker, StaysClosedBelowMinimumCallsEvenAtFullFailure) {
  FakeClock clock;
  CircuitBreaker b(small_policy(), clock);
  fail(b, 3);
  EXPECT_EQ(b.state(), State::kClosed);
  BreakerSnapshot s = b.snapshot();
  EXPECT_EQ(s.buffered_calls, 3);
  EXPECT_EQ(s.failed_calls, 3);
  EXPECT_FALSE(s.failure_rate);  // not evaluated yet, as resilience4j's -1
  EXPECT_FALSE(s.slow_call_rate);
}

TEST(CircuitBreaker, OpensExactlyWhenTheFailureRateReachesTheThreshold) {
  FakeClock clock;
  CircuitBreaker b(small_policy(), clock);
  succeed(b, 3);
  fail(b, 2);  // 2 of 5 = 40%
  EXPECT_EQ(b.state(), State::kClosed);
  ASSERT_TRUE(b.snapshot().failure_rate);
  EXPECT_DOUBLE_EQ(*b.snapshot().failure_rate, 40.0);
  fail(b);  // 3 of 6 = 50%: at the threshold opens
  EXPECT_EQ(b.state(), State::kOpen);
  BreakerSnapshot s = b.snapshot();
  EXPECT_DOUBLE_EQ(*s.failure_rate, 50.0);
  EXPECT_EQ(s.buffered_calls, 6);
  EXPECT_EQ(s.open_until_ms, clock.now_ms() + 30'000);
}

TEST(CircuitBreaker, MinimumCallsAboveACountWindowActsAsTheWindowSize) {
  FakeClock clock;
  BreakerPolicy p = small_policy();
  p.window_size = 5;
  p.minimum_calls = 100;
  CircuitBreaker b(p, clock);
  fail(b, 4);
  EXPECT_EQ(b.state(), State::kClosed);
  fail(b);
  EXPECT_EQ(b.state(), State::kOpen);
}

TEST(CircuitBreaker, SlowCallsOpenItThroughTheSlowCallRate) {
  FakeClock clock;
  BreakerPolicy p = small_policy();
  p.slow_call_rate_threshold = 75;
  CircuitBreaker b(p, clock);
  succeed(b, 1, 1000ms);  // exactly the threshold is not slow
  succeed(b, 2, 1001ms);
  EXPECT_EQ(b.snapshot().slow_calls, 2);
  EXPECT_EQ(b.state(), State::kClosed);  // 2 of 3, below minimum calls anyway
  succeed(b, 1, 5s);                     // 3 of 4 = 75%
  EXPECT_EQ(b.state(), State::kOpen);
  EXPECT_DOUBLE_EQ(*b.snapshot().slow_call_rate, 75.0);
  EXPECT_DOUBLE_EQ(*b.snapshot().failure_rate, 0.0);
}

TEST(CircuitBreaker, CountWindowForgetsTheOldestCalls) {
  FakeClock clock;
  CircuitBreaker b(small_policy(), clock);
  succeed(b, 3);
  fail(b, 2);
  succeed(b, 5);  // window full: 2 of 10 failed
  EXPECT_EQ(b.snapshot().buffered_calls, 10);
  EXPECT_EQ(b.snapshot().failed_calls, 2);
  succeed(b, 5);  // the oldest five, failures included, fall out
  EXPECT_EQ(b.snapshot().buffered_calls, 10);
  EXPECT_EQ(b.snapshot().failed_calls, 0);
  fail(b, 4);  // 4 of 10: still closed; a window that never forgot would be at 6 of 19
  EXPECT_EQ(b.state(), State::kClosed);
  fail(b);  // 5 of 10
  EXPECT_EQ(b.state(), State::kOpen);
}

TEST(CircuitBreaker, TimeWindowForgetsCallsOlderThanTheWindow) {
  FakeClock clock(1'700'000'000'000);  // on a second boundary
  BreakerPolicy p = small_policy();
  p.window_type = SlidingWindow::Type::kTimeBased;
  p.window_size = 10;  // seconds
  CircuitBreaker b(p, clock);
  fail(b, 2);
  clock.advance_ms(5'000);
  succeed(b);
  clock.advance_ms(4'999);  // 9.999 s after the failures: still inside the 10 s window
  EXPECT_EQ(b.snapshot().buffered_calls, 3);
  EXPECT_EQ(b.snapshot().failed_calls, 2);
  clock.advance_ms(1);  // 10 s after: the failures' second has left, the success's has not
  EXPECT_EQ(b.snapshot().buffered_calls, 1);
  EXPECT_EQ(b.snapshot().failed_calls, 0);
  fail(b, 2);  // 2 of 3; with the old failures it would be 4 of 5 and open
  EXPECT_EQ(b.state(), State::kClosed);
  clock.advance_ms(60'000);  // a quiet minute empties the window
  EXPECT_EQ(b.snapshot().buffered_calls, 0);
  fail(b, 3);
  EXPECT_EQ(b.state(), State::kClosed);
  fail(b);  // 4 of 4 within one second
  EXPECT_EQ(b.state(), State::kOpen);
}

TEST(CircuitBreaker, TimeWindowIgnoresAClockSteppingBack) {
  FakeClock clock(1'700'000'000'000);
  BreakerPolicy p = small_policy();
  p.window_type = SlidingWindow::Type::kTimeBased;
  p.window_size = 10;
  CircuitBreaker b(p, clock);
  succeed(b, 2);
  clock.advance_ms(-60'000);
  fail(b, 1);
  EXPECT_EQ(b.snapshot().buffered_calls, 3);
  clock.advance_ms(60'000 + 10'000);
  EXPECT_EQ(b.snapshot().buffered_calls, 0);
}

TEST(CircuitBreaker, RejectsWhileOpenAndCountsTheRefusals) {
  FakeClock clock;
  CircuitBreaker b(small_policy(), clock);
  fail(b, 4);
  ASSERT_EQ(b.state(), State::kOpen);
  const std::int64_t until = clock.now_ms() + 30'000;
  EXPECT_EQ(b.open_until_ms(), until);
  clock.advance_ms(29'999);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(b.try_acquire());
  EXPECT_EQ(b.state(), State::kOpen);
  EXPECT_EQ(b.snapshot().not_permitted_calls, 5);
  EXPECT_EQ(b.open_until_ms(), until);
}

TEST(CircuitBreaker, HalfOpensOnTheFirstAcquireAfterTheWait) {
  FakeClock clock;
  CircuitBreaker b(small_policy(), clock);
  open_then_wait(b, clock);
  EXPECT_EQ(b.state(), State::kOpen);  // lazy: nothing happens until someone asks
  EXPECT_LE(b.open_until_ms(), clock.now_ms());
  EXPECT_TRUE(b.try_acquire());
  EXPECT_EQ(b.state(), State::kHalfOpen);
  EXPECT_EQ(b.open_until_ms(), 0);
}

TEST(CircuitBreaker, HalfOpenAllowsExactlyThePermittedProbesAtOnce) {
  FakeClock clock;
  CircuitBreaker b(small_policy(), clock);
  open_then_wait(b, clock);
  std::vector<CircuitBreaker::Permit> probes;
  for (int i = 0; i < 3; ++i) {
    probes.push_back(b.try_acquire());
    EXPECT_TRUE(probes.back());
  }
  EXPECT_FALSE(b.try_acquire());
  b.on_success(probes[0], 10ms);
  EXPECT_FALSE(b.try_acquire());  // a completed probe does not make room for another
  EXPECT_EQ(b.state(), State::kHalfOpen);
  EXPECT_EQ(b.snapshot().buffered_calls, 1);
  EXPECT_FALSE(b.snapshot().failure_rate);  // not until every probe is in
  EXPECT_EQ(b.snapshot().not_permitted_calls, 2);
}

TEST(CircuitBreaker, ClosesWithAnEmptyWindowAfterSuccessfulProbes) {
  FakeClock clock;
  CircuitBreaker b(small_policy(), clock);
  open_then_wait(b, clock);
  fail(b);  // 1 of 3 probes failed: 33% < 50%
  succeed(b, 2);
  EXPECT_EQ(b.state(), State::kClosed);
  EXPECT_EQ(b.snapshot().buffered_calls, 0);
  fail(b, 3);  // the old failures are gone: 3 more do not reopen it
  EXPECT_EQ(b.state(), State::kClosed);
}

TEST(CircuitBreaker, ReopensAfterFailedProbes) {
  FakeClock clock;
  CircuitBreaker b(small_policy(), clock);
  open_then_wait(b, clock);
  succeed(b);
  fail(b, 2);  // 2 of 3 = 67%
  EXPECT_EQ(b.state(), State::kOpen);
  EXPECT_EQ(b.open_until_ms(), clock.now_ms() + 30'000);
  BreakerSnapshot s = b.snapshot();
  EXPECT_EQ(s.buffered_calls, 3);
  EXPECT_NEAR(*s.failure_rate, 66.67, 0.01);
  EXPECT_FALSE(b.try_acquire());
}

TEST(CircuitBreaker, SlowProbesReopenIt) {
  FakeClock clock;
  CircuitBreaker b(small_policy(), clock);  // slow-call rate 100%
  open_then_wait(b, clock);
  succeed(b, 3, 2s);
  EXPECT_EQ(b.state(), State::kOpen);
}

TEST(CircuitBreaker, IgnoredProbeFreesItsSlot) {
  FakeClock clock;
  CircuitBreaker b(small_policy(), clock);
  open_then_wait(b, clock);
  CircuitBreaker::Permit p1 = b.try_acquire();
  CircuitBreaker::Permit p2 = b.try_acquire();
  CircuitBreaker::Permit p3 = b.try_acquire();
  ASSERT_TRUE(p1 && p2 && p3);
  EXPECT_FALSE(b.try_acquire());
  b.on_ignored(p2);
  CircuitBreaker::Permit p4 = b.try_acquire();
  EXPECT_TRUE(p4);
  b.on_success(p1, 10ms);
  b.on_success(p3, 10ms);
  EXPECT_EQ(b.state(), State::kHalfOpen);  // p2 was not a probe result
  b.on_success(p4, 10ms);
  EXPECT_EQ(b.state(), State::kClosed);
}

TEST(CircuitBreaker, OutcomesOfCallsFromAnEarlierStateAreDropped) {
  FakeClock clock;
  CircuitBreaker b(small_policy(), clock);
  CircuitBreaker::Permit slow_closed_call = b.try_acquire();
  open_then_wait(b, clock);
  CircuitBreaker::Permit probe = b.try_acquire();
  ASSERT_TRUE(probe);
  b.on_ignored(slow_closed_call);        // must not free a probe slot
  b.on_success(slow_closed_call, 10ms);  // must not count as a probe
  EXPECT_EQ(b.snapshot().buffered_calls, 0);
  EXPECT_TRUE(b.try_acquire());
  EXPECT_TRUE(b.try_acquire());
  EXPECT_FALSE(b.try_acquire());
}

TEST(CircuitBreaker, ReopensWhenHalfOpenOutlastsMaxWait) {
  FakeClock clock;
  BreakerPolicy p = small_policy();
  p.max_wait_in_half_open = 10s;
  CircuitBreaker b(p, clock);
  open_then_wait(b, clock);
  CircuitBreaker::Permit probe = b.try_acquire();
  ASSERT_TRUE(probe);
  clock.advance_ms(9'999);
  EXPECT_TRUE(b.try_acquire());
  clock.advance_ms(1);
  EXPECT_FALSE(b.try_acquire());
  EXPECT_EQ(b.state(), State::kOpen);
  EXPECT_EQ(b.open_until_ms(), clock.now_ms() + 30'000);
  b.on_success(probe, 10ms);  // too late to count
  EXPECT_EQ(b.state(), State::kOpen);
}

TEST(CircuitBreaker, ALateProbeReportReopensEvenWithoutAnAcquire) {
  FakeClock clock;
  BreakerPolicy p = small_policy();
  p.max_wait_in_half_open = 10s;
  CircuitBreaker b(p, clock);
  open_then_wait(b, clock);
  std::vector<CircuitBreaker::Permit> probes = {b.try_acquire(), b.try_acquire(), b.try_acquire()};
  clock.advance_ms(10'000);
  for (const auto& probe : probes) b.on_success(probe, 10ms);
  EXPECT_EQ(b.state(), State::kOpen);
}

TEST(CircuitBreaker, WithoutMaxWaitHalfOpenWaitsForEveryProbe) {
  FakeClock clock;
  CircuitBreaker b(small_policy(), clock);
  open_then_wait(b, clock);
  CircuitBreaker::Permit probe = b.try_acquire();
  succeed(b, 2);
  clock.advance_ms(24 * 3'600'000LL);
  EXPECT_FALSE(b.try_acquire());
  EXPECT_EQ(b.state(), State::kHalfOpen);
  b.on_success(probe, 10ms);
  EXPECT_EQ(b.state(), State::kClosed);
}

TEST(CircuitBreaker, ListenerSeesEveryTransitionInOrder) {
  FakeClock clock;
  std::vector<std::pair<State, State>> seen;
  CircuitBreaker b(small_policy(), clock,
                   [&](State from, State to) { seen.emplace_back(from, to); });
  open_then_wait(b, clock);
  fail(b, 3);  // probes fail: open again
  clock.advance_ms(30'000);
  succeed(b, 3);
  fail(b, 4);
  b.reset();
  b.reset();  // already closed: no transition
  std::vector<std::pair<State, State>> expected = {
      {State::kClosed, State::kOpen},     {State::kOpen, State::kHalfOpen},
      {State::kHalfOpen, State::kOpen},   {State::kOpen, State::kHalfOpen},
      {State::kHalfOpen, State::kClosed}, {State::kClosed, State::kOpen},
      {State::kOpen, State::kClosed},
  };
  EXPECT_EQ(seen, expected);
}

TEST(CircuitBreaker, ListenerMayCallTheBreakerBackWithoutNesting) {
  FakeClock clock;
  std::vector<State> states;
  int depth = 0;
  int max_depth = 0;
  CircuitBreaker* self = nullptr;
  CircuitBreaker b(small_policy(), clock, [&](State, State to) {
    max_depth = std::max(max_depth, ++depth);
    states.push_back(self->state());
    if (to == State::kOpen) self->reset();  // a transition from inside the listener
    --depth;
  });
  self = &b;
  fail(b, 4);
  EXPECT_EQ(b.state(), State::kClosed);
  // The reset's transition is delivered after the first call returns, not inside it.
  std::vector<State> expected = {State::kOpen, State::kClosed};
  EXPECT_EQ(states, expected);
  EXPECT_EQ(max_depth, 1);
}

TEST(CircuitBreaker, ResetClosesAndMakesOutstandingPermitsStale) {
  FakeClock clock;
  CircuitBreaker b(small_policy(), clock);
  CircuitBreaker::Permit before = b.try_acquire();
  fail(b, 4);
  EXPECT_FALSE(b.try_acquire());
  b.reset();
  EXPECT_EQ(b.state(), State::kClosed);
  b.on_failure(before, 10ms);
  BreakerSnapshot s = b.snapshot();
  EXPECT_EQ(s.buffered_calls, 0);
  EXPECT_EQ(s.not_permitted_calls, 1);  // a counter: kept
}

bool allowed_transition(State from, State to) {
  return (from == State::kClosed && to == State::kOpen) ||
         (from == State::kOpen && to == State::kHalfOpen) ||
         (from == State::kHalfOpen && (to == State::kOpen || to == State::kClosed));
}

TEST(CircuitBreaker, HoldsItsInvariantsUnderManyThreads) {
  FakeClock clock;
  BreakerPolicy p = small_policy();
  p.permitted_calls_in_half_open = 5;
  p.wait_in_open = 5ms;
  p.max_wait_in_half_open = 50ms;
  // Listener calls are serialised, so these need no lock; each transition must start where the
  // previous one ended, which also checks they are delivered in order.
  State last = State::kClosed;
  int transitions = 0;
  int broken_chain = 0;
  std::atomic<int> delivering{0};
  std::atomic<int> overlapping{0};
  CircuitBreaker b(p, clock, [&](State from, State to) {
    if (++delivering > 1) ++overlapping;
    ++transitions;
    if (from != last || !allowed_transition(from, to)) ++broken_chain;
    last = to;
    --delivering;
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5'000; ++i) {
        CircuitBreaker::Permit permit = b.try_acquire();
        if (t == 0 && i % 10 == 0) clock.advance_ms(1);
        if (!permit) continue;
        // Alternating bad and good phases, so the breaker goes round its states many times.
        const bool bad_phase = (i / 500) % 2 == 0;
        switch ((i + t) % 4) {
          case 0:
            if (bad_phase) {
              b.on_failure(permit, 10ms);
            } else {
              b.on_success(permit, 10ms);
            }
            break;
          case 1:
            b.on_failure(permit, 10ms);
            break;
          case 2:
            b.on_success(permit, bad_phase ? 2s : 10ms);
            break;
          default:
            b.on_ignored(permit);
        }
        BreakerSnapshot s = b.snapshot();
        EXPECT_LE(s.buffered_calls, 10);
        EXPECT_LE(s.failed_calls, s.buffered_calls);
        EXPECT_LE(s.slow_calls, s.buffered_calls);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_GT(transitions, 10);
  EXPECT_EQ(overlapping.load(), 0);
  EXPECT_EQ(broken_chain, 0);
  EXPECT_EQ(b.state(), last);  // every transition was delivered
  EXPECT_GT(b.snapshot().not_permitted_calls, 0);
}

}  // namespace
}  // namespace wharf::resilience
