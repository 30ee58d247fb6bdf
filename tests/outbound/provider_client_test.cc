// The outbound pipeline against the real provider simulator (mock::Simulator on wharf's own
// http::Server, on a loopback port): retries and their waits, Retry-After, the breaker, the rate
// limit under concurrent callers, the idempotency key, the host lock, streaming.
#include "outbound/provider_client.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <future>
#include <vector>

#include "core/config_node.h"
#include "mock/simulator.h"
#include "observe/metrics.h"
#include "outbound/test_peers.h"

namespace wharf::outbound {
namespace {

using namespace std::chrono_literals;
using testing::IoThread;
using testing::LocalServer;
namespace asio = boost::asio;
namespace json = boost::json;

// The simulator on a real socket, and a plain client to drive its control API.
class SimulatorPeer {
 public:
  SimulatorPeer() : server_(sim_.handler()), control_(io_.ioc().get_executor()) {}
  ~SimulatorPeer() { control_.close(); }

  std::string base() const { return server_.url(""); }

  json::value control(std::string method, std::string path, std::string body = {}) {
    HttpRequest r{.method = std::move(method),
                  .url = server_.url(path),
                  .headers = {{"Content-Type", "application/json"}},
                  .body = std::move(body)};
    auto f = control_.async_request(std::move(r), RequestOptions{}, asio::use_future);
    HttpResponse res = f.get().value();
    return res.body.empty() ? json::value() : json::parse(res.body);
  }
  void fault(std::string rule) { control("POST", "/_mock/faults", std::move(rule)); }
  // The journal's entries for `route`, oldest first.
  json::array requests(std::string route = "*") {
    return control("GET", "/_mock/requests?route=" + route).at("requests").as_array();
  }

 private:
  mock::Simulator sim_;
  LocalServer server_;
  IoThread io_;
  HttpClient control_;
};

ProviderConfig config_for(const std::string& base, std::string yaml) {
  ConfigErrors errors("test.yaml");
  EnvLookup env = [](const std::string&) { return std::optional<std::string>("sk_test_secret"); };
  ConfigNode node(YAML::Load(yaml), "providers.p", &errors, &env);
  auto cfg = read_provider_config(
      "p", "p", node, ProviderDefaults{.base_url = base, .idempotency_header = "Idempotency-Key"});
  EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors.messages().front());
  return cfg.value();
}

class ProviderClientTest : public ::testing::Test {
 protected:
  ProviderClient& client(std::string yaml, ProviderClientOptions options = {}) {
    client_.emplace(config_for(sim_.base(), std::move(yaml)), io_.ioc().get_executor(), metrics_,
                    std::move(options));
    return *client_;
  }
  CallResult call(Call c) {
    auto f = asio::co_spawn(
        caller_.ioc(),
        [&, c = std::move(c)]() mutable -> asio::awaitable<CallResult> {
          CallResult r = co_await client_->call(std::move(c));
          co_return r;
        },
        asio::use_future);
    return f.get();
  }
  // `n` calls at once, each on its own coroutine.
  std::vector<CallResult> call_concurrently(const Call& c, int n) {
    std::vector<std::future<CallResult>> futures;
    for (int i = 0; i < n; ++i) {
      futures.push_back(asio::co_spawn(
          caller_.ioc(),
          [this, c = Call(c)]() mutable -> asio::awaitable<CallResult> {
            CallResult r = co_await client_->call(std::move(c));
            co_return r;
          },
          asio::use_future));
    }
    std::vector<CallResult> out;
    for (auto& f : futures) out.push_back(f.get());
    return out;
  }
  void TearDown() override { client_.reset(); }

  SimulatorPeer sim_;
  observe::Registry metrics_;
  IoThread io_;
  IoThread caller_;
  std::optional<ProviderClient> client_;
};

Call customer_create() {
  return Call{.method = "POST",
              .target = "/v1/customers",
              .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
              .body = "email=a%40example.com"};
}

Call customer_create_as(std::string connection) {
  Call c = customer_create();
  c.connection = std::move(connection);
  return c;
}

std::int64_t time_of(const json::value& entry) { return entry.at("time_ms").as_int64(); }

TEST_F(ProviderClientTest, RetriesTwoServerErrorsWithGrowingWaitsAndOneIdempotencyKey) {
  client(R"(
    credentials: { type: bearer, value: "${KEY}" }
    retry: { max_attempts: 3, base: 100ms, cap: 1s, jitter: none }
  )");
  sim_.fault(R"({"route": "POST /v1/customers", "status": 503, "times": 2})");
  CallResult r = call(customer_create());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  json::array seen = sim_.requests("/v1/customers");
  ASSERT_EQ(seen.size(), 3u);
  const std::int64_t first_wait = time_of(seen[1]) - time_of(seen[0]);
  const std::int64_t second_wait = time_of(seen[2]) - time_of(seen[1]);
  EXPECT_GE(first_wait, 100);
  EXPECT_GE(second_wait, 200);
  EXPECT_GT(second_wait, first_wait);
  const json::value key = seen[0].at("headers").at("idempotency-key");
  EXPECT_EQ(key.as_string().size(), 36u);
  for (const auto& e : seen) EXPECT_EQ(e.at("headers").at("idempotency-key"), key);
  EXPECT_EQ(seen[0].at("headers").at("authorization"), "Bearer sk_test_secret");
  EXPECT_EQ(metrics_
                .counter("wharf_provider_attempts_total", "",
                         {{"provider", "p"}, {"endpoint", "/v1/customers"}, {"status", "503"}})
                .value(),
            2u);
}

TEST_F(ProviderClientTest, WaitsTheRetryAfterOfA429) {
  client("retry: { max_attempts: 2, base: 10ms, cap: 10ms }");
  sim_.fault(R"({"route": "POST /v1/customers", "status": 429, "retry_after": "1", "times": 1})");
  CallResult r = call(customer_create());
  ASSERT_TRUE(r) << r.error().message;
  json::array seen = sim_.requests("/v1/customers");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_GE(time_of(seen[1]) - time_of(seen[0]), 1000);
}

TEST_F(ProviderClientTest, DoesNotRetryAClientError) {
  client("retry: { max_attempts: 3, base: 10ms, cap: 10ms }");
  sim_.fault(R"({"route": "POST /v1/customers", "status": 400, "times": 1})");
  CallResult r = call(customer_create());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(sim_.requests("/v1/customers").size(), 1u);
}

TEST_F(ProviderClientTest, DoesNotRetryAPostWithoutAnIdempotencyKeyAfterA500) {
  client("{ idempotency_header: \"\", retry: { max_attempts: 3, base: 10ms, cap: 10ms } }");
  sim_.fault(R"({"route": "POST /v3/mail/send", "status": 500})");
  Call c{.method = "POST", .target = "/v3/mail/send", .body = "{}"};
  CallResult r = call(std::move(c));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, CallErrorKind::kUpstream);
  EXPECT_EQ(r.error().status, 500);
  EXPECT_NE(r.error().message.find("p answered HTTP 500"), std::string::npos) << r.error().message;
  EXPECT_EQ(sim_.requests("/v3/mail/send").size(), 1u);
}

TEST_F(ProviderClientTest, GivesUpWithRetryAfterForTheCallerWhenTheProviderAsksTooMuch) {
  client("retry: { max_attempts: 3, base: 10ms, cap: 10ms, max_retry_after: 1s }");
  sim_.fault(R"({"route": "POST /v1/customers", "status": 429, "retry_after": "30"})");
  CallResult r = call(customer_create());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, CallErrorKind::kUpstream);
  EXPECT_EQ(r.error().retry_after, 30s);
  EXPECT_EQ(r.error().attempts, 1);
  // The provider's hint now holds every caller back, without a call reaching it.
  CallResult next = call(customer_create());
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().kind, CallErrorKind::kRateLimited);
  EXPECT_GT(next.error().retry_after.value(), 25s);
  EXPECT_EQ(sim_.requests("/v1/customers").size(), 1u);
}

TEST_F(ProviderClientTest, BreakerOpensRejectsFastHalfOpensAndCloses) {
  client(R"(
    retry: { max_attempts: 1 }
    breaker: { failure_rate: 50%, window: 4, min_calls: 4, open_for: 300ms, half_open_calls: 1 }
  )");
  sim_.fault(R"({"route": "GET /v1/customers/cus_1", "status": 500, "times": 4})");
  Call get{.method = "GET", .target = "/v1/customers/cus_1"};
  for (int i = 0; i < 4; ++i) {
    CallResult r = call(get);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, CallErrorKind::kUpstream);
  }
  EXPECT_EQ(client_->breaker().state, resilience::BreakerState::kOpen);
  const auto t0 = std::chrono::steady_clock::now();
  CallResult rejected = call(get);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 50ms);
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().kind, CallErrorKind::kCircuitOpen);
  EXPECT_TRUE(rejected.error().retry_after.has_value());
  EXPECT_EQ(sim_.requests("/v1/customers/cus_1").size(), 4u);
  std::this_thread::sleep_for(350ms);
  CallResult probe = call(get);  // half-open: one probe, which succeeds (404 is an answer)
  ASSERT_TRUE(probe) << probe.error().message;
  EXPECT_EQ(client_->breaker().state, resilience::BreakerState::kClosed);
  EXPECT_EQ(sim_.requests("/v1/customers/cus_1").size(), 5u);
}

TEST_F(ProviderClientTest, RateLimitIsNeverExceededUnderConcurrentCallers) {
  client("rate_limit: { limit: 5, per: 2s }");
  Call get{.method = "GET", .target = "/v1/customers/cus_1"};
  std::vector<CallResult> results = call_concurrently(get, 20);
  int passed = 0;
  for (const auto& r : results) {
    if (r) {
      ++passed;
    } else {
      EXPECT_EQ(r.error().kind, CallErrorKind::kRateLimited);
      EXPECT_GT(r.error().retry_after.value(), 0ms);
      EXPECT_NE(r.error().message.find("5 calls per 2s"), std::string::npos) << r.error().message;
    }
  }
  EXPECT_EQ(passed, 5);
  EXPECT_EQ(sim_.requests("/v1/customers/cus_1").size(), 5u);
}

TEST_F(ProviderClientTest, CallersOverTheLimitWaitWithinMaxWait) {
  client("rate_limit: { limit: 3, per: 500ms, max_wait: 3s }");
  Call get{.method = "GET", .target = "/v1/customers/cus_1"};
  std::vector<CallResult> results = call_concurrently(get, 9);
  for (const auto& r : results) EXPECT_TRUE(r) << r.error().message;
  json::array seen = sim_.requests("/v1/customers/cus_1");
  ASSERT_EQ(seen.size(), 9u);
  // No window of 500 ms holds more than 3 (the simulator's clock: a few ms of skew allowed).
  for (std::size_t i = 3; i < seen.size(); ++i) {
    EXPECT_GE(time_of(seen[i]) - time_of(seen[i - 3]), 490) << "at request " << i;
  }
}

TEST_F(ProviderClientTest, RefusesTargetsAndHeadersThatCouldLeaveTheBaseUrl) {
  client("{}");
  for (std::string target :
       {"//evil.example/x", "@evil.example/x", "evil", "/../admin", "/v1/%2e%2e/admin",
        "/v1/..%2fadmin", "/v1/.%5C", "/v1/./x", "/a b", "/x#frag", "/x\\y"}) {
    CallResult r = call(Call{.method = "GET", .target = target});
    ASSERT_FALSE(r) << target;
    EXPECT_EQ(r.error().kind, CallErrorKind::kRefused) << target;
  }
  for (std::string header : {"Host", "authorization", "Content-Length", "Transfer-Encoding"}) {
    CallResult r = call(Call{.method = "GET", .target = "/v1/x", .headers = {{header, "v"}}});
    ASSERT_FALSE(r) << header;
    EXPECT_EQ(r.error().kind, CallErrorKind::kRefused) << header;
  }
  for (std::string method : {"TRACE", "CONNECT", "get", "PROPFIND"}) {
    CallResult r = call(Call{.method = method, .target = "/v1/x"});
    ASSERT_FALSE(r) << method;
    EXPECT_EQ(r.error().kind, CallErrorKind::kRefused) << method;
  }
  CallResult crlf = call(Call{.method = "GET", .target = "/v1/x", .headers = {{"X-A", "a\r\nb"}}});
  ASSERT_FALSE(crlf);
  EXPECT_EQ(sim_.requests().size(), 0u);
}

TEST_F(ProviderClientTest, PutsAnApiKeyInAHeaderAndStreamsASuccessfulBody) {
  client(R"(credentials: { type: api_key, in: header, name: x-api-key, value: "${KEY}" })");
  std::string streamed;
  Call c{.method = "POST",
         .target = "/v1/messages",
         .headers = {{"Content-Type", "application/json"}},
         .body = R"({"model":"claude-x","max_tokens":50,"stream":true,)"
                 R"("messages":[{"role":"user","content":"hi"}]})",
         .on_body_chunk = [&](std::string_view chunk) { streamed += chunk; }};
  CallResult r = call(std::move(c));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body.empty());
  EXPECT_NE(streamed.find("event: message_start"), std::string::npos);
  EXPECT_NE(streamed.find("event: message_stop"), std::string::npos);
  EXPECT_EQ(sim_.requests("/v1/messages")[0].at("headers").at("x-api-key"), "sk_test_secret");
}

// A connection source with one token per connection; renew() hands out the next one.
class FakeConnections final : public ConnectionCredentials {
 public:
  asio::awaitable<Result<std::string>> secret(const ConnectionRequest& request) override {
    asked.push_back(request.connection);
    if (request.connection != "alice") {
      co_return make_error(Errc::kNotFound, "no connection '" + request.connection + "'");
    }
    co_return token;
  }
  asio::awaitable<Result<std::string>> renew(const ConnectionRequest& request,
                                             const std::string& rejected) override {
    renewals.push_back(rejected);
    if (!renewable) co_return make_error(Errc::kUnavailable, "refresh failed");
    token = "tok-" + std::to_string(renewals.size() + 1);
    co_return token;
  }
  std::string token = "tok-1";
  bool renewable = true;
  std::vector<std::string> asked;
  std::vector<std::string> renewals;
};

TEST_F(ProviderClientTest, A401RenewsTheConnectionsTokenOnceAndRetriesOnce) {
  FakeConnections connections;
  client("credentials: { type: oauth, client: idp }",
         ProviderClientOptions{.connections = &connections});
  sim_.fault(R"({"route": "/v1/customers", "status": 401, "times": 1})");
  CallResult r = call(customer_create_as("alice"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  json::array seen = sim_.requests("/v1/customers");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].at("headers").at("authorization"), "Bearer tok-1");
  EXPECT_EQ(seen[1].at("headers").at("authorization"), "Bearer tok-2");
  EXPECT_EQ(connections.renewals, std::vector<std::string>{"tok-1"});

  // A second 401 after the renewal is the answer: one renewal per call, not a loop.
  sim_.fault(R"({"route": "/v1/customers", "status": 401, "times": 2})");
  CallResult second = call(customer_create_as("alice"));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->status, 401);
  EXPECT_EQ(connections.renewals.size(), 2u);
  EXPECT_EQ(sim_.requests("/v1/customers").size(), 4u);
}

TEST_F(ProviderClientTest, AFailedRenewalLeavesThe401AndAnUnknownConnectionSendsNothing) {
  FakeConnections connections;
  connections.renewable = false;
  client("credentials: { type: oauth, client: idp }",
         ProviderClientOptions{.connections = &connections});
  sim_.fault(R"({"route": "/v1/customers", "status": 401, "times": 1})");
  CallResult r = call(customer_create_as("alice"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(sim_.requests("/v1/customers").size(), 1u);

  CallResult refused = call(customer_create_as("mallory"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, CallErrorKind::kCredentials);
  EXPECT_NE(refused.error().message.find("no connection 'mallory'"), std::string::npos);
  // And without a connection at all, the OAuth provider says to name one.
  CallResult none = call(customer_create());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, CallErrorKind::kCredentials);
  EXPECT_EQ(sim_.requests("/v1/customers").size(), 1u);
}

TEST_F(ProviderClientTest, AConnectionsApiKeyReplacesTheConfiguredKey) {
  FakeConnections connections;
  connections.token = "users-own-key";
  client(R"(credentials: { type: api_key, name: x-api-key, value: "${K}" })",
         ProviderClientOptions{.connections = &connections});
  Call c{.method = "GET", .target = "/v1/customers/cus_1"};
  c.connection = "alice";
  CallResult r = call(std::move(c));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(sim_.requests()[0].at("headers").at("x-api-key"), "users-own-key");
  CallResult configured = call(Call{.method = "GET", .target = "/v1/customers/cus_1"});
  ASSERT_TRUE(configured);
  EXPECT_EQ(sim_.requests()[1].at("headers").at("x-api-key"), "sk_test_secret");
}

TEST_F(ProviderClientTest, ATransportErrorComesBackAsOneAfterTheRetries) {
  // A port held (bound, so no other test can take it) but not listening: connections are refused.
  asio::io_context ioc;
  asio::ip::tcp::acceptor a(ioc);
  a.open(asio::ip::tcp::v4());
  a.bind({asio::ip::address_v4::loopback(), 0});
  const auto port = a.local_endpoint().port();
  client_.emplace(config_for("http://127.0.0.1:" + std::to_string(port),
                             "retry: { max_attempts: 2, base: 10ms, cap: 10ms }"),
                  io_.ioc().get_executor(), metrics_);
  CallResult r = call(Call{.method = "GET", .target = "/x"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, CallErrorKind::kTransport);
  EXPECT_EQ(r.error().attempts, 2);
  EXPECT_EQ(metrics_
                .counter("wharf_provider_attempts_total", "",
                         {{"provider", "p"}, {"endpoint", "/x"}, {"status", "connect"}})
                .value(),
            2u);
}

TEST(ProviderClientHints, AnExhaustedQuotaPausesCallsUntilItsReset) {
  // A provider that says it has no calls left for the next 2 seconds.
  std::atomic<int> seen{0};
  LocalServer server([&](http::Request&) -> asio::awaitable<http::Response> {
    ++seen;
    http::Response res{http::Status::ok, 11};
    res.set("X-RateLimit-Remaining", "0");
    res.set("X-RateLimit-Reset", "2");
    res.body() = "{}";
    res.prepare_payload();
    co_return res;
  });
  observe::Registry metrics;
  IoThread io;
  IoThread caller;
  ProviderClient client(config_for(server.url(""), "{}"), io.ioc().get_executor(), metrics);
  auto call_once = [&] {
    return asio::co_spawn(
               caller.ioc(),
               [&]() -> asio::awaitable<CallResult> {
                 Call c{.method = "GET", .target = "/quota"};
                 CallResult r = co_await client.call(std::move(c));
                 co_return r;
               },
               asio::use_future)
        .get();
  };
  CallResult first = call_once();
  ASSERT_TRUE(first) << first.error().message;
  CallResult second = call_once();
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, CallErrorKind::kRateLimited);
  EXPECT_NE(second.error().message.find("it asked wharf to pause"), std::string::npos)
      << second.error().message;
  EXPECT_GT(second.error().retry_after.value(), 1000ms);
  EXPECT_LE(second.error().retry_after.value(), 2000ms);
  EXPECT_EQ(seen.load(), 1);
}

TEST(EndpointLabel, CollapsesIdLikeSegments) {
  EXPECT_EQ(endpoint_label("/v1/subscriptions/sub_123?expand[]=x"), "/v1/subscriptions/{id}");
  EXPECT_EQ(endpoint_label("/mail/send"), "/mail/send");
  EXPECT_EQ(endpoint_label("/users/me@example.com/messages"), "/users/{id}/messages");
  EXPECT_EQ(endpoint_label(""), "/");
}

TEST(BaseUrl, AcceptsOnlyAnOriginWithAnOptionalPath) {
  std::string why;
  EXPECT_TRUE(valid_base_url("https://api.stripe.com/v1", &why));
  EXPECT_TRUE(valid_base_url("http://127.0.0.1:8090", &why));
  EXPECT_FALSE(valid_base_url("ftp://x", &why));
  EXPECT_FALSE(valid_base_url("https://api.stripe.com/", &why));
  EXPECT_FALSE(valid_base_url("https://user:pw@api.stripe.com", &why));
  EXPECT_FALSE(valid_base_url("https://api.stripe.com/v1?key=x", &why));
  EXPECT_FALSE(valid_base_url("https://", &why));
}

}  // namespace
}  // namespace wharf::outbound
