// The dispatcher: takes every stored event to its targets, at least once, in the background.
//
// One lane per target: each forward destination (HTTP POST signed with Standard Webhooks, at
// most max_in_flight at a time, behind its own circuit breaker) and each built-in handler in the
// routes (run by the store in the transaction that records the outcome). A lane claims due
// deliveries with a lease, attempts them and reports the results; a failure is retried on the
// route's schedule, then the delivery is dead (the DLQ). A slow or dead destination only fills
// its own lane: the others, and ingest, never wait for it.
//
// Runs on its own thread and io_context ("wharf-dispatch"), plus a thread that refreshes the
// queue gauges ("wharf-stats"). notify() and the status calls are thread-safe; start() and stop()
// are called once each, by the owner.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "dispatch/destinations.h"
#include "dispatch/handler.h"
#include "dispatch/retry_policy.h"
#include "dispatch/routes.h"
#include "dispatch/transport.h"
#include "resilience/circuit_breaker.h"
#include "store/store.h"

namespace wharf::observe {
class Registry;
}

namespace wharf::dispatch {

struct DispatcherOptions {
  RetrySchedule retry_schedule = default_retry_schedule();  // `dispatch.retry_schedule`
  double jitter = kDefaultRetryJitter;                      // `dispatch.jitter`
  int handler_batch = 256;  // deliveries a handler lane runs per store transaction
  // A forward's lease is twice its timeout (a claimed delivery may wait for a slot, then make its
  // attempt) plus this: long enough that a live attempt never loses it.
  std::chrono::milliseconds lease_margin{30'000};
  // The longest a lane sleeps without looking for due work (a safety net; wake-ups are notified).
  std::chrono::milliseconds idle_poll{5'000};
  std::chrono::milliseconds stats_interval{5'000};  // queue depth and DLQ gauges
  RetryPolicy::Uniform01 uniform01;  // jitter randomness (tests); empty: CSPRNG-seeded
};

// The target names the store keeps: "handler:NAME" and "forward:NAME".
std::string target_key(const Target& t);

// The router the store calls at ingest and replay: the targets of `routes` as target keys.
store::Router make_router(const RouteTable& routes);

class Dispatcher {
 public:
  // Makes a destination's own transport: each destination has its own connections, so one that
  // hangs cannot hold the connections another needs, even on the same host.
  using TransportFactory = std::function<std::unique_ptr<Transport>(
      boost::asio::io_context::executor_type, const Destination&)>;

  // `routes`, `handlers`, `destinations`, `clock` and `metrics` must outlive the dispatcher. Every
  // handler named by a route must be in `handlers` (the config loader checks).
  Dispatcher(store::Store& store, const RouteTable& routes, const HandlerRegistry& handlers,
             std::vector<Destination> destinations, TransportFactory transport, const Clock& clock,
             observe::Registry& metrics, DispatcherOptions options = {});
  ~Dispatcher();

  void start();
  // Something may be due (new events, a replay, a re-enabled destination): lanes look now. The
  // second form wakes only the lanes of `targets` (target keys, as the store reports them).
  void notify();
  void notify(const std::vector<std::string>& targets);
  // Stops claiming and waits up to `timeout` for the attempts in flight and their results to be
  // recorded. An attempt still running after that is abandoned: its lease makes it due again
  // after a restart (at-least-once).
  void stop(std::chrono::milliseconds timeout);

  struct DestinationStatus {
    std::string name;
    std::string url;
    resilience::BreakerSnapshot breaker;
    int in_flight = 0;
    int max_in_flight = 0;
    bool disabled = false;
    std::string disabled_reason;
  };
  std::vector<DestinationStatus> destinations() const;
  // Enables a destination disabled by a 410 (and closes its breaker). False: no such destination.
  // `done` runs once the change is durable, on the store's writer thread.
  bool enable(const std::string& name, std::function<void(Result<void>)> done);

 private:
  struct Lane;
  boost::asio::awaitable<void> run_forward_lane(Lane& lane);
  boost::asio::awaitable<void> claim_more(Lane& lane, int want);
  boost::asio::awaitable<void> run_handler_lane(Lane& lane);
  boost::asio::awaitable<void> deliver(Lane& lane, store::ClaimedDelivery d,
                                       resilience::CircuitBreaker::Permit permit);
  boost::asio::awaitable<void> sleep(Lane& lane, std::optional<std::int64_t> until_ms);
  boost::asio::awaitable<void> flush_results();
  void refresh_stats();
  void queue_result(Lane& lane, store::DeliveryResult r);
  const RetryPolicy& policy_for(const store::StoredEvent& e, const std::string& target) const;
  void load_disabled();
  void close_transports();
  void wake(Lane& lane);  // dispatcher thread

  store::Store& store_;
  const RouteTable& routes_;
  const HandlerRegistry& handlers_;
  std::vector<Destination> destinations_;
  const Clock& clock_;
  observe::Registry& metrics_;
  DispatcherOptions options_;
  RetryPolicy default_policy_;
  std::map<const Route*, RetryPolicy> route_policies_;

  boost::asio::io_context io_;
  std::vector<std::unique_ptr<Lane>> lanes_;             // fixed after construction
  std::vector<store::DeliveryResult> results_;           // dispatcher thread only
  std::vector<std::pair<Lane*, std::int64_t>> retries_;  // their lanes and due times; same
  bool flushing_ = false;                                // dispatcher thread only
  bool stopping_ = false;                                // dispatcher thread only
  std::atomic<int> busy_{0};  // attempts in flight + result flushes running
  std::thread thread_;
  bool started_ = false;
  std::mutex stats_mu_;
  std::condition_variable stats_cv_;
  bool stats_stop_ = false;  // guarded by stats_mu_
  std::thread stats_thread_;
};

}  // namespace wharf::dispatch
