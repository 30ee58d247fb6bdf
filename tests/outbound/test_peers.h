// Peers for the outbound client's tests, all on 127.0.0.1 with port 0, each with its own
// io_context thread: wharf's own http::Server (LocalServer), and a raw TCP peer whose script
// decides byte by byte what each connection sees (ScriptedPeer): never answering, streaming
// chunks slowly, and so on.
#pragma once

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "http/server.h"
#include "observe/metrics.h"

namespace wharf::outbound::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

// An io_context run by one thread until finish() or destruction.
class IoThread {
 public:
  IoThread() : work_(asio::make_work_guard(ioc_)) {
    std::promise<void> done;
    done_ = done.get_future();
    thread_ = std::thread([this, done = std::move(done)]() mutable {
      ioc_.run();
      done.set_value();
    });
  }
  ~IoThread() { stop(); }
  // Stops at once, abandoning queued work, and joins. Idempotent.
  void stop() {
    if (!thread_.joinable()) return;
    work_.reset();
    ioc_.stop();
    thread_.join();
  }
  asio::io_context& ioc() { return ioc_; }
  std::thread::id id() const { return thread_.get_id(); }

  // Lets run() return once no work is left. False when work remained after `timeout` (a wait
  // left armed, a timer still set); the context is then stopped.
  bool finish(std::chrono::milliseconds timeout) {
    work_.reset();
    bool idle = done_.wait_for(timeout) == std::future_status::ready;
    stop();
    return idle;
  }

 private:
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::future<void> done_;
  std::thread thread_;
};

inline std::string loopback_url(unsigned short port, std::string_view path) {
  return "http://127.0.0.1:" + std::to_string(port) + std::string(path);
}

// wharf's http::Server with `handler`, counting the connections it accepts.
class LocalServer {
 public:
  explicit LocalServer(http::Handler handler, http::ServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    server_.emplace(io_.ioc(), options, std::move(handler), metrics_);
    port_ = server_->listen().value().port();
    server_->start();
  }
  ~LocalServer() { io_.stop(); }
  std::string url(std::string_view path) const { return loopback_url(port_, path); }
  std::uint64_t connections_accepted() {
    return metrics_.counter("wharf_http_connections_total", "TCP connections accepted").value();
  }

 private:
  observe::Registry metrics_;  // outlives the server's coroutines, destroyed with io_
  IoThread io_;
  std::optional<http::Server> server_;
  unsigned short port_ = 0;
};

// Accepts connections and runs `script` on each; the script owns what the client sees.
class ScriptedPeer {
 public:
  using Script = std::function<asio::awaitable<void>(tcp::socket&)>;

  explicit ScriptedPeer(Script script)
      : script_(std::move(script)),
        acceptor_(io_.ioc(), tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    asio::co_spawn(
        io_.ioc(), [this]() { return accept_loop(); }, asio::detached);
  }
  ~ScriptedPeer() { io_.stop(); }  // before the acceptor goes: the thread may be using it
  std::string url(std::string_view path) const {
    return loopback_url(acceptor_.local_endpoint().port(), path);
  }
  int accepted() const { return accepted_.load(); }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto socket =
          std::make_shared<tcp::socket>(co_await acceptor_.async_accept(asio::use_awaitable));
      ++accepted_;
      asio::co_spawn(
          io_.ioc(), [this, socket]() { return script_(*socket); }, asio::detached);
    }
  }

  Script script_;
  std::atomic<int> accepted_{0};
  IoThread io_;
  tcp::acceptor acceptor_;
};

// Reads one request's head (through its blank line) and returns it.
inline asio::awaitable<std::string> read_head(tcp::socket& socket) {
  std::string head;
  auto buffer = asio::dynamic_buffer(head);
  std::size_t n = co_await asio::async_read_until(socket, buffer, "\r\n\r\n", asio::use_awaitable);
  head.resize(n);
  co_return head;
}

}  // namespace wharf::outbound::testing
