// http::Server's streamed responses, read by a real client on a loopback socket.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "observe/metrics.h"

namespace wharf::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

asio::awaitable<void> sleep_for(std::chrono::milliseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
}

// An http::Server on 127.0.0.1, port 0, run by its own thread.
class TestServer {
 public:
  explicit TestServer(Handler handler) : work_(asio::make_work_guard(ioc_)) {
    server_.emplace(ioc_, ServerOptions{.host = "127.0.0.1", .port = 0}, std::move(handler),
                    metrics_);
    port_ = server_->listen().value().port();
    server_->start();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TestServer() {
    ioc_.stop();
    thread_.join();
  }
  Server& server() { return *server_; }
  std::uint64_t connections_accepted() {
    return metrics_.counter("wharf_http_connections_total", "TCP connections accepted").value();
  }
  tcp::socket connect() {
    tcp::socket socket(client_ioc_);
    socket.connect({asio::ip::make_address("127.0.0.1"), port_});
    // A server that never sends what a test waits for fails the read instead of hanging it.
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return socket;
  }

 private:
  observe::Registry metrics_;
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::optional<Server> server_;
  std::thread thread_;
  unsigned short port_ = 0;
  asio::io_context client_ioc_;
};

void send_request(tcp::socket& socket, std::string_view target, std::string_view version = "1.1") {
  std::string wire =
      "GET " + std::string(target) + " HTTP/" + std::string(version) + "\r\nHost: test\r\n\r\n";
  asio::write(socket, asio::buffer(wire));
}

// Reads until `wire` contains `marker`; returns the time it arrived.
Clock::time_point read_until(tcp::socket& socket, std::string& wire, std::string_view marker) {
  char buf[4096];
  while (wire.find(marker) == std::string::npos) {
    std::size_t n = socket.read_some(asio::buffer(buf));
    wire.append(buf, n);
  }
  return Clock::now();
}

// A handler streaming "chunk 0\n" .. "chunk 2\n", `gap` apart, on /stream; "plain" elsewhere.
Handler three_chunks(std::chrono::milliseconds gap, std::vector<bool>* results = nullptr) {
  return [gap, results](Request& req) -> asio::awaitable<Response> {
    if (req.target() != "/stream") {
      Response plain{Status::ok, 11};
      plain.body() = "plain";
      co_return plain;
    }
    Response head{Status::ok, 11};
    head.set(beast::http::field::content_type, "text/plain");
    head.set(beast::http::field::content_length, "999");  // must be dropped for chunked
    bool ok = co_await req.stream->begin(head);
    for (int i = 0; i < 3; ++i) {
      if (i > 0) co_await sleep_for(gap);
      std::string chunk = "chunk " + std::to_string(i) + "\n";  // named: see http/offload.h
      bool written = co_await req.stream->write(chunk);
      ok = ok && written;
    }
    if (results) results->push_back(ok);
    Response ignored{Status::internal_server_error, 11};
    ignored.body() = "IGNORED";
    co_return ignored;
  };
}

TEST(ServerStream, ChunksArriveAsWrittenThenTheConnectionServesTheNextRequest) {
  TestServer t(three_chunks(150ms));
  tcp::socket socket = t.connect();
  send_request(socket, "/stream");
  std::string wire;
  std::vector<Clock::time_point> arrived;
  std::vector<bool> later_chunk_seen;
  for (int i = 0; i < 3; ++i) {
    arrived.push_back(read_until(socket, wire, "chunk " + std::to_string(i) + "\n"));
    later_chunk_seen.push_back(wire.find("chunk " + std::to_string(i + 1)) != std::string::npos);
  }
  read_until(socket, wire, "\r\n0\r\n\r\n");
  EXPECT_FALSE(later_chunk_seen[0]) << "chunk 1 arrived with chunk 0";
  EXPECT_FALSE(later_chunk_seen[1]) << "chunk 2 arrived with chunk 1";
  EXPECT_GE(arrived[1] - arrived[0], 100ms);
  EXPECT_GE(arrived[2] - arrived[1], 100ms);

  beast::http::response_parser<beast::http::string_body> parser;
  parser.eager(true);
  boost::system::error_code ec;
  std::size_t used = parser.put(asio::buffer(wire), ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(used, wire.size()) << "nothing after the last chunk";
  auto res = parser.release();
  EXPECT_EQ(res.result(), Status::ok);
  EXPECT_TRUE(res.chunked());
  EXPECT_EQ(res.count(beast::http::field::content_length), 0u);
  EXPECT_EQ(res[beast::http::field::content_type], "text/plain");
  EXPECT_EQ(res.body(), "chunk 0\nchunk 1\nchunk 2\n");

  send_request(socket, "/plain");
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> second;
  beast::http::read(socket, buffer, second);
  EXPECT_EQ(second.body(), "plain");
  EXPECT_EQ(t.connections_accepted(), 1u) << "the keep-alive connection was reused";
}

TEST(ServerStream, WriteReturnsFalseOnceTheClientIsGone) {
  std::promise<int> failed_at;  // the write that returned false, or -1
  std::promise<void> first_sent;
  TestServer t([&](Request& req) -> asio::awaitable<Response> {
    Response head{Status::ok, 11};
    co_await req.stream->begin(head);
    co_await req.stream->write("first\n");
    first_sent.set_value();
    std::string filler(4096, 'x');
    for (int i = 0; i < 500; ++i) {
      co_await sleep_for(10ms);
      if (!co_await req.stream->write(filler)) {
        EXPECT_FALSE(co_await req.stream->write("after")) << "stays failed";
        failed_at.set_value(i);
        co_return Response{};
      }
    }
    failed_at.set_value(-1);
    co_return Response{};
  });
  auto result = failed_at.get_future();
  {
    tcp::socket socket = t.connect();
    send_request(socket, "/stream");
    std::string wire;
    read_until(socket, wire, "first\n");
    first_sent.get_future().wait();
  }  // closed here, mid-stream
  ASSERT_EQ(result.wait_for(10s), std::future_status::ready);
  EXPECT_GE(result.get(), 0) << "every write succeeded after the client closed";
  for (int i = 0; i < 100 && t.server().in_flight() != 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(t.server().in_flight(), 0u);
}

TEST(ServerStream, DrainWaitsForAStreamingHandler) {
  std::vector<bool> results;
  TestServer t(three_chunks(150ms, &results));
  tcp::socket socket = t.connect();
  send_request(socket, "/stream");
  std::string wire;
  read_until(socket, wire, "chunk 0\n");
  EXPECT_EQ(t.server().in_flight(), 1u);
  t.server().drain();
  read_until(socket, wire, "\r\n0\r\n\r\n");
  EXPECT_NE(wire.find("chunk 2\n"), std::string::npos);
  // The server then closes the connection instead of waiting for another request.
  char buf[16];
  boost::system::error_code ec;
  socket.read_some(asio::buffer(buf), ec);
  EXPECT_EQ(ec, asio::error::eof);
  for (int i = 0; i < 100 && t.server().in_flight() != 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(t.server().in_flight(), 0u);
}

TEST(ServerStream, NoStreamForHttp10OrHead) {
  std::atomic<int> with_stream{0};
  std::atomic<int> calls{0};
  TestServer t([&](Request& req) -> asio::awaitable<Response> {
    ++calls;
    if (req.stream) ++with_stream;
    Response res{Status::ok, req.version()};
    res.body() = "whole";
    co_return res;
  });
  tcp::socket socket = t.connect();
  send_request(socket, "/x", "1.0");
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(socket, buffer, res);
  EXPECT_EQ(res.body(), "whole");

  tcp::socket head_socket = t.connect();
  asio::write(head_socket, asio::buffer(std::string("HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n")));
  std::string wire;
  read_until(head_socket, wire, "\r\n\r\n");
  tcp::socket get_socket = t.connect();
  send_request(get_socket, "/x");
  beast::http::response<beast::http::string_body> got;
  beast::flat_buffer buffer2;
  beast::http::read(get_socket, buffer2, got);
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(with_stream.load(), 1) << "only the HTTP/1.1 GET may stream";
}

}  // namespace
}  // namespace wharf::http
