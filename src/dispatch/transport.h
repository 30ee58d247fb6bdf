// How the dispatcher POSTs an event to a forward destination: an interface, so the dispatcher's
// tests use a scripted fake and production uses the outbound HTTP client (http_transport.h).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "dispatch/destinations.h"

namespace wharf::dispatch {

struct ForwardRequest {
  std::string url;
  HeaderList headers;
  std::string body;
  std::chrono::milliseconds timeout{10'000};
};

struct ForwardResponse {
  int status = 0;  // 0: no HTTP answer (see timed_out and error)
  std::optional<std::string> retry_after;
  bool timed_out = false;
  std::string error;  // why there was no answer; safe to log (no URL query, no header values)
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends `request`; `done` runs exactly once, on any thread (also after close(), as cancelled).
  virtual void post(ForwardRequest request, std::function<void(ForwardResponse)> done) = 0;
  // Aborts requests in flight; later posts fail at once.
  virtual void close() = 0;
};

}  // namespace wharf::dispatch
