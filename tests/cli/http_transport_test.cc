#include "cli/http_transport.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

namespace wharf::cli {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

// A loopback peer that reads one request and answers `status` with `body`.
class OneShotServer {
 public:
  OneShotServer(http::status status, std::string body)
      : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this, status, body = std::move(body)] {
      asio::ip::tcp::socket sock = acceptor_.accept();
      boost::beast::flat_buffer buf;
      http::read(sock, buf, seen);
      http::response<http::string_body> res{status, 11};
      res.set(http::field::content_type, "application/json");
      res.body() = body;
      res.prepare_payload();
      http::write(sock, res);
      boost::system::error_code ignored;
      sock.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    });
  }
  ~OneShotServer() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) +
           std::string(path);
  }

  http::request<http::string_body> seen;

 private:
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

TEST(CurlTransport, PostsToALoopbackServerAndReturnsItsAnswer) {
  OneShotServer server(http::status::accepted, R"({"status":"ok","id":"7"})");
  auto reply = make_curl_transport()->send(HttpMethod::kPost, server.url("/webhooks/s"),
                                           {{"Content-Type", "application/json"}, {"X-Test", "1"}},
                                           R"({"a":1})");
  server.join();
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->status, 202);
  EXPECT_EQ(reply->body, R"({"status":"ok","id":"7"})");
  EXPECT_EQ(server.seen.method(), http::verb::post);
  EXPECT_EQ(server.seen.target(), "/webhooks/s");
  EXPECT_EQ(server.seen["X-Test"], "1");
  EXPECT_EQ(server.seen[http::field::content_type], "application/json");
  EXPECT_EQ(server.seen.body(), R"({"a":1})");
}

TEST(CurlTransport, GetSendsNoBodyAndReturnsErrorStatuses) {
  OneShotServer server(http::status::not_found, R"({"error":"no such event"})");
  auto reply = make_curl_transport()->send(HttpMethod::kGet, server.url("/api/v1/events/x?a=b"),
                                           {{"Authorization", "Bearer t"}}, "");
  server.join();
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->status, 404);
  EXPECT_EQ(reply->body, R"({"error":"no such event"})");
  EXPECT_EQ(server.seen.method(), http::verb::get);
  EXPECT_EQ(server.seen.target(), "/api/v1/events/x?a=b");
  EXPECT_EQ(server.seen[http::field::authorization], "Bearer t");
  EXPECT_EQ(server.seen.body(), "");
}

TEST(CurlTransport, AnEmptyPostCarriesNoFormContentType) {
  OneShotServer server(http::status::accepted, "{}");
  auto reply = make_curl_transport()->send(HttpMethod::kPost, server.url("/r"), {}, "");
  server.join();
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(server.seen.method(), http::verb::post);
  EXPECT_EQ(server.seen.count(http::field::content_type), 0u);
  EXPECT_EQ(server.seen[http::field::content_length], "0");
}

TEST(CurlTransport, ConnectionRefusedIsAOneLineError) {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  unsigned short port = acceptor.local_endpoint().port();
  acceptor.close();  // nothing listens there now
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/webhooks/s";
  auto reply = make_curl_transport()->send(HttpMethod::kGet, url, {}, "");
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, Errc::kUnavailable);
  EXPECT_TRUE(reply.error().message.starts_with("GET " + url + " failed: "));
  EXPECT_EQ(reply.error().message.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace wharf::cli
