// Time as a side effect that tests can control: production code takes a Clock&, tests a FakeClock.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace wharf {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time as Unix milliseconds.
  virtual std::int64_t now_ms() const = 0;
  std::int64_t now_s() const { return now_ms() / 1000; }
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static const SystemClock& instance() {
    static const SystemClock clock;
    return clock;
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t now_ms = 1'700'000'000'000) : now_ms_(now_ms) {}
  std::int64_t now_ms() const override { return now_ms_.load(); }
  void set_ms(std::int64_t ms) { now_ms_.store(ms); }
  void advance_ms(std::int64_t ms) { now_ms_.fetch_add(ms); }

 private:
  std::atomic<std::int64_t> now_ms_;
};

}  // namespace wharf
