#include "outbound/http_client.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <mutex>
#include <sstream>
#include <vector>

#include "outbound/test_peers.h"

namespace wharf::outbound {
namespace {

using namespace std::chrono_literals;
using testing::IoThread;
using testing::LocalServer;
using testing::read_head;
using testing::ScriptedPeer;
namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Completes with the request's result, or fails the test after 20 s.
HttpResult request_sync(HttpClient& client, HttpRequest request,
                        const RequestOptions& options = {}) {
  auto promise = std::make_shared<std::promise<HttpResult>>();
  auto result = promise->get_future();
  client.async_request(std::move(request), options,
                       [promise](HttpResult r) { promise->set_value(std::move(r)); });
  if (result.wait_for(20s) != std::future_status::ready) {
    ADD_FAILURE() << "request did not complete";
    return ClientError{TransportError::kOther, "test timed out"};
  }
  return result.get();
}

HttpRequest get(std::string url) {
  HttpRequest r;
  r.url = std::move(url);
  return r;
}

// Waits (briefly polling) until `done` holds; false after 5 s.
bool eventually(const std::function<bool()>& done) {
  for (auto deadline = Clock::now() + 5s; Clock::now() < deadline;
       std::this_thread::sleep_for(5ms)) {
    if (done()) return true;
  }
  return done();
}

// A script that reads the request and never answers.
asio::awaitable<void> never_answer(tcp::socket& socket, std::atomic<int>& heads) {
  co_await read_head(socket);
  ++heads;
  char byte;
  co_await socket.async_read_some(asio::buffer(&byte, 1), asio::use_awaitable);  // until closed
}

// A client on its own io_context thread; after each test it must close cleanly and leave the
// io_context with no work (no wait or timer left armed).
class HttpClientTest : public ::testing::Test {
 protected:
  void make_client(ClientOptions options = {}) {
    client_.emplace(io_.ioc().get_executor(), std::move(options));
  }
  void TearDown() override {
    client_.reset();
    EXPECT_TRUE(io_.finish(5s)) << "the client left work on its io_context";
  }
  HttpClient& client() {
    if (!client_) make_client();
    return *client_;
  }

  // Where completions are sent in the executor tests. Declared first: a client thread may still
  // be releasing its hold on this context after the completion ran, until TearDown joins it.
  IoThread caller_;
  IoThread io_;
  std::optional<HttpClient> client_;
};

http::Response text(http::Status status, std::string body) {
  http::Response res{status, 11};
  res.set(boost::beast::http::field::content_type, "text/plain");
  res.body() = std::move(body);
  return res;
}

TEST_F(HttpClientTest, GetCarriesHeadersBothWays) {
  LocalServer server([](http::Request& req) -> asio::awaitable<http::Response> {
    http::Response res =
        text(http::Status::ok, std::string(req.method_string()) + " " + std::string(req.target()) +
                                   " " + std::string(req["X-Test"]));
    res.set("X-Reply", "yes");
    co_return res;
  });
  HttpRequest req = get(server.url("/things?x=1"));
  req.headers = {{"X-Test", "hello"}};
  HttpResult r = request_sync(client(), std::move(req));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "GET /things?x=1 hello");
  EXPECT_EQ(r->header("x-REPLY"), "yes");
  EXPECT_EQ(r->header("content-type"), "text/plain");
  EXPECT_EQ(r->header("X-Missing"), std::nullopt);
  EXPECT_GT(r->duration.count(), 0);
}

// A caller whose io_context ends right after its request completed: the client must not touch
// that context afterwards. (It used to release its hold on the caller's executor on its own
// thread after posting the completion; when the caller had meanwhile destroyed its io_context and
// made a new one at the same address, that late release took the new one's work away, and its
// run() returned with a request in flight: a hang.)
TEST_F(HttpClientTest, ShortLivedCallersEachGetTheirCompletion) {
  LocalServer server([](http::Request&) -> asio::awaitable<http::Response> {
    co_return text(http::Status::ok, "ok");
  });
  for (int i = 0; i < 200; ++i) {
    IoThread caller;
    auto done = asio::co_spawn(
        caller.ioc(),
        [&]() -> asio::awaitable<int> {
          HttpRequest req = get(server.url("/"));
          HttpResult r = co_await client().async_request(std::move(req), RequestOptions{},
                                                         asio::use_awaitable);
          co_return r ? r->status : -1;
        },
        asio::use_future);
    ASSERT_EQ(done.wait_for(10s), std::future_status::ready) << "call " << i << " never completed";
    ASSERT_EQ(done.get(), 200);
  }
}

TEST_F(HttpClientTest, ResolvesHostNames) {
  LocalServer server([](http::Request&) -> asio::awaitable<http::Response> {
    co_return text(http::Status::ok, "by name");
  });
  std::string url = server.url("/");
  url.replace(url.find("127.0.0.1"), 9, "localhost");
  HttpResult r = request_sync(client(), get(url));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "by name");
}

TEST_F(HttpClientTest, FollowsRedirectsOnlyWhenAsked) {
  LocalServer server([](http::Request& req) -> asio::awaitable<http::Response> {
    if (req.target() == "/to") co_return text(http::Status::ok, "arrived");
    http::Response res = text(http::Status::found, "");
    res.set(boost::beast::http::field::location, "/to");
    co_return res;
  });
  HttpResult stay = request_sync(client(), get(server.url("/from")));
  ASSERT_TRUE(stay) << stay.error().message;
  EXPECT_EQ(stay->status, 302);
  EXPECT_EQ(stay->header("Location"), "/to");
  RequestOptions follow;
  follow.follow_redirects = true;
  HttpResult moved = request_sync(client(), get(server.url("/from")), follow);
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_EQ(moved->status, 200);
  EXPECT_EQ(moved->body, "arrived");
  EXPECT_EQ(moved->header("Location"), std::nullopt);  // headers of the final response only
}

// The machine's own name when it resolves to 127.0.0.1 (through /etc/hosts), else "".
std::string loopback_hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  boost::system::error_code ec;
  auto results = resolver.resolve(tcp::v4(), name, "80", ec);
  for (const auto& entry : results) {
    if (entry.endpoint().address() == asio::ip::address_v4::loopback()) return name;
  }
  return "";
}

// Unlike "localhost", which curl answers itself, this goes through curl's resolver thread and
// the wake-up socket it asks to have watched (a socket the client does not own).
TEST_F(HttpClientTest, ResolvesNamesThroughTheResolver) {
  std::string host = loopback_hostname();
  if (host.empty()) GTEST_SKIP() << "this machine's name does not resolve to 127.0.0.1";
  LocalServer server([](http::Request&) -> asio::awaitable<http::Response> {
    co_return text(http::Status::ok, "resolved");
  });
  std::string url = server.url("/");
  url.replace(url.find("127.0.0.1"), 9, host);
  HttpResult r = request_sync(client(), get(url));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "resolved");
}

// A pooled idle connection is not watched and no timer is left set: the io_context runs out of
// work while the client lives, and the client's state then goes with the io_context.
TEST_F(HttpClientTest, IdleClientLeavesItsIoContextWithoutWork) {
  LocalServer server([](http::Request&) -> asio::awaitable<http::Response> {
    co_return text(http::Status::ok, "x");
  });
  ASSERT_TRUE(request_sync(client(), get(server.url("/"))));
  EXPECT_TRUE(io_.finish(5s));
}

TEST_F(HttpClientTest, ErrorStatusIsAResponseNotAnError) {
  LocalServer server([](http::Request&) -> asio::awaitable<http::Response> {
    co_return text(http::Status::service_unavailable, "later");
  });
  HttpResult r = request_sync(client(), get(server.url("/")));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "later");
}

TEST_F(HttpClientTest, PostSendsBodyWithoutExpectContinue) {
  std::mutex mu;
  std::string seen_content_type, seen_expect;
  std::size_t seen_size = 0;
  http::ServerOptions options;
  options.max_body_bytes = 4 << 20;
  LocalServer server(
      [&](http::Request& req) -> asio::awaitable<http::Response> {
        {
          std::lock_guard lock(mu);
          seen_content_type = std::string(req[boost::beast::http::field::content_type]);
          seen_expect = std::string(req[boost::beast::http::field::expect]);
          seen_size = req.body().size();
        }
        co_return text(http::Status::created, std::string(req.method_string()));
      },
      options);
  HttpRequest req;
  req.method = "POST";
  req.url = server.url("/events");
  req.headers = {{"Content-Type", "application/json"}};
  req.body = std::string(2 << 20, 'x');  // big enough for curl to ask for 100-continue
  HttpResult r = request_sync(client(), std::move(req));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "POST");
  std::lock_guard lock(mu);
  EXPECT_EQ(seen_size, std::size_t{2} << 20);
  EXPECT_EQ(seen_content_type, "application/json");
  EXPECT_EQ(seen_expect, "");
}

TEST_F(HttpClientTest, BodyWithoutContentTypeGetsNoneMadeUp) {
  std::mutex mu;
  std::string seen_content_type = "unset";
  LocalServer server([&](http::Request& req) -> asio::awaitable<http::Response> {
    std::lock_guard lock(mu);
    seen_content_type = std::string(req[boost::beast::http::field::content_type]);
    co_return text(http::Status::ok, req.body());
  });
  HttpRequest req;
  req.method = "PUT";
  req.url = server.url("/");
  req.body = "a=b";
  HttpResult r = request_sync(client(), std::move(req));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "a=b");
  std::lock_guard lock(mu);
  EXPECT_EQ(seen_content_type, "");
}

TEST_F(HttpClientTest, ManyConcurrentRequestsShareAFewConnections) {
  LocalServer server([](http::Request& req) -> asio::awaitable<http::Response> {
    co_return text(http::Status::ok, std::string(req.target()));
  });
  ClientOptions options;
  options.max_host_connections = 4;
  make_client(options);
  constexpr int kRequests = 200;
  std::atomic<int> ok{0};
  auto all_done = std::make_shared<std::promise<void>>();
  std::atomic<int> remaining{kRequests};
  for (int i = 0; i < kRequests; ++i) {
    HttpRequest req = get(server.url("/n/" + std::to_string(i)));
    client().async_request(std::move(req), {}, [&ok, &remaining, all_done, i](HttpResult r) {
      if (r && r->status == 200 && r->body == "/n/" + std::to_string(i)) ++ok;
      if (--remaining == 0) all_done->set_value();
    });
  }
  ASSERT_EQ(all_done->get_future().wait_for(30s), std::future_status::ready);
  EXPECT_EQ(ok.load(), kRequests);
  EXPECT_GE(server.connections_accepted(), 1u);
  EXPECT_LE(server.connections_accepted(), 4u);
}

TEST_F(HttpClientTest, RefusedConnectionIsConnectErrorWithoutSecrets) {
  unsigned short port;
  {
    asio::io_context ioc;
    tcp::acceptor probe(ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  HttpRequest req = get(testing::loopback_url(port, "/hooks/T0/SECRETPATH?token=SECRETQUERY"));
  req.headers = {{"Authorization", "Bearer SECRETHEADER"}};
  HttpResult r = request_sync(client(), std::move(req));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, TransportError::kConnect);
  EXPECT_NE(r.error().message.find("GET http://127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find("SECRET"), std::string::npos) << r.error().message;
}

TEST_F(HttpClientTest, SilentServerTimesOutWithinTotalTimeout) {
  std::atomic<int> heads{0};
  ScriptedPeer peer([&](tcp::socket& s) { return never_answer(s, heads); });
  RequestOptions options;
  options.total_timeout = 200ms;
  auto start = Clock::now();
  HttpResult r = request_sync(client(), get(peer.url("/")), options);
  auto elapsed = Clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, TransportError::kTimeout) << r.error().message;
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 2s);
}

TEST_F(HttpClientTest, AnnouncedOversizedBodyIsTooLarge) {
  LocalServer server([](http::Request&) -> asio::awaitable<http::Response> {
    co_return text(http::Status::ok, std::string(5000, 'z'));
  });
  RequestOptions options;
  options.max_response_bytes = 1000;
  HttpResult r = request_sync(client(), get(server.url("/")), options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, TransportError::kTooLarge) << r.error().message;
  // A body exactly at the limit is fine, and the connection is still usable.
  options.max_response_bytes = 5000;
  HttpResult ok = request_sync(client(), get(server.url("/")), options);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->body.size(), 5000u);
}

// Writes a chunked response of `chunks`, pausing `gap` before each; records when the last one
// was sent.
asio::awaitable<void> send_chunked(tcp::socket& socket, std::vector<std::string> chunks,
                                   std::chrono::milliseconds gap,
                                   std::atomic<Clock::rep>* last_sent = nullptr) {
  co_await read_head(socket);
  std::string head =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n";
  co_await asio::async_write(socket, asio::buffer(head), asio::use_awaitable);
  asio::steady_timer timer(socket.get_executor());
  for (const std::string& chunk : chunks) {
    timer.expires_after(gap);
    co_await timer.async_wait(asio::use_awaitable);
    std::string wire =
        (std::stringstream() << std::hex << chunk.size()).str() + "\r\n" + chunk + "\r\n";
    co_await asio::async_write(socket, asio::buffer(wire), asio::use_awaitable);
    if (last_sent) last_sent->store(Clock::now().time_since_epoch().count());
  }
  std::string end = "0\r\n\r\n";
  co_await asio::async_write(socket, asio::buffer(end), asio::use_awaitable);
  char byte;
  boost::system::error_code ec;
  co_await socket.async_read_some(asio::buffer(&byte, 1),
                                  asio::redirect_error(asio::use_awaitable, ec));
}

TEST_F(HttpClientTest, ChunkedOversizedBodyIsTooLarge) {
  ScriptedPeer peer([](tcp::socket& s) {
    return send_chunked(s, {std::string(600, 'a'), std::string(600, 'b')}, 1ms);
  });
  RequestOptions options;
  options.max_response_bytes = 1000;
  HttpResult r = request_sync(client(), get(peer.url("/")), options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, TransportError::kTooLarge) << r.error().message;
}

TEST_F(HttpClientTest, StreamsChunksInOrderAsTheyArrive) {
  std::atomic<Clock::rep> last_sent{0};
  ScriptedPeer peer([&](tcp::socket& s) {
    return send_chunked(s, {"alpha", "beta", "gamma"}, 50ms, &last_sent);
  });
  std::vector<std::string> chunks;  // touched on the client's strand, then after completion
  Clock::rep first_chunk_at = 0;
  RequestOptions options;
  options.on_body_chunk = [&](std::string_view chunk) {
    if (chunks.empty()) first_chunk_at = Clock::now().time_since_epoch().count();
    chunks.emplace_back(chunk);
  };
  HttpResult r = request_sync(client(), get(peer.url("/stream")), options);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "");  // streamed, not accumulated
  std::string joined;
  for (const auto& c : chunks) joined += c;
  EXPECT_EQ(joined, "alphabetagamma");
  EXPECT_GE(chunks.size(), 3u);
  EXPECT_LT(first_chunk_at, last_sent.load()) << "the first chunk came only after the last";
}

TEST_F(HttpClientTest, ThrowingChunkConsumerFailsTheRequest) {
  ScriptedPeer peer([](tcp::socket& s) { return send_chunked(s, {"alpha"}, 1ms); });
  RequestOptions options;
  options.on_body_chunk = [](std::string_view) { throw std::runtime_error("consumer broke"); };
  HttpResult r = request_sync(client(), get(peer.url("/")), options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, TransportError::kOther);
}

TEST_F(HttpClientTest, CloseCancelsRequestsInFlightAndLaterOnes) {
  std::atomic<int> heads{0};
  ScriptedPeer peer([&](tcp::socket& s) { return never_answer(s, heads); });
  constexpr int kRequests = 3;
  std::vector<std::future<HttpResult>> results;
  for (int i = 0; i < kRequests; ++i) {
    auto promise = std::make_shared<std::promise<HttpResult>>();
    results.push_back(promise->get_future());
    client().async_request(get(peer.url("/")), {},
                           [promise](HttpResult r) { promise->set_value(std::move(r)); });
  }
  ASSERT_TRUE(eventually([&] { return heads.load() == kRequests; }));
  client().close();
  for (auto& f : results) {
    ASSERT_EQ(f.wait_for(2s), std::future_status::ready);
    HttpResult r = f.get();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, TransportError::kCancelled);
  }
  HttpResult later = request_sync(client(), get(peer.url("/")));
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().kind, TransportError::kCancelled);
}

TEST_F(HttpClientTest, DestroyingTheClientCancelsRequestsInFlight) {
  std::atomic<int> heads{0};
  ScriptedPeer peer([&](tcp::socket& s) { return never_answer(s, heads); });
  auto promise = std::make_shared<std::promise<HttpResult>>();
  auto result = promise->get_future();
  client().async_request(get(peer.url("/")), {},
                         [promise](HttpResult r) { promise->set_value(std::move(r)); });
  ASSERT_TRUE(eventually([&] { return heads.load() == 1; }));
  client_.reset();
  ASSERT_EQ(result.wait_for(2s), std::future_status::ready);
  HttpResult r = result.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, TransportError::kCancelled);
}

TEST_F(HttpClientTest, CompletionRunsOnTheCallersExecutor) {
  LocalServer server([](http::Request&) -> asio::awaitable<http::Response> {
    co_return text(http::Status::ok, "hi");
  });
  auto strand = asio::make_strand(caller_.ioc());
  std::promise<bool> on_caller;
  client().async_request(get(server.url("/")), {}, asio::bind_executor(strand, [&](HttpResult r) {
                           on_caller.set_value(r && strand.running_in_this_thread() &&
                                               std::this_thread::get_id() == caller_.id());
                         }));
  auto f = on_caller.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(f.get());
}

TEST_F(HttpClientTest, CoroutineAwaitsOnItsOwnExecutor) {
  LocalServer server([](http::Request&) -> asio::awaitable<http::Response> {
    co_return text(http::Status::ok, "awaited");
  });
  auto outcome = std::make_shared<std::promise<std::string>>();
  HttpClient& c = client();
  std::string url = server.url("/");
  asio::co_spawn(
      caller_.ioc(),
      [&c, url, outcome, caller_thread = caller_.id()]() -> asio::awaitable<void> {
        HttpRequest req = get(url);
        RequestOptions options;
        HttpResult r = co_await c.async_request(std::move(req), options, asio::use_awaitable);
        bool home = std::this_thread::get_id() == caller_thread;
        outcome->set_value(!home ? "resumed on another thread" : r ? r->body : r.error().message);
      },
      asio::detached);
  auto f = outcome->get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(f.get(), "awaited");
}

TEST_F(HttpClientTest, RequestsFromManyNonIoThreadsComplete) {
  LocalServer server([](http::Request& req) -> asio::awaitable<http::Response> {
    co_return text(http::Status::ok, std::string(req.target()));
  });
  HttpClient& c = client();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        std::string path = "/t" + std::to_string(t) + "/" + std::to_string(i);
        HttpResult r = request_sync(c, get(server.url(path)));
        if (r && r->body == path) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 40);
}

TEST_F(HttpClientTest, HttpsToAPlainServerIsATlsError) {
  LocalServer server([](http::Request&) -> asio::awaitable<http::Response> {
    co_return text(http::Status::ok, "plain");
  });
  std::string url = server.url("/");
  url.replace(0, 4, "https");
  HttpResult r = request_sync(client(), get(url));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, TransportError::kTls) << r.error().message;
}

TEST_F(HttpClientTest, RefusesHeaderInjectionAndOtherProtocols) {
  HttpRequest injected = get("http://127.0.0.1:1/");
  injected.headers = {{"X-Test", "a\r\nX-Injected: 1"}};
  HttpResult r = request_sync(client(), std::move(injected));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, TransportError::kOther);
  EXPECT_EQ(r.error().message.find("Injected"), std::string::npos);

  HttpResult file = request_sync(client(), get("file:///etc/passwd"));
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().kind, TransportError::kOther) << file.error().message;
}

TEST_F(HttpClientTest, CountsOutcomesWhenGivenARegistry) {
  LocalServer server([](http::Request&) -> asio::awaitable<http::Response> {
    co_return text(http::Status::ok, "x");
  });
  observe::Registry metrics;
  ClientOptions options;
  options.metrics = &metrics;
  make_client(options);
  ASSERT_TRUE(request_sync(client(), get(server.url("/"))));
  std::string exposed = metrics.expose();
  EXPECT_NE(exposed.find("wharf_outbound_requests_total{result=\"ok\"} 1"), std::string::npos)
      << exposed;
}

TEST(UrlOrigin, KeepsOnlySchemeHostAndPort) {
  EXPECT_EQ(url_origin("https://user:pw@hooks.example.com:8443/T0/B0/secret?token=x#f"),
            "https://hooks.example.com:8443");
  EXPECT_EQ(url_origin("http://example.com?q=1"), "http://example.com");
  EXPECT_EQ(url_origin("http://[::1]:80/x"), "http://[::1]:80");
}

}  // namespace
}  // namespace wharf::outbound
