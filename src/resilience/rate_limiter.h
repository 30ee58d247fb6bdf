// Rate limiting of outbound calls (SPEC §2.2): a RateLimiter answers, per key, whether a call may
// go to the provider now or how long until one could; it also obeys the provider's own hints
// (a 429's Retry-After, a remaining-quota header at 0) through defer(). A key is a provider name,
// or "provider endpoint" for a per-endpoint limit; each key is counted on its own.
//
// LocalRateLimiter counts on this node (`scope: node`), with one RateMeter per key (rate_meters.h:
// sliding log by default, token bucket, fixed window). A cluster-wide limiter (`scope: cluster`)
// implements the same interface over Redis, without changing callers:
//   - try_acquire: one Lua script per call on the sorted set `wharf:rl:{key}` (a sliding log):
//       now = redis.call('TIME') (one clock for every node, so node clock skew cannot matter);
//       if GET `wharf:rl:{key}:defer` > now → refuse with that - now (provider_hint);
//       ZREMRANGEBYSCORE key -inf now-P; if ZCARD key < L → ZADD key now <node id:counter>,
//       PEXPIRE key P, allow; else refuse with (score of ZRANGE key 0 0) + P - now.
//     Being a script it runs atomically, so concurrent nodes cannot both take the last slot.
//   - defer: a script that sets `wharf:rl:{key}:defer` to max(current, until_ms) with PEXPIREAT.
//   - when Redis is unreachable: refuse with a short retry_after rather than call unlimited,
//     since "never more than L" is the promise.
//
// Thread-safe: every method may be called from any thread. LocalRateLimiter takes one mutex per
// call for a few integer operations (a hash lookup and O(1) meter work). Time comes from the
// injected Clock, which must outlive the limiter.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "resilience/rate_limit_policy.h"
#include "resilience/rate_meters.h"

namespace wharf::resilience {

class RateLimiter {
 public:
  using Decision = RateDecision;

  virtual ~RateLimiter() = default;

  // Whether a call for `key` may go now; an allowed call is counted (the caller makes it, or the
  // slot is spent). A refusal counts nothing and says how long until a call could be allowed.
  virtual Decision try_acquire(std::string_view key) = 0;

  // A provider's hint: no call for `key` before `until_ms` (Unix ms, the limiter's clock), e.g.
  // from a 429's Retry-After. Only ever extends a pause; an earlier `until_ms` is ignored.
  virtual void defer(std::string_view key, std::int64_t until_ms) = 0;

  // A provider's quota headers (e.g. X-RateLimit-Remaining and -Reset): with nothing remaining,
  // no call before `reset_at_ms`. A positive `remaining` changes nothing: wharf's own limit is
  // what keeps calls under the quota.
  void observe_quota(std::string_view key, std::int64_t remaining, std::int64_t reset_at_ms) {
    if (remaining <= 0) defer(key, reset_at_ms);
  }
};

class LocalRateLimiter final : public RateLimiter {
 public:
  // Makes the meter of a key on its first call.
  using MeterFactory = std::function<std::unique_ptr<RateMeter>()>;

  LocalRateLimiter(MeterFactory make_meter, const Clock& clock);
  LocalRateLimiter(const LocalRateLimiter&) = delete;
  LocalRateLimiter& operator=(const LocalRateLimiter&) = delete;

  // Refuses while a defer() for `key` is in force (provider_hint set), then asks the key's
  // meter. Keys are kept for the limiter's lifetime: they come from configuration (providers
  // and their endpoints), not from callers' input.
  Decision try_acquire(std::string_view key) override;
  void defer(std::string_view key, std::int64_t until_ms) override;

 private:
  struct KeyState {
    std::unique_ptr<RateMeter> meter;
    std::int64_t deferred_until_ms = 0;
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
      return std::hash<std::string_view>{}(key);
    }
  };

  // The caller holds mutex_.
  KeyState& state_locked(std::string_view key);

  const MeterFactory make_meter_;
  const Clock& clock_;
  std::mutex mutex_;
  std::unordered_map<std::string, KeyState, KeyHash, std::equal_to<>> keys_;  // guarded by mutex_
};

// A LocalRateLimiter whose meters follow `policy.algorithm` (policy.scope is not looked at: a
// cluster-scoped policy needs the Redis limiter). `policy` must satisfy is_valid (asserted).
std::unique_ptr<RateLimiter> make_local_rate_limiter(const RateLimitPolicy& policy,
                                                     const Clock& clock);

// What a caller does with a decision, with `wait_left` of its max_wait still unspent.
struct WaitPlan {
  enum class Action { kProceed, kWait, kFail };
  Action action = Action::kProceed;
  std::chrono::milliseconds delay{0};  // kWait: how long to wait before asking again
};

// kProceed when allowed; kWait for retry_after when that fits in `wait_left`; kFail otherwise
// (answer the caller with rate_limited_message). After a wait, ask try_acquire again with
// wait_left reduced by the wait: another caller may have taken the room meanwhile, and the
// shrinking budget keeps the total wait bounded. The async pipeline waits on a timer;
// acquire_within below is the blocking form.
WaitPlan plan_wait(const RateDecision& decision, std::chrono::milliseconds wait_left);

// Asks `limiter` until allowed or until waiting longer would exceed `max_wait`, calling `sleep`
// for each wait (a thread sleep, or FakeClock::advance_ms in tests). Returns the allowed decision,
// or the last refusal.
RateDecision acquire_within(RateLimiter& limiter, std::string_view key,
                            std::chrono::milliseconds max_wait,
                            const std::function<void(std::chrono::milliseconds)>& sleep);

}  // namespace wharf::resilience
