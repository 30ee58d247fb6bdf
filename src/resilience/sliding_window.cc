#include "resilience/sliding_window.h"

#include <algorithm>
#include <cassert>

namespace wharf::resilience {

namespace {

// Bucket of Unix second `s` in a ring of `n` (non-negative even for a clock set before 1970).
std::size_t slot(std::int64_t s, std::int64_t n) {
  return static_cast<std::size_t>(((s % n) + n) % n);
}

double percent(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return 0.0;
  return static_cast<double>(part) * 100.0 / static_cast<double>(whole);
}

}  // namespace

double WindowTotals::failure_rate() const { return percent(failures, calls); }
double WindowTotals::slow_rate() const { return percent(slow, calls); }

SlidingWindow::SlidingWindow(Type type, int size)
    : type_(type), buckets_(static_cast<std::size_t>(std::max(size, 1))) {
  assert(size >= 1);
}

void SlidingWindow::add(Bucket& bucket, CallOutcome outcome) {
  bucket.totals.calls += 1;
  totals_.calls += 1;
  if (outcome.failed) {
    bucket.totals.failures += 1;
    totals_.failures += 1;
  }
  if (outcome.slow) {
    bucket.totals.slow += 1;
    totals_.slow += 1;
  }
}

void SlidingWindow::subtract(const WindowTotals& gone) {
  totals_.calls -= gone.calls;
  totals_.failures -= gone.failures;
  totals_.slow -= gone.slow;
}

void SlidingWindow::advance_to(std::int64_t now_s) {
  if (now_s <= latest_s_) return;
  const auto n = static_cast<std::int64_t>(buckets_.size());
  if (latest_s_ == 0 || now_s - latest_s_ >= n) {
    clear();
  } else {
    for (std::int64_t s = latest_s_ + 1; s <= now_s; ++s) {
      Bucket& b = buckets_[slot(s, n)];
      subtract(b.totals);
      b = Bucket{.second = s, .totals = {}};
    }
  }
  latest_s_ = now_s;
}

WindowTotals SlidingWindow::record(CallOutcome outcome, std::int64_t now_s) {
  if (type_ == Type::kCountBased) {
    Bucket& b = buckets_[next_];
    subtract(b.totals);
    b.totals = {};
    add(b, outcome);
    next_ = (next_ + 1) % buckets_.size();
    return totals_;
  }
  advance_to(now_s);
  const auto n = static_cast<std::int64_t>(buckets_.size());
  Bucket& b = buckets_[slot(latest_s_, n)];
  b.second = latest_s_;  // already so, or a bucket that clear() just emptied
  add(b, outcome);
  return totals_;
}

WindowTotals SlidingWindow::totals(std::int64_t now_s) const {
  if (type_ == Type::kCountBased) return totals_;
  // Sums instead of advancing so that reading stays const; snapshots are rare.
  const std::int64_t now = std::max(now_s, latest_s_);
  const auto n = static_cast<std::int64_t>(buckets_.size());
  WindowTotals sum;
  for (const Bucket& b : buckets_) {
    if (b.second > now - n) {
      sum.calls += b.totals.calls;
      sum.failures += b.totals.failures;
      sum.slow += b.totals.slow;
    }
  }
  return sum;
}

void SlidingWindow::clear() {
  for (Bucket& b : buckets_) b = Bucket{};
  totals_ = {};
  next_ = 0;
  // latest_s_ is kept: a clock that stepped back must not make old seconds count again.
}

}  // namespace wharf::resilience
