// Injected faults: rules added through the control API (POST /_mock/faults) that make matching
// requests slow, fail with a status, drop the connection or never be answered. Thread-safe
// (internal mutex).
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "mock/route_pattern.h"

namespace wharf::mock {

struct FaultRule {
  std::int64_t id = 0;
  RoutePattern route;
  int status = 0;                        // 0: no status fault (latency alone, or reset/timeout)
  std::string retry_after;               // sent as Retry-After with the status when not empty
  std::string body;                      // the status fault's body; default: a JSON error
  std::chrono::milliseconds latency{0};  // waited before anything else
  std::optional<int> times;              // uses left; nullopt: forever
  bool reset = false;                    // close the connection without answering
  bool timeout = false;                  // never answer
  // The pause between the events of a text/event-stream answer (Anthropic's "stream": true);
  // nullopt: the Simulator's default.
  std::optional<std::chrono::milliseconds> stream_delay;

  boost::json::object to_json() const;
};

// Reads {"route", "status", "retry_after", "body", "latency_ms", "times", "reset", "timeout",
// "stream_delay_ms"}.
// Errc::kInvalidArgument naming the field when one is missing (route) or of the wrong type, the
// status is not 100..599, times < 1, or the rule would do nothing.
Result<FaultRule> parse_fault_rule(const boost::json::value& json);

class FaultRules {
 public:
  // Adds `rule` (its id is assigned here) and returns it.
  FaultRule add(FaultRule rule);
  // Removes every rule; returns how many there were.
  std::size_t clear();
  // The first rule (in the order added) matching the request, with one use taken from it (a rule
  // used up is removed); nullopt when none matches.
  std::optional<FaultRule> take(std::string_view method, std::string_view path);
  boost::json::array list() const;

 private:
  mutable std::mutex mu_;
  std::vector<FaultRule> rules_;  // guarded by mu_
  std::int64_t next_id_ = 1;      // guarded by mu_
};

}  // namespace wharf::mock
