#include "dispatch/dispatcher.h"

#include <pthread.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <unordered_map>

#include "core/log.h"
#include "dispatch/forward_verdict.h"
#include "observe/metrics.h"
#include "store/await.h"

namespace wharf::dispatch {
namespace asio = boost::asio;

namespace {

using store::await_result;

}  // namespace

std::string target_key(const Target& t) {
  return (t.kind == Target::Kind::kHandler ? "handler:" : "forward:") + t.name;
}

store::Router make_router(const RouteTable& routes) {
  // The router runs for every stored event: target keys are built once, not per event.
  auto keys = std::make_shared<std::unordered_map<const Target*, std::string>>();
  for (const Route& r : routes.routes()) {
    for (const Target& t : r.targets) keys->emplace(&t, target_key(t));
  }
  return [&routes, keys](std::string_view source, std::string_view type) {
    std::vector<std::string> out;
    for (const RoutedTarget& rt : routes.resolve(source, type)) out.push_back(keys->at(rt.target));
    return out;
  };
}

struct Dispatcher::Lane {
  Lane(asio::io_context& io, std::string key) : target(std::move(key)), wake(io) {}

  std::string target;
  const Destination* destination = nullptr;  // forward lanes
  std::unique_ptr<Transport> transport;      // forward lanes
  Handler* handler = nullptr;                // handler lanes
  std::unique_ptr<resilience::CircuitBreaker> breaker;
  asio::steady_timer wake;
  bool dirty = true;  // dispatcher thread only: look for due work before sleeping
  std::atomic<int> in_flight{0};
  std::atomic<bool> disabled{false};
  // Bumped by every 410 before its disable is queued: an enable whose commit raced one does not
  // clear the flag in memory (the store applies the two in queue order, so it ends disabled too).
  std::atomic<std::uint64_t> disable_epoch{0};
  // Forward lanes, dispatcher thread only: deliveries claimed but not yet attempted, whether a
  // claim is running, and when the next delivery is due (0: look now).
  struct Claimed {
    store::ClaimedDelivery delivery;
    std::int64_t lease_until_ms = 0;
  };
  std::deque<Claimed> ready;
  bool claiming = false;
  std::int64_t next_due_ms = 0;
  std::uint64_t wakes = 0;  // wake() calls: one during a claim outdates the claim's next_due
  mutable std::mutex reason_mu;
  std::string disabled_reason;  // guarded by reason_mu

  observe::Counter* attempts_ok = nullptr;
  observe::Counter* attempts_failed = nullptr;
  observe::Counter* attempts_timeout = nullptr;
  observe::Counter* attempts_error = nullptr;
  observe::Counter* attempts_gone = nullptr;
  observe::Counter* dead = nullptr;
  observe::Histogram* latency = nullptr;
  observe::Gauge* breaker_state = nullptr;
  observe::Gauge* disabled_gauge = nullptr;

  observe::Counter* attempts_for(std::string_view outcome) const {
    if (outcome == "ok") return attempts_ok;
    if (outcome == "timeout") return attempts_timeout;
    if (outcome == "error") return attempts_error;
    if (outcome == "gone") return attempts_gone;
    return attempts_failed;
  }
};

Dispatcher::Dispatcher(store::Store& store, const RouteTable& routes,
                       const HandlerRegistry& handlers, std::vector<Destination> destinations,
                       TransportFactory transport, const Clock& clock, observe::Registry& metrics,
                       DispatcherOptions options)
    : store_(store),
      routes_(routes),
      handlers_(handlers),
      destinations_(std::move(destinations)),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      default_policy_(options_.retry_schedule, options_.jitter, options_.uniform01) {
  for (const Route& r : routes_.routes()) {
    if (r.retry_schedule) {
      route_policies_.emplace(
          &r, RetryPolicy(RetrySchedule{*r.retry_schedule}, options_.jitter, options_.uniform01));
    }
  }

  auto add_metrics = [this](Lane& lane) {
    observe::Labels l{{"target", lane.target}};
    auto attempts = [&](const char* outcome) {
      observe::Labels with = l;
      with.emplace_back("outcome", outcome);
      return &metrics_.counter("wharf_dispatch_attempts_total",
                               "Delivery attempts by target and outcome", with);
    };
    lane.attempts_ok = attempts("ok");
    lane.attempts_failed = attempts("failed");
    lane.attempts_timeout = attempts("timeout");
    lane.attempts_error = attempts("error");
    lane.attempts_gone = attempts("gone");
    lane.dead = &metrics_.counter("wharf_dispatch_dead_total",
                                  "Deliveries that exhausted their attempts (moved to the DLQ)", l);
    lane.latency =
        &metrics_.histogram("wharf_dispatch_delivery_seconds",
                            "From an event's receipt to its successful delivery to a target", l,
                            {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,  0.25, 0.5,   1,
                             2.5,   5,      10,    30,   60,    300,  1800, 3600, 14400, 86400});
  };
  for (const Destination& d : destinations_) {
    auto lane = std::make_unique<Lane>(io_, target_key({Target::Kind::kForward, d.name}));
    lane->destination = &d;
    lane->transport = transport(io_.get_executor(), d);
    Lane* raw = lane.get();
    lane->breaker = std::make_unique<resilience::CircuitBreaker>(
        d.breaker, clock_,
        [raw, name = d.name](resilience::BreakerState from, resilience::BreakerState to) {
          raw->breaker_state->set(resilience::gauge_value(to));
          log::warn("destination circuit breaker changed state",
                    {{"destination", name},
                     {"from", std::string(resilience::to_string(from))},
                     {"to", std::string(resilience::to_string(to))}});
        });
    observe::Labels dl{{"destination", d.name}};
    lane->breaker_state = &metrics_.gauge(
        "wharf_destination_breaker_state",
        "Circuit breaker of a forward destination: 0 closed, 1 half-open, 2 open", dl);
    lane->disabled_gauge = &metrics_.gauge(
        "wharf_destination_disabled", "1 while a destination is disabled (it answered 410)", dl);
    add_metrics(*lane);
    lanes_.push_back(std::move(lane));
  }
  std::set<std::string> handler_names;
  for (const Route& r : routes_.routes()) {
    for (const Target& t : r.targets) {
      if (t.kind == Target::Kind::kHandler) handler_names.insert(t.name);
    }
  }
  for (const auto& name : handler_names) {
    auto lane = std::make_unique<Lane>(io_, target_key({Target::Kind::kHandler, name}));
    lane->handler = handlers_.find(name);
    assert(lane->handler && "routes name only registered handlers (config check)");
    add_metrics(*lane);
    lanes_.push_back(std::move(lane));
  }
}

Dispatcher::~Dispatcher() { stop(std::chrono::milliseconds(0)); }

void Dispatcher::load_disabled() {
  auto disabled = store_.disabled_targets();
  if (!disabled) {
    log::warn("cannot read disabled destinations", {{"error", disabled.error().message}});
    return;
  }
  for (const auto& t : *disabled) {
    for (auto& lane : lanes_) {
      if (lane->target != t.target) continue;
      lane->disabled = true;
      lane->disabled_gauge->set(1);
      std::lock_guard lock(lane->reason_mu);
      lane->disabled_reason = t.reason;
    }
  }
  auto waiting = store_.waiting_targets();
  if (waiting) {
    for (const auto& t : *waiting) {
      bool known = false;
      for (auto& lane : lanes_) known |= lane->target == t;
      if (!known) {
        log::warn(
            "deliveries wait for a target that is not configured (add it back, or they stay "
            "pending)",
            {{"target", t}});
      }
    }
  }
}

void Dispatcher::start() {
  if (started_) return;
  started_ = true;
  load_disabled();
  for (auto& lane : lanes_) {
    if (lane->destination) {
      asio::co_spawn(io_, run_forward_lane(*lane), asio::detached);
    } else {
      asio::co_spawn(io_, run_handler_lane(*lane), asio::detached);
    }
  }
  stats_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "wharf-stats");
    refresh_stats();
  });
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "wharf-dispatch");
    try {
      io_.run();
    } catch (const std::exception& e) {
      log::error("dispatcher stopped on an exception", {{"error", e.what()}});
    }
  });
  log::info("dispatcher started", {{"lanes", lanes_.size()}});
}

void Dispatcher::notify() {
  asio::post(io_, [this] {
    for (auto& lane : lanes_) wake(*lane);
  });
}

void Dispatcher::notify(const std::vector<std::string>& targets) {
  asio::post(io_, [this, targets] {
    for (auto& lane : lanes_) {
      if (std::find(targets.begin(), targets.end(), lane->target) != targets.end()) wake(*lane);
    }
  });
}

void Dispatcher::wake(Lane& lane) {
  ++lane.wakes;
  lane.dirty = true;
  lane.next_due_ms = 0;
  lane.wake.cancel();
}

void Dispatcher::stop(std::chrono::milliseconds timeout) {
  if (!started_) {
    close_transports();
    return;
  }
  started_ = false;
  asio::post(io_, [this] {
    stopping_ = true;
    for (auto& lane : lanes_) lane->wake.cancel();
  });
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (busy_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (busy_.load() > 0) {
    log::warn("dispatcher stopped with attempts in flight; they will run again after a restart",
              {{"in_flight", busy_.load()}});
    // Abort them (on the loop, which is still running), and give the loop a moment to see the
    // cancellations through.
    close_transports();
    auto grace = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    while (busy_.load() > 0 && std::chrono::steady_clock::now() < grace) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  close_transports();
  {
    std::lock_guard lock(stats_mu_);
    stats_stop_ = true;
  }
  stats_cv_.notify_all();
  if (stats_thread_.joinable()) stats_thread_.join();
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void Dispatcher::close_transports() {
  for (auto& lane : lanes_) {
    if (lane->transport) lane->transport->close();
  }
}

asio::awaitable<void> Dispatcher::sleep(Lane& lane, std::optional<std::int64_t> until_ms) {
  if (lane.dirty || stopping_) co_return;
  auto wait = options_.idle_poll;
  if (until_ms) {
    auto left = std::chrono::milliseconds(*until_ms - clock_.now_ms());
    wait = std::clamp(left, std::chrono::milliseconds(0), options_.idle_poll);
  }
  lane.wake.expires_after(wait);
  boost::system::error_code ec;
  co_await lane.wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// The lane keeps one claim ahead of its sends: while up to max_in_flight attempts run, the next
// batch is being claimed (a claim is a durable commit), so the destination never waits for the
// store between batches.
asio::awaitable<void> Dispatcher::run_forward_lane(Lane& lane) {
  const Destination& dest = *lane.destination;
  while (!stopping_) {
    lane.dirty = false;
    std::int64_t now = clock_.now_ms();
    if (lane.disabled) {
      // Claimed deliveries stay: once enabled they are attempted if their lease still covers an
      // attempt, else claimed again when it lapses.
      co_await sleep(lane, std::nullopt);
      continue;
    }
    // 1. Start attempts from the claimed deliveries, as slots and the breaker allow. An open
    // breaker attempts nothing (no attempt is spent) until it lets a probe through.
    std::optional<std::int64_t> wake_at;
    bool breaker_closed_to_us = false;
    while (lane.in_flight < dest.max_in_flight && !lane.ready.empty()) {
      if (std::int64_t until = lane.breaker->open_until_ms(); until > now) {
        wake_at = until;
        breaker_closed_to_us = true;
        break;
      }
      Lane::Claimed next = std::move(lane.ready.front());
      lane.ready.pop_front();
      // Too little lease left for a whole attempt: drop it; once its lease lapses it is due again.
      if (next.lease_until_ms - now < dest.timeout.count() + 1000) continue;
      auto permit = lane.breaker->try_acquire();
      if (!permit) {
        lane.ready.push_front(std::move(next));
        breaker_closed_to_us = true;  // half-open with every probe out: a result wakes us
        break;
      }
      ++lane.in_flight;
      ++busy_;
      asio::co_spawn(io_, deliver(lane, std::move(next.delivery), permit), asio::detached);
    }
    // 2. Keep the next batch claimed.
    bool want_more = static_cast<int>(lane.ready.size()) < dest.max_in_flight;
    if (want_more && !breaker_closed_to_us && !lane.claiming && lane.next_due_ms <= now) {
      lane.claiming = true;
      ++busy_;
      asio::co_spawn(io_,
                     claim_more(lane, dest.max_in_flight - static_cast<int>(lane.ready.size())),
                     asio::detached);
    } else if (want_more && !lane.claiming && !breaker_closed_to_us) {
      wake_at = lane.next_due_ms;
    }
    // Woken by: a claim landing, an attempt finishing, a notify (new work), or the due time.
    co_await sleep(lane, wake_at);
  }
}

asio::awaitable<void> Dispatcher::claim_more(Lane& lane, int want) {
  const Destination& dest = *lane.destination;
  std::int64_t now = clock_.now_ms();
  const std::uint64_t wakes_before = lane.wakes;
  // A claimed delivery may wait for a slot (up to one attempt's time) before its own attempt.
  std::int64_t lease_until = now + (2 * dest.timeout + options_.lease_margin).count();
  auto call = [this, &lane, want, now, lease_until](auto done) {
    store_.claim(lane.target, want, now, lease_until, std::move(done));
  };
  auto claimed = co_await await_result<store::ClaimResult>(std::move(call));
  lane.claiming = false;
  --busy_;
  if (!claimed) {
    log::warn("cannot claim deliveries",
              {{"target", lane.target}, {"error", claimed.error().message}});
    lane.next_due_ms = clock_.now_ms() + 1000;
  } else if (!stopping_) {
    // Claimed while stopping: not attempted; the SQLite engine releases the leases at the next
    // start (other engines let them expire).
    bool all = static_cast<int>(claimed->deliveries.size()) == want;
    for (auto& d : claimed->deliveries) lane.ready.push_back({std::move(d), lease_until});
    // Fewer than asked: nothing else is due before next_due (or a notify says otherwise).
    lane.next_due_ms = all ? now : claimed->next_due_ms.value_or(now + options_.idle_poll.count());
    // New work was announced while this claim ran: its view of what is due may predate it.
    if (lane.wakes != wakes_before) lane.next_due_ms = 0;
  }
  lane.dirty = true;
  lane.wake.cancel();
}

asio::awaitable<void> Dispatcher::deliver(Lane& lane, store::ClaimedDelivery d,
                                          resilience::CircuitBreaker::Permit permit) {
  const Destination& dest = *lane.destination;
  std::int64_t started_ms = clock_.now_ms();
  auto started = std::chrono::steady_clock::now();
  int number = d.attempts_before + 1;

  ForwardRequest req;
  req.url = dest.url;
  req.timeout = dest.timeout;
  req.headers = standard_webhook_headers(dest, d.event.id, started_ms / 1000, d.event.payload);
  req.headers.emplace_back("content-type", d.event.content_type.empty() ? "application/octet-stream"
                                                                        : d.event.content_type);
  req.headers.emplace_back("user-agent", std::string("wharf/") + WHARF_VERSION);
  req.headers.emplace_back("wharf-event-source", d.event.source);
  req.headers.emplace_back("wharf-event-type", d.event.type);
  req.headers.emplace_back("wharf-attempt", std::to_string(number));
  for (const auto& h : dest.headers) req.headers.push_back(h);
  req.body = std::move(d.event.payload);  // signed above; not needed after this

  auto send = [&lane, r = std::move(req)](auto done) mutable {
    lane.transport->post(std::move(r), [done = std::move(done)](ForwardResponse resp) mutable {
      std::move(done)(Result<ForwardResponse>(std::move(resp)));
    });
  };
  auto answer = co_await await_result<ForwardResponse>(std::move(send));
  if (stopping_ && answer->status == 0 && answer->error.starts_with("cancelled")) {
    // Aborted by the shutdown, not by the destination: no attempt is recorded and the lease is
    // released at the next start, so the attempt is simply made again.
    lane.breaker->on_ignored(permit);
    --lane.in_flight;
    --busy_;
    co_return;
  }
  auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  std::int64_t now = clock_.now_ms();
  ForwardVerdict v = judge_forward(*answer, now);
  if (v.unhealthy)
    lane.breaker->on_failure(permit, duration);
  else
    lane.breaker->on_success(permit, duration);

  store::DeliveryResult result;
  result.delivery_id = d.delivery_id;
  result.lease = d.lease;
  result.series = d.series;
  result.number = number;
  result.attempt = {started_ms, duration.count(), v.outcome, answer->status, v.error};
  lane.attempts_for(v.outcome)->inc();
  switch (v.kind) {
    case ForwardVerdict::Kind::kDelivered:
      result.next = store::DeliveryResult::Next::kDone;
      lane.latency->observe(static_cast<double>(now - d.event.received_at_ms) / 1000.0);
      break;
    case ForwardVerdict::Kind::kGone: {
      // Not the event's fault: it waits, with its attempts, until the destination is enabled.
      result.next = store::DeliveryResult::Next::kRetry;
      result.next_attempt_ms = now;
      ++lane.disable_epoch;
      if (!lane.disabled.exchange(true)) {
        std::string reason = "answered 410 Gone to event " + d.event.id;
        {
          std::lock_guard lock(lane.reason_mu);
          lane.disabled_reason = reason;
        }
        lane.disabled_gauge->set(1);
        log::warn("destination disabled: it answered 410 Gone",
                  {{"destination", dest.name}, {"event", d.event.id}});
        store_.set_target_disabled(
            lane.target, reason, now, [target = lane.target](Result<void> r) {
              if (!r) {
                log::error("cannot record a disabled destination",
                           {{"target", target}, {"error", r.error().message}});
              }
            });
      }
      break;
    }
    case ForwardVerdict::Kind::kFailed: {
      auto decision = policy_for(d.event, lane.target).after_failure(number, v.retry_after);
      if (decision.give_up) {
        result.next = store::DeliveryResult::Next::kDead;
        lane.dead->inc();
        log::warn("delivery moved to the DLQ after its last attempt", {{"target", lane.target},
                                                                       {"event", d.event.id},
                                                                       {"attempts", number},
                                                                       {"error", v.error}});
      } else {
        result.next = store::DeliveryResult::Next::kRetry;
        result.next_attempt_ms = now + decision.delay.count();
      }
      break;
    }
  }
  queue_result(lane, std::move(result));
  --lane.in_flight;
  --busy_;
  lane.dirty = true;
  lane.wake.cancel();
}

void Dispatcher::queue_result(Lane& lane, store::DeliveryResult r) {
  if (r.next == store::DeliveryResult::Next::kRetry) {
    retries_.push_back({&lane, r.next_attempt_ms});
  }
  results_.push_back(std::move(r));
  if (!flushing_) {
    flushing_ = true;
    ++busy_;
    asio::co_spawn(io_, flush_results(), asio::detached);
  }
}

asio::awaitable<void> Dispatcher::flush_results() {
  // One store call for every result that arrived while the previous one committed.
  while (!results_.empty()) {
    std::vector<store::DeliveryResult> batch;
    batch.swap(results_);
    std::vector<std::pair<Lane*, std::int64_t>> retries;
    retries.swap(retries_);
    auto call = [this, b = std::move(batch)](auto done) mutable {
      store_.complete(std::move(b), std::move(done));
    };
    auto r = co_await await_result<void>(std::move(call));
    if (!r) {
      // The leases expire and the deliveries run again: at least once, never lost.
      log::error("cannot record delivery results; they will be attempted again",
                 {{"error", r.error().message}});
      continue;
    }
    // Now that the store knows when they are due again, their lanes know too.
    for (auto [lane, due] : retries) {
      lane->next_due_ms = std::min(lane->next_due_ms, due);
      lane->dirty = true;
      lane->wake.cancel();
    }
  }
  flushing_ = false;
  --busy_;
}

asio::awaitable<void> Dispatcher::run_handler_lane(Lane& lane) {
  while (!stopping_) {
    lane.dirty = false;
    store::HandlerRun run;
    run.target = lane.target;
    run.limit = options_.handler_batch;
    run.now_ms = clock_.now_ms();
    Handler* handler = lane.handler;
    run.handle = [handler](const store::StoredEvent& e, store::Transaction& txn) {
      return handler->handle(e, txn);
    };
    run.retry_at = [this, target = lane.target, &lane](
                       const store::StoredEvent& e, int attempts) -> std::optional<std::int64_t> {
      auto decision = policy_for(e, target).after_failure(attempts, std::nullopt);
      if (decision.give_up) {
        lane.dead->inc();
        return std::nullopt;
      }
      return clock_.now_ms() + decision.delay.count();
    };
    ++busy_;
    auto call = [this, r = std::move(run)](auto done) mutable {
      store_.run_handler(std::move(r), std::move(done));
    };
    auto result = co_await await_result<store::HandlerRunResult>(std::move(call));
    --busy_;
    if (!result) {
      log::warn("handler run failed", {{"target", lane.target}, {"error", result.error().message}});
      co_await sleep(lane, clock_.now_ms() + 1000);
      continue;
    }
    std::int64_t now = clock_.now_ms();
    lane.attempts_ok->inc(static_cast<std::uint64_t>(result->done));
    lane.attempts_failed->inc(static_cast<std::uint64_t>(result->failed + result->dead));
    for (std::int64_t received : result->done_received_at_ms) {
      lane.latency->observe(static_cast<double>(now - received) / 1000.0);
    }
    if (result->done + result->failed + result->dead < options_.handler_batch) {
      co_await sleep(lane, result->next_due_ms);
    }
  }
}

void Dispatcher::refresh_stats() {
  // Its own thread: the queue-depth query grows with the backlog and must not hold up the lanes.
  std::set<std::pair<std::string, std::string>> seen;
  auto& dlq = metrics_.gauge("wharf_dispatch_dlq_size", "Deliveries in the DLQ (dead)");
  std::unique_lock lock(stats_mu_);
  while (!stats_stop_) {
    lock.unlock();
    auto depth = store_.queue_depth();
    if (depth) {
      std::map<std::pair<std::string, std::string>, std::int64_t> now;
      std::int64_t dead = 0;
      for (const auto& q : *depth) {
        now[{q.target, q.status}] = q.count;
        if (q.status == "dead") dead += q.count;
      }
      for (const auto& key : seen) now.try_emplace(key, 0);  // drained since: show 0
      for (const auto& [key, count] : now) {
        metrics_
            .gauge("wharf_dispatch_queue_depth", "Deliveries by target and status (not done)",
                   {{"target", key.first}, {"status", key.second}})
            .set(count);
        seen.insert(key);
      }
      dlq.set(dead);
    }
    lock.lock();
    stats_cv_.wait_for(lock, options_.stats_interval, [this] { return stats_stop_; });
  }
}

const RetryPolicy& Dispatcher::policy_for(const store::StoredEvent& e,
                                          const std::string& target) const {
  if (route_policies_.empty()) return default_policy_;
  for (const RoutedTarget& rt : routes_.resolve(e.source, e.type)) {
    if (target_key(*rt.target) != target) continue;
    auto it = route_policies_.find(rt.route);
    if (it != route_policies_.end()) return it->second;
    break;
  }
  return default_policy_;
}

std::vector<Dispatcher::DestinationStatus> Dispatcher::destinations() const {
  std::vector<DestinationStatus> out;
  for (const auto& lane : lanes_) {
    if (!lane->destination) continue;
    DestinationStatus s;
    s.name = lane->destination->name;
    s.url = lane->destination->url;
    s.breaker = lane->breaker->snapshot();
    s.in_flight = lane->in_flight;
    s.max_in_flight = lane->destination->max_in_flight;
    s.disabled = lane->disabled;
    std::lock_guard lock(lane->reason_mu);
    s.disabled_reason = lane->disabled_reason;
    out.push_back(std::move(s));
  }
  return out;
}

bool Dispatcher::enable(const std::string& name, std::function<void(Result<void>)> done) {
  Lane* found = nullptr;
  for (auto& lane : lanes_) {
    if (lane->destination && lane->destination->name == name) found = lane.get();
  }
  if (!found) return false;
  std::uint64_t epoch = found->disable_epoch.load();
  auto enabled = [this, found, epoch, done = std::move(done)](Result<void> r) mutable {
    if (r && found->disable_epoch.load() != epoch) {
      log::warn("destination answered 410 again while being enabled; it stays disabled",
                {{"target", found->target}});
    } else if (r) {
      found->disabled = false;
      found->disabled_gauge->set(0);
      {
        std::lock_guard lock(found->reason_mu);
        found->disabled_reason.clear();
      }
      found->breaker->reset();
      log::info("destination enabled", {{"target", found->target}});
      notify();
    }
    std::move(done)(std::move(r));
  };
  store_.set_target_disabled(found->target, std::nullopt, clock_.now_ms(), std::move(enabled));
  return true;
}

}  // namespace wharf::dispatch
