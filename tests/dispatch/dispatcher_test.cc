#include "dispatch/dispatcher.h"

#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <future>

#include "core/crypto.h"
#include "core/encoding.h"
#include "dispatch/ordering.h"
#include "observe/metrics.h"
#include "support/test_dir.h"

namespace wharf::dispatch {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kT0 = 1'800'000'000'000;
const std::string kKey = "0123456789abcdef0123456789abcdef";

// A destination peer under the test's control: every request is recorded; `answer` decides the
// reply, or returns nullopt to hold the request until release().
class ScriptedTransport final : public Transport {
 public:
  struct Held {
    ForwardRequest request;
    std::function<void(ForwardResponse)> done;
  };
  std::function<std::optional<ForwardResponse>(const ForwardRequest&)> answer =
      [](const ForwardRequest&) {
        return ForwardResponse{200, {}, false, ""};
      };

  void post(ForwardRequest request, std::function<void(ForwardResponse)> done) override {
    std::optional<ForwardResponse> reply;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      reply = answer(request);
      if (!reply) {
        held_.push_back({std::move(request), std::move(done)});
        return;
      }
    }
    done(*reply);
  }
  void close() override {
    std::deque<Held> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
    for (auto& h : held) h.done(ForwardResponse{0, {}, false, "cancelled"});
  }
  void release_all(ForwardResponse r) {
    std::deque<Held> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
    for (auto& h : held) h.done(r);
  }
  std::vector<ForwardRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::size_t count(std::string_view url_part) {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& r : requests_) n += r.url.find(url_part) != std::string::npos;
    return n;
  }
  std::size_t held() {
    std::lock_guard lock(mu_);
    return held_.size();
  }

 private:
  std::mutex mu_;
  std::vector<ForwardRequest> requests_;
  std::deque<Held> held_;
};

// Shares the transport with the dispatcher that owns its pointer.
class SharedTransport final : public Transport {
 public:
  explicit SharedTransport(ScriptedTransport& t) : t_(t) {}
  void post(ForwardRequest r, std::function<void(ForwardResponse)> d) override {
    t_.post(std::move(r), std::move(d));
  }
  void close() override { t_.close(); }

 private:
  ScriptedTransport& t_;
};

Destination destination(std::string name, int max_in_flight = 8) {
  Destination d;
  d.name = name;
  d.url = "http://127.0.0.1:1/" + name;
  d.keys.push_back(std::make_shared<const crypto::HmacKey>(crypto::Digest::kSha256, kKey));
  d.max_in_flight = max_in_flight;
  d.breaker = resilience::default_peer_breaker();
  d.timeout = 1s;
  return d;
}

class CountingHandler final : public Handler {
 public:
  explicit CountingHandler(std::atomic<int>& failures_left) : failures_left_(failures_left) {}
  Result<void> handle(const store::StoredEvent& e, store::Transaction& txn) override {
    auto t = txn.execute("CREATE TABLE IF NOT EXISTS handled (event TEXT PRIMARY KEY)");
    if (!t) return t.error();
    auto w = txn.execute("INSERT INTO handled VALUES (?1)", {e.id});
    if (!w) return w.error();
    if (failures_left_.fetch_sub(1) > 0) return make_error(Errc::kUnavailable, "not yet");
    return {};
  }

 private:
  std::atomic<int>& failures_left_;
};

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    handlers_.add("test.count", std::make_unique<CountingHandler>(handler_failures_));
  }
  void TearDown() override {
    if (dispatcher_) dispatcher_->stop(1s);
    dispatcher_.reset();
    store_.reset();
  }

  // Routes: source "app" → forward:app; "slow" → forward:slow; "both" → both destinations;
  // "h" → handler:test.count; anything else is ignored.
  void start(std::vector<Destination> dests,
             std::vector<std::chrono::milliseconds> schedule = {5s, 30s}) {
    std::vector<Route> routes;
    auto route = [&](std::string source, std::vector<Target> targets) {
      Route r;
      r.source_glob = std::move(source);
      r.targets = std::move(targets);
      routes.push_back(std::move(r));
    };
    route("app", {{Target::Kind::kForward, "app"}});
    route("slow", {{Target::Kind::kForward, "slow"}});
    route("both", {{Target::Kind::kForward, "app"}, {Target::Kind::kForward, "slow"}});
    route("h", {{Target::Kind::kHandler, "test.count"}});
    route("sched", {{Target::Kind::kForward, "app"}});
    routes.back().retry_schedule = std::vector<std::chrono::milliseconds>{2s};
    table_ = RouteTable(std::move(routes));

    store::StoreOptions so;
    so.clock = &clock_;
    so.router = make_router(table_);
    so.on_deliveries_due = [this](const std::vector<std::string>& targets) {
      if (dispatcher_) dispatcher_->notify(targets);
    };
    auto s = store::open_store(dir_.sqlite_url(), so);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);

    DispatcherOptions o;
    o.retry_schedule = RetrySchedule{std::move(schedule)};
    o.jitter = 0;
    o.stats_interval = 50ms;
    dispatcher_ = std::make_unique<Dispatcher>(
        *store_, table_, handlers_, std::move(dests),
        [this](auto, const Destination&) { return std::make_unique<SharedTransport>(transport_); },
        clock_, metrics_, o);
    dispatcher_->start();
  }

  std::string ingest(std::string source, std::string id, std::string body = "{\"a\":1}") {
    std::promise<store::IngestResult> p;
    auto f = p.get_future();
    store_->submit(
        {store::NewEvent{source, id, "t.created", body, "application/json", clock_.now_ms(), ""}},
        [&p](store::IngestResult r) { p.set_value(std::move(r)); });
    auto r = f.get();
    EXPECT_TRUE(r);
    return r ? (*r)[0].id : "";
  }

  store::EventDetail detail(const std::string& id) {
    auto d = store_->get_event(id);
    return d && *d ? **d : store::EventDetail{};
  }

  // Waits (real time, bounded) until `pred` holds.
  template <class Pred>
  bool eventually(Pred pred, std::chrono::milliseconds limit = 5s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return pred();
  }

  bool status_is(const std::string& id, const std::string& status) {
    return eventually([&] { return detail(id).summary.status == status; });
  }

  void advance(std::chrono::milliseconds d) {
    clock_.advance_ms(d.count());
    dispatcher_->notify();
  }

  wharf::testing::TestDir dir_{"wharf-dispatcher"};
  FakeClock clock_{kT0};
  observe::Registry metrics_;
  HandlerRegistry handlers_;
  std::atomic<int> handler_failures_{0};
  RouteTable table_;
  ScriptedTransport transport_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, ForwardsTheOriginalPayloadSignedWithStandardWebhooks) {
  start({destination("app")});
  auto id = ingest("app", "e1", "{\"hello\":\"world\"}");
  ASSERT_TRUE(status_is(id, "done"));
  auto reqs = transport_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  const auto& r = reqs[0];
  EXPECT_EQ(r.body, "{\"hello\":\"world\"}");
  EXPECT_EQ(r.url, "http://127.0.0.1:1/app");
  std::map<std::string, std::string> h(r.headers.begin(), r.headers.end());
  EXPECT_EQ(h["webhook-id"], id);
  EXPECT_EQ(h["webhook-timestamp"], std::to_string(kT0 / 1000));
  EXPECT_EQ(h["content-type"], "application/json");
  EXPECT_EQ(h["wharf-attempt"], "1");
  std::string expected =
      "v1," + encoding::base64_encode(
                  crypto::hmac(crypto::Digest::kSha256, kKey,
                               id + "." + std::to_string(kT0 / 1000) + ".{\"hello\":\"world\"}"));
  EXPECT_EQ(h["webhook-signature"], expected);
  auto d = detail(id);
  ASSERT_EQ(d.attempts.size(), 1u);
  EXPECT_EQ(d.attempts[0].record.outcome, "ok");
  EXPECT_EQ(d.attempts[0].record.status_code, 200);
}

TEST_F(DispatcherTest, FailedAttemptsFollowTheScheduleThenTheDlqAndReplaySucceeds) {
  transport_.answer = [](const ForwardRequest&) { return ForwardResponse{500, {}, false, ""}; };
  start({destination("app")}, {5s, 30s});
  auto id = ingest("app", "e1");
  ASSERT_TRUE(status_is(id, "failed"));
  auto d = detail(id);
  ASSERT_EQ(d.targets.size(), 1u);
  EXPECT_EQ(d.targets[0].next_attempt_ms, kT0 + 5000);  // jitter 0: exactly the schedule

  advance(4999ms);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(transport_.requests().size(), 1u) << "no attempt before the delay";
  advance(1ms);
  ASSERT_TRUE(eventually([&] { return detail(id).summary.attempts == 2; }));
  EXPECT_EQ(detail(id).targets[0].next_attempt_ms, kT0 + 5000 + 30000);

  advance(30s);
  ASSERT_TRUE(status_is(id, "dead"));
  EXPECT_EQ(detail(id).summary.attempts, 3);
  EXPECT_EQ(transport_.requests().size(), 3u);
  EXPECT_TRUE(eventually([&] {
    return metrics_.gauge("wharf_dispatch_dlq_size", "Deliveries in the DLQ (dead)").value() == 1;
  }));

  transport_.answer = [](const ForwardRequest&) { return ForwardResponse{204, {}, false, ""}; };
  store::ReplayFilter f;
  f.event_id = id;
  f.now_ms = clock_.now_ms();
  std::promise<Result<store::ReplayResult>> p;
  auto selection = store_->select_for_replay(f);
  ASSERT_TRUE(selection);
  store_->replay(std::move(*selection),
                 [&p](Result<store::ReplayResult> r) { p.set_value(std::move(r)); });
  ASSERT_TRUE(p.get_future().get());
  ASSERT_TRUE(status_is(id, "done"));
  d = detail(id);
  EXPECT_EQ(d.attempts.size(), 4u);
  EXPECT_EQ(d.attempts.back().series, 2);
  EXPECT_EQ(d.attempts.back().number, 1);
}

TEST_F(DispatcherTest, ARoutesOwnScheduleReplacesTheDefault) {
  transport_.answer = [](const ForwardRequest&) { return ForwardResponse{500, {}, false, ""}; };
  start({destination("app")}, {5s, 30s});
  auto own = ingest("sched", "e1");
  auto def = ingest("app", "e2");
  ASSERT_TRUE(status_is(own, "failed"));
  ASSERT_TRUE(status_is(def, "failed"));
  EXPECT_EQ(detail(own).targets[0].next_attempt_ms, kT0 + 2000);
  EXPECT_EQ(detail(def).targets[0].next_attempt_ms, kT0 + 5000);
  advance(2s);
  ASSERT_TRUE(status_is(own, "dead")) << "one delay: two attempts, then the DLQ";
  EXPECT_EQ(detail(def).summary.status, "failed");
}

TEST_F(DispatcherTest, RetryAfterFromTheDestinationLengthensTheWait) {
  transport_.answer = [](const ForwardRequest&) { return ForwardResponse{503, "120", false, ""}; };
  start({destination("app")}, {5s, 30s});
  auto id = ingest("app", "e1");
  ASSERT_TRUE(status_is(id, "failed"));
  EXPECT_EQ(detail(id).targets[0].next_attempt_ms, kT0 + 120'000);
}

TEST_F(DispatcherTest, ClientErrorsFailTheDeliveryWithoutOpeningTheBreaker) {
  transport_.answer = [](const ForwardRequest&) { return ForwardResponse{400, {}, false, ""}; };
  start({destination("app")}, {5s});
  for (int i = 0; i < 12; ++i) ingest("app", "e" + std::to_string(i));
  ASSERT_TRUE(eventually([&] { return transport_.requests().size() == 12; }));
  EXPECT_EQ(dispatcher_->destinations()[0].breaker.state, resilience::BreakerState::kClosed);
}

TEST_F(DispatcherTest, GoneDisablesTheDestinationUntilEnabled) {
  transport_.answer = [](const ForwardRequest&) { return ForwardResponse{410, {}, false, ""}; };
  start({destination("app")});
  auto first = ingest("app", "e1");
  ASSERT_TRUE(eventually([&] { return dispatcher_->destinations()[0].disabled; }));
  auto second = ingest("app", "e2");
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(transport_.requests().size(), 1u) << "a disabled destination gets nothing";
  ASSERT_EQ(store_->disabled_targets()->size(), 1u);

  transport_.answer = [](const ForwardRequest&) { return ForwardResponse{200, {}, false, ""}; };
  std::promise<Result<void>> p;
  ASSERT_TRUE(dispatcher_->enable("app", [&p](Result<void> r) { p.set_value(r); }));
  ASSERT_TRUE(p.get_future().get());
  EXPECT_TRUE(status_is(first, "done"));
  EXPECT_TRUE(status_is(second, "done"));
  EXPECT_FALSE(dispatcher_->destinations()[0].disabled);
  EXPECT_TRUE(store_->disabled_targets()->empty());
}

TEST_F(DispatcherTest, SlowDestinationDoesNotDelayAHealthyOne) {
  transport_.answer = [](const ForwardRequest& r) -> std::optional<ForwardResponse> {
    if (r.url.ends_with("/slow")) return std::nullopt;  // held: never answers by itself
    return ForwardResponse{200, {}, false, ""};
  };
  start({destination("app"), destination("slow", 2)});
  for (int i = 0; i < 5; ++i) ingest("slow", "s" + std::to_string(i));
  std::vector<std::string> fast;
  for (int i = 0; i < 20; ++i) fast.push_back(ingest("app", "a" + std::to_string(i)));
  for (const auto& id : fast) EXPECT_TRUE(status_is(id, "done"));
  EXPECT_EQ(transport_.held(), 2u) << "max_in_flight bounds the slow destination";
  transport_.release_all(ForwardResponse{200, {}, false, ""});
  ASSERT_TRUE(eventually([&] { return transport_.count("/slow") == 4; }));
}

TEST_F(DispatcherTest, OpenBreakerStopsAttemptsUntilItHalfOpens) {
  transport_.answer = [](const ForwardRequest&) { return ForwardResponse{0, {}, true, "timeout"}; };
  auto d = destination("app", 1);
  d.breaker.window_size = 4;
  d.breaker.minimum_calls = 4;
  d.breaker.wait_in_open = 60s;
  d.breaker.permitted_calls_in_half_open = 1;
  start({d}, {1s, 1s, 1s, 1s, 1s, 1s});
  for (int i = 0; i < 6; ++i) ingest("app", "e" + std::to_string(i));
  ASSERT_TRUE(eventually([&] {
    return dispatcher_->destinations()[0].breaker.state == resilience::BreakerState::kOpen;
  }));
  auto attempts = transport_.requests().size();
  EXPECT_EQ(attempts, 4u);
  advance(59s);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(transport_.requests().size(), attempts) << "open: nothing is attempted";

  transport_.answer = [](const ForwardRequest&) { return ForwardResponse{200, {}, false, ""}; };
  advance(1s);
  ASSERT_TRUE(eventually([&] { return transport_.requests().size() == 10; }));
  EXPECT_EQ(dispatcher_->destinations()[0].breaker.state, resilience::BreakerState::kClosed);
}

TEST_F(DispatcherTest, FanOutKeepsAStatusPerTarget) {
  transport_.answer = [](const ForwardRequest& r) {
    return ForwardResponse{r.url.ends_with("/slow") ? 500 : 200, {}, false, ""};
  };
  start({destination("app"), destination("slow")}, {5s});
  auto id = ingest("both", "e1");
  ASSERT_TRUE(status_is(id, "failed"));
  auto d = detail(id);
  ASSERT_EQ(d.targets.size(), 2u);
  EXPECT_EQ(d.targets[0].status, "done");
  EXPECT_EQ(d.targets[1].status, "failed");
}

TEST_F(DispatcherTest, HandlerEffectsCommitOnlyWithSuccessAndFailuresAreRetried) {
  handler_failures_ = 1;
  start({}, {5s, 5s});
  auto id = ingest("h", "e1");
  ASSERT_TRUE(status_is(id, "failed"));
  advance(5s);
  ASSERT_TRUE(status_is(id, "done"));
  auto d = detail(id);
  ASSERT_EQ(d.attempts.size(), 2u);
  EXPECT_EQ(d.attempts[0].record.outcome, "failed");
  EXPECT_EQ(d.attempts[0].record.error, "not yet");
  EXPECT_EQ(d.attempts[1].record.outcome, "ok");
}

TEST_F(DispatcherTest, UnroutedEventsAreIgnoredAndNeverAttempted) {
  start({destination("app")});
  auto id = ingest("nobody", "e1");
  EXPECT_EQ(detail(id).summary.status, "ignored");
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(transport_.requests().empty());
}

// The ordering helper, through a handler transaction.
class OrderingHandler final : public Handler {
 public:
  std::vector<bool>* applied;
  Result<void> handle(const store::StoredEvent& e, store::Transaction& txn) override {
    std::int64_t t = std::stoll(e.payload);
    auto r = apply_if_newer(txn, "sub_1", t, e.id);
    if (!r) return r.error();
    applied->push_back(*r);
    return {};
  }
};

TEST_F(DispatcherTest, OrderingHelperSkipsOlderEventsForTheSameObject) {
  std::vector<bool> applied;
  auto h = std::make_unique<OrderingHandler>();
  h->applied = &applied;
  handlers_.add("test.order", std::move(h));
  std::vector<Route> routes(1);
  routes[0].targets = {{Target::Kind::kHandler, "test.order"}};
  table_ = RouteTable(std::move(routes));
  store::StoreOptions so;
  so.clock = &clock_;
  so.router = make_router(table_);
  auto s = store::open_store(dir_.sqlite_url("o.db"), so);
  ASSERT_TRUE(s);
  store_ = std::move(*s);
  dispatcher_ = std::make_unique<Dispatcher>(
      *store_, table_, handlers_, std::vector<Destination>{},
      [this](auto, const Destination&) { return std::make_unique<SharedTransport>(transport_); },
      clock_, metrics_);
  // Stored in this order: newer (t=200), older (t=100), equal time (t=200, later id), newest.
  std::vector<std::string> ids;
  for (auto [id, t] : std::vector<std::pair<std::string, std::string>>{
           {"a", "200"}, {"b", "100"}, {"c", "200"}, {"d", "300"}}) {
    ids.push_back(ingest("s", id, t));
  }
  dispatcher_->start();
  ASSERT_TRUE(status_is(ids.back(), "done"));
  ASSERT_TRUE(status_is(ids[0], "done"));
  EXPECT_EQ(applied, (std::vector<bool>{true, false, true, true}));
}

}  // namespace
}  // namespace wharf::dispatch
