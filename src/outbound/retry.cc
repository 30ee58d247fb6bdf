#include "outbound/retry.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <cmath>
#include <utility>

#include "core/config_node.h"
#include "outbound/retry_budget.h"
#include "resilience/retry_after.h"

namespace wharf::outbound {

using std::chrono::milliseconds;

namespace {

std::string ms_text(milliseconds d) { return std::to_string(d.count()) + "ms"; }

// A percentage in [0, 100]; records an error and returns `fallback` otherwise.
double read_percent(const ConfigNode& node, double fallback) {
  std::optional<double> value = node.percent();  // records a malformed one itself
  if (!value) return fallback;
  if (!(*value >= 0.0 && *value <= 100.0)) {
    node.error("must be between 0% and 100%");
    return fallback;
  }
  return *value;
}

milliseconds read_bounded(const ConfigNode& node, milliseconds fallback, bool zero_allowed,
                          milliseconds max, std::string_view bounds) {
  if (!node.present()) return fallback;
  std::optional<milliseconds> d = node.duration();  // records a malformed one itself
  if (!d) return fallback;
  if ((zero_allowed ? *d < milliseconds(0) : *d <= milliseconds(0)) || *d > max) {
    node.error(bounds);
    return fallback;
  }
  return *d;
}

bool is_retryable_status(int status) { return status == 429 || status >= 500; }

// The answer's Retry-After, when it has a valid one.
std::optional<milliseconds> retry_after_of(const Attempt& a) {
  if (!std::holds_alternative<int>(a.outcome) || !a.retry_after) return std::nullopt;
  return resilience::parse_retry_after(*a.retry_after, a.now_ms);
}

std::string outcome_text(const Attempt& a) {
  if (const int* status = std::get_if<int>(&a.outcome)) return "HTTP " + std::to_string(*status);
  return std::string(to_string(std::get<TransportError>(a.outcome)));
}

// Why `a` must not be retried whatever the attempt count and budget, or nullopt when it may be.
std::optional<std::string> never_retry_because(const Attempt& a,
                                               std::optional<milliseconds> retry_after) {
  const bool idempotent = is_idempotent(a.method, a.has_idempotency_key);
  const std::string unsafe = std::string(a.method) + " without an idempotency key";
  if (const int* status = std::get_if<int>(&a.outcome)) {
    if (*status < 400) return "done";
    if (!is_retryable_status(*status)) return "not retried: the request was refused";
    if (idempotent) return std::nullopt;
    if ((*status == 429 || *status == 503) && retry_after) return std::nullopt;
    return "not retried: a " + unsafe + " may have been processed";
  }
  switch (std::get<TransportError>(a.outcome)) {
    case TransportError::kConnect:
    case TransportError::kTls:
      return std::nullopt;  // never reached the provider
    case TransportError::kTimeout:
    case TransportError::kProtocol:
      if (idempotent) return std::nullopt;
      return "not retried: a " + unsafe + " may have been processed";
    case TransportError::kTooLarge:
      return "not retried: the same answer would be too large again";
    case TransportError::kCancelled:
      return "not retried: the client is closing";
    case TransportError::kOther:
      return "not retried: the request cannot be sent";
  }
  return "not retried";
}

}  // namespace

bool is_valid(const RetryPolicy& p) {
  return p.max_attempts >= 1 && p.max_attempts <= kMaxRetryAttempts && p.base > milliseconds(0) &&
         p.base <= p.cap && p.cap <= kMaxRetryBackoff && p.budget_percent >= 0.0 &&
         p.budget_percent <= 100.0 && p.jitter >= 0.0 && p.jitter <= 1.0 &&
         p.min_retries_per_second >= 0 && p.min_retries_per_second <= kMaxMinRetriesPerSecond &&
         p.max_retry_after >= milliseconds(0) && p.max_retry_after <= resilience::kMaxRetryAfter;
}

std::optional<RetryPolicy> read_retry_policy(const ConfigNode& node, RetryPolicy defaults) {
  assert(is_valid(defaults));
  if (!node.present()) return defaults;
  if (!node.is_map()) {
    node.error("expected a map, e.g. { max_attempts: 3, base: 1s, cap: 10s }");
    return std::nullopt;
  }
  const ConfigErrorWatch watch(node);
  node.allow_only_keys(
      {"max_attempts", "base", "cap", "jitter", "budget", "min_retries_per_s", "max_retry_after"});
  RetryPolicy p = defaults;
  p.max_attempts =
      static_cast<int>(node["max_attempts"].int_or(p.max_attempts, 1, kMaxRetryAttempts));
  p.base = read_bounded(node["base"], p.base, false, kMaxRetryBackoff,
                        "must be greater than 0 and at most 1h");
  p.cap = read_bounded(node["cap"], p.cap, false, kMaxRetryBackoff,
                       "must be greater than 0 and at most 1h");
  p.jitter = read_jitter(node["jitter"], p.jitter);
  p.budget_percent = read_percent(node["budget"], p.budget_percent);
  p.min_retries_per_second = static_cast<int>(
      node["min_retries_per_s"].int_or(p.min_retries_per_second, 0, kMaxMinRetriesPerSecond));
  p.max_retry_after = read_bounded(node["max_retry_after"], p.max_retry_after, true,
                                   resilience::kMaxRetryAfter, "must be at most 24h");
  if (!watch.ok()) return std::nullopt;
  if (p.base > p.cap) {
    const ConfigNode at = node["cap"].present() ? node["cap"] : node["base"];
    at.error("cap (" + ms_text(p.cap) + ") must not be less than base (" + ms_text(p.base) + ")");
    return std::nullopt;
  }
  return p;
}

bool is_idempotent(std::string_view method, bool has_idempotency_key) {
  static constexpr std::array<std::string_view, 6> kIdempotent = {"GET",   "HEAD", "OPTIONS",
                                                                  "TRACE", "PUT",  "DELETE"};
  return has_idempotency_key ||
         std::find(kIdempotent.begin(), kIdempotent.end(), method) != kIdempotent.end();
}

Attempt attempt_from(const HttpResult& result, int number, std::string_view method,
                     bool has_idempotency_key, std::int64_t now_ms) {
  Attempt a;
  a.number = number;
  a.method = method;
  a.has_idempotency_key = has_idempotency_key;
  a.now_ms = now_ms;
  if (result) {
    a.outcome = result->status;
    a.retry_after = result->header("Retry-After");
  } else {
    a.outcome = result.error().kind;
  }
  return a;
}

RetryDecider::RetryDecider(RetryPolicy policy, Uniform01 uniform01, RetryBudget* budget)
    : policy_(policy),
      uniform01_(uniform01 ? std::move(uniform01) : seeded_uniform01()),
      budget_(budget) {
  assert(is_valid(policy_));
}

milliseconds RetryDecider::max_backoff(int retry_number) const {
  assert(retry_number >= 1);
  // base <= 1h, so doubling stops at cap long before 2^k can overflow.
  milliseconds ceiling = policy_.base;
  for (int i = 1; i < retry_number && ceiling < policy_.cap; ++i) ceiling *= 2;
  return std::min(ceiling, policy_.cap);
}

RetryDecision RetryDecider::decide(const Attempt& a) const {
  assert(a.number >= 1);
  const std::string what = outcome_text(a);
  const std::optional<milliseconds> retry_after = retry_after_of(a);
  auto stop = [&](std::string why) {
    return RetryDecision{.retry = false,
                         .delay = milliseconds(0),
                         .reason = what + ": " + std::move(why),
                         .retry_after_for_caller = retry_after};
  };

  if (auto why = never_retry_because(a, retry_after)) {
    RetryDecision d = stop(std::move(*why));
    if (std::holds_alternative<int>(a.outcome) && std::get<int>(a.outcome) < 400) {
      d.retry_after_for_caller.reset();  // a success's Retry-After is no advice to the caller
    }
    return d;
  }
  if (retry_after && *retry_after > policy_.max_retry_after) {
    return stop("Retry-After " + ms_text(*retry_after) + " exceeds max_retry_after " +
                ms_text(policy_.max_retry_after) + ": not waited for");
  }
  if (a.number >= policy_.max_attempts) {
    return stop("gave up after " + std::to_string(a.number) + " of " +
                std::to_string(policy_.max_attempts) + " attempts");
  }
  if (budget_ && !budget_->try_acquire_retry()) {
    return stop("not retried: the provider's retry budget is spent");
  }

  const milliseconds ceiling = max_backoff(a.number);
  double u = uniform01_();
  assert(u >= 0.0 && u <= 1.0);
  u = std::clamp(u, 0.0, 1.0);
  // ceiling <= 1h (3.6e6 ms): the double arithmetic is exact to well under 1 ms.
  const double share = 1.0 - policy_.jitter + policy_.jitter * u;
  milliseconds delay(std::llround(static_cast<double>(ceiling.count()) * share));
  std::string reason = what + ": retry " + std::to_string(a.number) + " of " +
                       std::to_string(policy_.max_attempts - 1) + " in " + ms_text(delay);
  if (retry_after && *retry_after > delay) {
    delay = *retry_after;
    reason = what + ": retry " + std::to_string(a.number) + " of " +
             std::to_string(policy_.max_attempts - 1) + " in " + ms_text(delay) + " (Retry-After)";
  }
  return RetryDecision{
      .retry = true, .delay = delay, .reason = std::move(reason), .retry_after_for_caller = {}};
}

}  // namespace wharf::outbound
