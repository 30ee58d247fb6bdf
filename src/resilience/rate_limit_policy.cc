#include "resilience/rate_limit_policy.h"

#include <algorithm>

#include "core/config_node.h"

namespace wharf::resilience {

using std::chrono::milliseconds;

namespace {}  // namespace

std::string_view to_string(RateAlgorithm algorithm) {
  switch (algorithm) {
    case RateAlgorithm::kSlidingLog:
      return "sliding";
    case RateAlgorithm::kTokenBucket:
      return "token_bucket";
    case RateAlgorithm::kFixedWindow:
      return "fixed_window";
  }
  return "?";
}

std::string_view to_string(RateScope scope) {
  return scope == RateScope::kCluster ? "cluster" : "node";
}

bool is_valid(const RateLimitPolicy& p) {
  return p.limit >= 1 && p.limit <= kMaxRateLimit && p.per > milliseconds(0) &&
         p.per <= kMaxRatePeriod && p.burst >= 0 && p.burst <= kMaxRateLimit &&
         p.max_wait >= milliseconds(0) && p.max_wait <= kMaxRateWait;
}

std::optional<RateLimitPolicy> read_rate_limit_policy(const ConfigNode& node) {
  if (!node.present()) return std::nullopt;
  if (!node.is_map()) {
    node.error("expected a map, e.g. { limit: 100, per: 1h }");
    return std::nullopt;
  }
  const ConfigErrorWatch watch(node);
  node.allow_only_keys({"limit", "per", "scope", "algorithm", "burst", "max_wait"});
  RateLimitPolicy p;

  const ConfigNode limit = node["limit"];
  if (!limit.present()) {
    node.error("`limit` is required (calls per `per`), e.g. { limit: 100, per: 1h }");
  } else {
    p.limit = limit.int_or(p.limit, 1, kMaxRateLimit);
  }

  const ConfigNode per = node["per"];
  if (!per.present()) {
    node.error("`per` is required (a duration such as 1s, 1m, 1h), e.g. { limit: 100, per: 1h }");
  } else if (std::optional<milliseconds> d = per.duration()) {  // records a malformed one
    if (*d <= milliseconds(0) || *d > kMaxRatePeriod) {
      per.error("must be greater than 0 and at most 30d");
    } else {
      p.per = *d;
    }
  }

  p.scope = node["scope"].choice_or("node", {"node", "cluster"}) == "cluster" ? RateScope::kCluster
                                                                              : RateScope::kNode;

  const ConfigNode algorithm = node["algorithm"];
  const ConfigNode burst = node["burst"];
  const std::string name = algorithm.choice_or(burst.present() ? "token_bucket" : "sliding",
                                               {"sliding", "token_bucket", "fixed_window"});
  if (name == "token_bucket") {
    p.algorithm = RateAlgorithm::kTokenBucket;
  } else if (name == "fixed_window") {
    p.algorithm = RateAlgorithm::kFixedWindow;
  }
  if (burst.present()) {
    if (p.algorithm != RateAlgorithm::kTokenBucket) {
      burst.error("applies to algorithm: token_bucket only");
    } else {
      p.burst = burst.int_or(0, 1, kMaxRateLimit);
    }
  }

  const ConfigNode max_wait = node["max_wait"];
  if (std::optional<milliseconds> d = max_wait.present() ? max_wait.duration() : std::nullopt) {
    if (*d > kMaxRateWait) {
      max_wait.error("must be at most 1h");
    } else {
      p.max_wait = *d;
    }
  }

  if (!watch.ok()) return std::nullopt;
  return p;
}

std::string format_duration(milliseconds d) {
  const std::int64_t ms = d.count();
  if (ms == 0) return "0";
  struct Unit {
    std::int64_t ms;
    const char* suffix;
  };
  for (Unit u : {Unit{86'400'000, "d"}, Unit{3'600'000, "h"}, Unit{60'000, "m"}, Unit{1000, "s"}}) {
    if (ms % u.ms == 0) return std::to_string(ms / u.ms) + u.suffix;
  }
  return std::to_string(ms) + "ms";
}

std::string describe(const RateLimitPolicy& p) {
  return std::to_string(p.limit) + (p.limit == 1 ? " call per " : " calls per ") +
         format_duration(p.per);
}

std::string rate_limited_message(std::string_view provider, const RateLimitPolicy& policy,
                                 milliseconds retry_after, bool provider_hint) {
  // Whole seconds, rounded up, so that retrying after the number shown is never too early.
  const std::int64_t ms = std::max<std::int64_t>(retry_after.count(), 0);
  const std::string wait =
      ms < 1000 ? std::to_string(ms) + "ms" : std::to_string((ms + 999) / 1000) + "s";
  std::string text;
  if (provider_hint) {
    text = "rate limited by ";
    text += provider;
    text += " (it asked wharf to pause: Retry-After or an exhausted quota)";
  } else {
    text = "rate limited by wharf: ";
    text += provider;
    text += " allows " + describe(policy);
  }
  return text + "; retry after " + wait;
}

}  // namespace wharf::resilience
