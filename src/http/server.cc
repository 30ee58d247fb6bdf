#include "http/server.h"

#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <cstdio>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "core/log.h"
#include "http/response.h"
#include "observe/metrics.h"

namespace wharf::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {

// A target without its query: a query may carry secrets (an OAuth callback's code and state).
std::string path_of(std::string_view target) {
  return std::string(target.substr(0, target.find('?')));
}

struct Connection {
  explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  bool busy = false;  // a request is being handled; touched only on the connection's strand
};

// The ResponseStream of one request: writes the head and each chunk straight to the socket, each
// write under the server's write deadline. Lives on the session's coroutine frame for the
// handler's call; used on the connection's strand only.
class ChunkedStream final : public ResponseStream {
 public:
  ChunkedStream(Connection& conn, std::chrono::milliseconds timeout, unsigned version,
                bool keep_alive)
      : conn_(conn), timeout_(timeout), version_(version), keep_alive_(keep_alive) {}

  asio::awaitable<bool> begin(const Response& head) override {
    if (begun_) co_return false;
    begun_ = true;
    Response wire_head(head.base());
    wire_head.version(version_);
    keep_alive_ = keep_alive_ && wire_head.keep_alive();
    wire_head.keep_alive(keep_alive_);
    wire_head.erase(beast::http::field::content_length);
    wire_head.chunked(true);
    std::string wire = serialize_response(wire_head);
    co_return co_await send(asio::buffer(wire));
  }

  asio::awaitable<bool> write(std::string_view chunk) override {
    if (!begun_ || failed_) co_return false;
    if (chunk.empty()) co_return true;  // an empty chunk would end the body
    char size[24];
    int n = std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    std::array<asio::const_buffer, 3> buffers{asio::buffer(size, static_cast<std::size_t>(n)),
                                              asio::buffer(chunk.data(), chunk.size()),
                                              asio::buffer("\r\n", 2)};
    co_return co_await send(buffers);
  }

  // Sends the last chunk. False when the stream had already failed or the write fails.
  asio::awaitable<bool> finish() {
    if (failed_) co_return false;
    co_return co_await send(asio::buffer("0\r\n\r\n", 5));
  }

  bool begun() const { return begun_; }
  bool keep_alive() const { return keep_alive_; }

 private:
  template <class Buffers>
  asio::awaitable<bool> send(const Buffers& buffers) {
    boost::system::error_code ec;
    conn_.stream.expires_after(timeout_);
    co_await asio::async_write(conn_.stream, buffers,
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) failed_ = true;
    co_return !ec;
  }

  Connection& conn_;
  std::chrono::milliseconds timeout_;
  unsigned version_;
  bool keep_alive_;
  bool begun_ = false;
  bool failed_ = false;
};

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& ioc, ServerOptions opts, Handler h, observe::Registry& metrics)
      : ioc(ioc),
        options(std::move(opts)),
        handler(std::move(h)),
        acceptor(asio::make_strand(ioc)),
        connections_total(
            metrics.counter("wharf_http_connections_total", "TCP connections accepted")),
        open_connections(metrics.gauge("wharf_http_open_connections", "TCP connections open")),
        too_large(metrics.counter("wharf_http_rejected_requests_total",
                                  "Requests refused before reaching a handler",
                                  {{"reason", "body_too_large"}})),
        headers_too_large(metrics.counter("wharf_http_rejected_requests_total",
                                          "Requests refused before reaching a handler",
                                          {{"reason", "headers_too_large"}})),
        malformed(metrics.counter("wharf_http_rejected_requests_total",
                                  "Requests refused before reaching a handler",
                                  {{"reason", "malformed"}})),
        handler_exceptions(metrics.counter("wharf_http_handler_exceptions_total",
                                           "Handlers that threw (answered 500)")),
        accept_errors(metrics.counter("wharf_http_accept_errors_total",
                                      "Failed accepts (e.g. out of file descriptors)")) {}

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> linger(Connection& conn);
  asio::awaitable<void> session(std::shared_ptr<Connection> conn);
  asio::awaitable<void> write_and_close(Connection& conn, Response& res);

  asio::io_context& ioc;
  ServerOptions options;
  Handler handler;
  tcp::acceptor acceptor;
  std::atomic<bool> draining{false};
  std::atomic<std::size_t> in_flight{0};

  std::mutex mu;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;  // guarded by mu

  observe::Counter& connections_total;
  observe::Gauge& open_connections;
  observe::Counter& too_large;
  observe::Counter& headers_too_large;
  observe::Counter& malformed;
  observe::Counter& handler_exceptions;
  observe::Counter& accept_errors;
};

Server::Server(asio::io_context& ioc, ServerOptions options, Handler handler,
               observe::Registry& metrics)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), std::move(handler), metrics)) {}

Server::~Server() = default;

Result<tcp::endpoint> Server::listen() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec)
    return make_error(Errc::kInvalidArgument, "invalid listen address " + impl_->options.host);
  tcp::endpoint ep(address, impl_->options.port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error(Errc::kUnavailable, "cannot listen on " + impl_->options.host + ":" +
                                              std::to_string(impl_->options.port) + ": " +
                                              ec.message());
  }
  return a.local_endpoint();
}

void Server::start() {
  asio::co_spawn(
      impl_->acceptor.get_executor(), [self = impl_]() { return self->accept_loop(); },
      asio::detached);
}

void Server::drain() {
  auto self = impl_;
  self->draining = true;
  asio::post(self->acceptor.get_executor(), [self] {
    boost::system::error_code ec;
    self->acceptor.close(ec);
  });
  std::lock_guard lock(self->mu);
  for (auto& [ptr, weak] : self->connections) {
    if (auto conn = weak.lock()) {
      // Idle connections (waiting for a next request) are closed; busy ones finish their
      // request and then close because `draining` turns keep-alive off.
      asio::post(conn->stream.get_executor(), [conn] {
        if (!conn->busy) conn->stream.socket().cancel();
      });
    }
  }
}

std::size_t Server::in_flight() const { return impl_->in_flight.load(); }

asio::awaitable<void> Server::Impl::accept_loop() {
  auto self = shared_from_this();
  asio::steady_timer pause(acceptor.get_executor());
  for (;;) {
    // At the connection cap, leave new connections in the kernel's backlog until one closes.
    while (static_cast<std::size_t>(open_connections.value()) >= options.max_connections &&
           !draining) {
      pause.expires_after(std::chrono::milliseconds(10));
      co_await pause.async_wait(asio::use_awaitable);
    }
    boost::system::error_code ec;
    auto strand = asio::make_strand(ioc);  // a named local: no temporary inside co_await
    tcp::socket socket =
        co_await acceptor.async_accept(strand, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (draining || !acceptor.is_open()) co_return;
      // EMFILE and friends fail at once; back off instead of spinning and flooding the log.
      accept_errors.inc();
      log::warn("accept failed", {{"error", ec.message()}});
      pause.expires_after(std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_shared<Connection>(std::move(socket));
    {
      std::lock_guard lock(mu);
      connections.emplace(conn.get(), conn);
    }
    connections_total.inc();
    open_connections.add(1);
    // An exception escaping a session (e.g. out of memory) ends that connection only: with
    // `detached` it would be rethrown from io_context::run() and end the process.
    asio::co_spawn(
        conn->stream.get_executor(), [self, conn]() { return self->session(conn); },
        [self](std::exception_ptr failure) {
          if (!failure) return;
          self->handler_exceptions.inc();
          try {
            std::rethrow_exception(failure);
          } catch (const std::exception& e) {
            log::error("connection failed", {{"error", e.what()}});
          } catch (...) {
            log::error("connection failed");
          }
        });
  }
}

// After refusing a request whose body was not read, keep reading (and discarding) for a moment
// before closing: closing with unread input makes the kernel send a reset, and the client may
// then never see the 413/400 it was sent.
asio::awaitable<void> Server::Impl::linger(Connection& conn) {
  boost::system::error_code ec;
  conn.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  conn.stream.expires_after(std::chrono::seconds(1));
  std::array<char, 16384> scratch;
  std::size_t discarded = 0;
  while (!ec && discarded < (1u << 20)) {
    discarded += co_await conn.stream.async_read_some(
        asio::buffer(scratch), asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> Server::Impl::write_and_close(Connection& conn, Response& res) {
  res.keep_alive(false);
  res.prepare_payload();
  std::string wire = serialize_response(res);
  boost::system::error_code ec;
  conn.stream.expires_after(options.read_timeout);
  co_await asio::async_write(conn.stream, asio::buffer(wire),
                             asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) co_await linger(conn);
}

asio::awaitable<void> Server::Impl::session(std::shared_ptr<Connection> conn) {
  // Unregisters the connection however the session ends, exception included.
  struct Unregister {
    Impl& impl;
    Connection* conn;
    ~Unregister() {
      if (conn->busy) impl.in_flight.fetch_sub(1);  // ended by an exception mid-request
      {
        std::lock_guard lock(impl.mu);
        impl.connections.erase(conn);
      }
      impl.open_connections.add(-1);
    }
  } unregister{*this, conn.get()};
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  while (!draining) {
    beast::http::request_parser<beast::http::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    conn->stream.expires_after(options.idle_timeout);
    co_await beast::http::async_read_header(conn->stream, buffer, parser,
                                            asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      // From here the request is in flight: drain lets its body arrive and waits for its answer.
      conn->busy = true;
      in_flight.fetch_add(1);
      conn->stream.expires_after(options.read_timeout);
      co_await beast::http::async_read(conn->stream, buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
    }
    // A request refused before any handler runs is answered here and the connection closed.
    // (The response is a named local: see http/offload.h on GCC 12 and co_await temporaries.)
    std::optional<Response> refusal;
    if (ec == beast::http::error::body_limit) {
      too_large.inc();
      refusal =
          json_error(Status::payload_too_large, "body exceeds max_body_bytes (" +
                                                    std::to_string(options.max_body_bytes) + ")");
    } else if (ec == beast::http::error::header_limit) {
      headers_too_large.inc();
      refusal = json_error(Status::request_header_fields_too_large, "request headers too large");
    } else if (ec &&
               ec.category() ==
                   beast::http::make_error_code(beast::http::error::end_of_stream).category() &&
               ec != beast::http::error::end_of_stream &&
               ec != beast::http::error::partial_message) {
      // Parse errors get a 400; disconnects, timeouts and drain cancellations just close.
      malformed.inc();
      refusal = json_error(Status::bad_request, "malformed HTTP request");
    }
    if (conn->busy && (refusal || ec)) {
      in_flight.fetch_sub(1);
      conn->busy = false;
    }
    if (refusal) {
      co_await write_and_close(*conn, *refusal);
      break;
    }
    if (ec) break;

    Request req = parser.release();
    // Chunked encoding needs HTTP/1.1, and a HEAD answer has no body to stream.
    std::optional<ChunkedStream> streamed;
    if (req.version() >= 11 && req.method() != Verb::head) {
      streamed.emplace(*conn, options.read_timeout, req.version(), req.keep_alive() && !draining);
      req.stream = &*streamed;
    }
    Response res;
    bool abort = false;
    bool handler_failed = false;
    try {
      res = co_await handler(req);
    } catch (const ConnectionAbort&) {
      abort = true;
    } catch (const std::exception& e) {
      handler_exceptions.inc();
      handler_failed = true;
      log::error("handler failed", {{"path", path_of(req.target())}, {"error", e.what()}});
      res = json_error(Status::internal_server_error, "internal error");
    } catch (...) {
      handler_exceptions.inc();
      handler_failed = true;
      log::error("handler failed", {{"path", path_of(req.target())}});
      res = json_error(Status::internal_server_error, "internal error");
    }
    if (abort) {
      // Linger 0 makes close() send a reset instead of a FIN, as a crashed peer would.
      in_flight.fetch_sub(1);
      conn->busy = false;
      conn->stream.socket().set_option(asio::socket_base::linger(true, 0), ec);
      conn->stream.socket().close(ec);
      co_return;
    }
    if (streamed && streamed->begun()) {
      // The head and body went out as the handler produced them; a handler that threw after
      // begin() leaves a body without its last chunk, and the connection is closed.
      bool finished = false;
      if (!handler_failed) finished = co_await streamed->finish();
      in_flight.fetch_sub(1);
      conn->busy = false;
      if (!finished || !streamed->keep_alive()) break;
      continue;
    }
    bool keep_alive = req.keep_alive() && !draining;
    res.version(req.version());
    res.keep_alive(keep_alive);
    res.prepare_payload();
    std::string wire = serialize_response(res);
    if (req.method() == Verb::head) wire.resize(wire.size() - res.body().size());
    conn->stream.expires_after(options.read_timeout);
    co_await asio::async_write(conn->stream, asio::buffer(wire),
                               asio::redirect_error(asio::use_awaitable, ec));
    in_flight.fetch_sub(1);
    conn->busy = false;
    if (ec || !keep_alive) break;
  }
  conn->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace wharf::http
