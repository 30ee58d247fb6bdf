// The HTTP/1.1 server: Boost.Beast on one io_context run by several threads; each connection is
// a coroutine on its own strand. Every read has a body limit, a header limit and a deadline;
// keep-alive is supported. A handler may stream its response in chunks through Request::stream
// (HTTP/1.1, not HEAD). drain() stops accepting, lets in-flight requests (streaming ones
// included) finish, and closes idle connections. Create, listen() and start() from one thread;
// drain() from any thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "core/error.h"
#include "http/types.h"

namespace wharf::observe {
class Registry;
}

namespace wharf::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;            // 0 picks a free port
  std::size_t max_body_bytes = 1 << 20;  // larger bodies get 413
  std::size_t max_header_bytes = 32 << 10;
  std::chrono::milliseconds read_timeout{30'000};  // per request body once its headers are in,
                                                   // and per response write
  std::chrono::milliseconds idle_timeout{60'000};  // for a request's headers (and between
                                                   // keep-alive requests)
  std::size_t max_connections = 10'000;  // beyond this, new connections wait in the backlog
};

class Server {
 public:
  Server(boost::asio::io_context& ioc, ServerOptions options, Handler handler,
         observe::Registry& metrics);
  ~Server();

  // Binds and listens. Returns the bound endpoint (with the real port when port was 0).
  Result<boost::asio::ip::tcp::endpoint> listen();
  // Starts accepting connections on the io_context.
  void start();
  // Stops accepting, closes idle keep-alive connections, lets in-flight requests complete.
  void drain();
  // Requests being handled right now.
  std::size_t in_flight() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace wharf::http
