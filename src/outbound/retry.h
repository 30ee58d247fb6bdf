// The retry stage of the outbound pipeline (SPEC §2.2): whether a failed attempt at a provider is
// tried again, and after how long. Pure apart from the injected randomness and the optional
// RetryBudget: the caller makes the attempts, waits the delay and records the outcome.
// A RetryPolicy is a plain value (read_retry_policy runs at start-up: not thread-safe, like
// ConfigNode); RetryDecider::decide is thread-safe when its Uniform01 is (the default one is).
//
// What is retried:
//   - no HTTP answer: kConnect and kTls (the request is sent only after the connection and its
//     TLS handshake are up, so it never reached the provider), kTimeout and kProtocol (it may
//     have); never kTooLarge (the same answer would come back), kCancelled (we are closing) or
//     kOther (an invalid request or a local failure);
//   - HTTP 5xx and 429; never 1xx-3xx (done) nor any other 4xx (the request itself is wrong).
// A call that is not idempotent (POST or PATCH without an idempotency key, see is_idempotent) is
// only retried when the provider cannot have acted on it: after kConnect/kTls, and after a 429 or
// 503 that carries a valid Retry-After (the provider says "not now", not "I failed midway").
// After a timeout, a broken connection or any other 5xx it may have created the customer or sent
// the mail already, and a retry could do it twice: the caller gets the error instead.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/uniform01.h"
#include "outbound/http_types.h"

namespace wharf {
class ConfigNode;
}  // namespace wharf

namespace wharf::outbound {

class RetryBudget;

// Bounds read_retry_policy enforces (and RetryDecider asserts); beyond them is a typo.
inline constexpr int kMaxRetryAttempts = 10;
inline constexpr std::chrono::milliseconds kMaxRetryBackoff = std::chrono::hours(1);
inline constexpr int kMaxMinRetriesPerSecond = 1'000;

struct RetryPolicy {
  int max_attempts = 3;  // 1..kMaxRetryAttempts, the first attempt included; 1 never retries
  // Backoff before retry n (n = 1 after the first attempt): a uniform draw from
  // [0, min(cap, base * 2^(n-1))] ("full jitter"). 0 < base <= cap <= kMaxRetryBackoff.
  std::chrono::milliseconds base{1000};
  std::chrono::milliseconds cap{10000};
  // 1 (full jitter) draws each backoff from [0, ceiling]; a fraction f from [(1 - f) ceiling,
  // ceiling]; 0 waits the ceiling itself (tests that read the waits back). In [0, 1].
  double jitter = 1.0;
  // The provider's RetryBudget: retries at most budget_percent% of the calls of a 10 s window,
  // plus min_retries_per_second whatever the traffic. Percent in [0, 100].
  double budget_percent = 20.0;
  int min_retries_per_second = 3;  // 0..kMaxMinRetriesPerSecond
  // A Retry-After asking for a longer wait than this is not waited for: the call fails at once
  // and the caller is told when to try again. 0..resilience::kMaxRetryAfter (24h).
  std::chrono::milliseconds max_retry_after{60000};
};

// Reads `retry: { max_attempts: 3, base: 1s, cap: 10s, jitter: full, budget: 20%,
// min_retries_per_s: 3, max_retry_after: 60s }` (jitter: full | none | a fraction, read_jitter).
// Every key is optional (absent → its value in `defaults`); `budget` is a percentage written 20%
// or 20. An absent `node` gives `defaults`. Returns nullopt after recording every problem (unknown
// keys, values out of the bounds above, base > cap) with its line through ConfigNode::error.
std::optional<RetryPolicy> read_retry_policy(const ConfigNode& node, RetryPolicy defaults = {});

// Whether every field lies within the bounds above.
bool is_valid(const RetryPolicy& policy);

// Whether repeating a request cannot do its effect twice: it carries an idempotency key, or its
// method is idempotent by RFC 9110 §9.2.2 (GET, HEAD, OPTIONS, TRACE, PUT, DELETE; exact case).
bool is_idempotent(std::string_view method, bool has_idempotency_key);

// One finished attempt, as the retry stage needs to see it.
struct Attempt {
  int number = 1;  // attempts made so far, this one included (>= 1)
  // The HTTP status of the answer, or why there was none.
  std::variant<int, TransportError> outcome = 0;
  std::optional<std::string> retry_after;  // the answer's Retry-After header, raw
  std::string_view method = "GET";  // viewed, not owned: the request must outlive the Attempt
  bool has_idempotency_key = false;
  std::int64_t now_ms = 0;  // when the attempt ended (Unix ms): dates in Retry-After count from it
};

// `result` seen as an Attempt's outcome and Retry-After.
Attempt attempt_from(const HttpResult& result, int number, std::string_view method,
                     bool has_idempotency_key, std::int64_t now_ms);

struct RetryDecision {
  bool retry = false;
  std::chrono::milliseconds delay{0};  // the wait before the next attempt; 0 when !retry
  // For the request log: what happened and why we retry or stop, e.g. "HTTP 503: retry 1 of 2
  // in 734ms", "timeout: not retried: POST without an idempotency key may have been processed".
  std::string reason;
  // When we stop and the provider said when to come back (a valid Retry-After): that delay, for
  // the caller's "retry after" answer. Set whether or not it exceeded max_retry_after.
  std::optional<std::chrono::milliseconds> retry_after_for_caller;
};

class RetryDecider {
 public:
  using Uniform01 = wharf::Uniform01;  // a uniform draw from [0, 1]

  // `policy` must be valid (asserted). `uniform01` is the randomness, injected by tests; when
  // empty, a PRNG seeded from the CSPRNG, shared by copies and guarded by a mutex. `budget`
  // (optional, shared by every caller of the provider, must outlive this) is consulted only when
  // everything else says retry, and then spends one retry; the caller records each logical call
  // in it (RetryBudget::record_call) before its first attempt.
  explicit RetryDecider(RetryPolicy policy, Uniform01 uniform01 = {},
                        RetryBudget* budget = nullptr);

  // After attempt `a` failed (or succeeded: then no retry), in this order:
  //   1. success, a non-retryable outcome, or an unsafe one for a non-idempotent call → stop;
  //   2. a Retry-After longer than max_retry_after → stop, reporting it to the caller;
  //   3. max_attempts reached → stop;
  //   4. the budget is spent → stop;
  //   5. otherwise retry after the full-jitter backoff, or the Retry-After if that is longer.
  // A Retry-After is read (resilience::parse_retry_after, seconds or HTTP-date) from any answer
  // with an HTTP status; a malformed one is ignored.
  RetryDecision decide(const Attempt& a) const;

  const RetryPolicy& policy() const { return policy_; }

  // The longest backoff before retry `retry_number` (>= 1): min(cap, base * 2^(retry_number-1)).
  std::chrono::milliseconds max_backoff(int retry_number) const;

 private:
  RetryPolicy policy_;
  Uniform01 uniform01_;
  RetryBudget* budget_;
};

}  // namespace wharf::outbound
