// The provider simulator behind `wharf mock`: the simulated providers' routes (provider_registry),
// the fault rules, the rate limits and the request journal, answering on one http::Server
// listener. Provider requests first meet the fault rules (latency, status, reset, timeout), then
// the rate limits, then the provider; every one is journaled. The control API lives under /_mock/
// (docs/mock.md). A text/event-stream answer is sent one event per chunk, a pause apart, when the
// server can stream (http::Request::stream). Thread-safe: handle() may run on several I/O threads
// at once.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/clock.h"
#include "http/types.h"
#include "mock/fault_rules.h"
#include "mock/journal.h"
#include "mock/provider_registry.h"
#include "mock/rate_limits.h"

namespace wharf::mock {

class Simulator {
 public:
  // The pause between streamed events unless a fault rule's stream_delay_ms says otherwise.
  static constexpr std::chrono::milliseconds kDefaultStreamDelay{20};

  // `clock` (which must outlive the Simulator) times the journal and the rate-limit windows;
  // fault latency is real time on the calling coroutine's executor.
  explicit Simulator(const Clock& clock = SystemClock::instance(),
                     std::uint64_t seed = std::random_device{}());

  // Answers one request. A `reset` fault throws http::ConnectionAbort (http::Server then drops
  // the connection unanswered); a `timeout` fault waits a day.
  boost::asio::awaitable<http::Response> handle(http::Request& req);
  // handle() as an http::Server handler; the Simulator must outlive the server.
  http::Handler handler();

 private:
  boost::asio::awaitable<http::Response> control(http::Request& req, std::string_view path,
                                                 std::string_view query);
  // Sends `res` (an event stream) on req.stream, one event per chunk, `delay` apart.
  static boost::asio::awaitable<void> send_events(http::Request& req, const http::Response& res,
                                                  std::chrono::milliseconds delay);
  http::Response provide(http::Request& req, std::string_view path, std::string_view query,
                         std::int64_t seq);

  const Clock& clock_;
  FaultRules faults_;
  RateLimits rate_limits_;
  Journal journal_;
  std::mutex providers_mu_;
  IdSource ids_;                          // guarded by providers_mu_
  std::vector<NamedProvider> providers_;  // guarded by providers_mu_
};

}  // namespace wharf::mock
