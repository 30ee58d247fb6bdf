#include "dispatch/forward_verdict.h"

#include "resilience/retry_after.h"

namespace wharf::dispatch {

ForwardVerdict judge_forward(const ForwardResponse& r, std::int64_t now_ms) {
  ForwardVerdict v;
  if (r.status == 0) {
    v.outcome = r.timed_out ? "timeout" : "error";
    v.unhealthy = true;
    v.error = r.error.empty() ? "no answer" : r.error;
    return v;
  }
  if (r.status >= 200 && r.status < 300) {
    v.kind = ForwardVerdict::Kind::kDelivered;
    v.outcome = "ok";
    return v;
  }
  v.error = "HTTP " + std::to_string(r.status);
  if (r.status == 410) {
    v.kind = ForwardVerdict::Kind::kGone;
    v.outcome = "gone";
    v.error += " Gone: destination disabled until enabled again";
    return v;
  }
  v.outcome = "failed";
  if (r.status >= 300 && r.status < 400) v.error += " (redirects are not followed)";
  v.unhealthy = r.status >= 500 || r.status == 429;
  if ((r.status == 429 || r.status == 503) && r.retry_after) {
    v.retry_after = resilience::parse_retry_after(*r.retry_after, now_ms);
  }
  return v;
}

}  // namespace wharf::dispatch
