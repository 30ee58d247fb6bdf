// What a forward attempt's answer means for the delivery and for the destination: the one place
// the dispatcher's success, retry and health rules live. Pure: thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "dispatch/transport.h"

namespace wharf::dispatch {

struct ForwardVerdict {
  enum class Kind {
    kDelivered,  // 2xx: done
    kFailed,     // anything else: retried on the route's schedule, then the DLQ
    kGone,       // 410: the destination is disabled until an operator enables it again
  };
  Kind kind = Kind::kFailed;
  std::string outcome;  // ok | failed | gone | timeout | error (the attempt log's `outcome`)
  // Counts against the destination's circuit breaker: no answer, 5xx and 429 say the
  // destination is unwell. Other 4xx are answers from a healthy destination that refused this
  // event: they fail the delivery but do not open the breaker for the others.
  bool unhealthy = false;
  std::optional<std::chrono::milliseconds> retry_after;  // from 429 and 503 answers
  std::string error;                                     // empty when delivered
};

ForwardVerdict judge_forward(const ForwardResponse& response, std::int64_t now_ms);

}  // namespace wharf::dispatch
