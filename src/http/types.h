// The HTTP message types every handler speaks, the handler signature, and ResponseStream, through
// which a handler may send its response body piece by piece (chunked) instead of all at once.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <exception>
#include <functional>
#include <string_view>
#include <utility>

namespace wharf::http {

using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Status = boost::beast::http::status;
using Verb = boost::beast::http::verb;

// A response sent as it is produced, with Transfer-Encoding: chunked. Provided by http::Server
// for the duration of one handler call; used from that handler's coroutine only, one operation
// at a time.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Sends the status line and `head`'s fields (its body is ignored) with Transfer-Encoding:
  // chunked and no Content-Length. Call once. From then on the server ignores the Response the
  // handler returns and ends the body itself. A `Connection: close` in `head` closes the
  // connection after the body. False when the client is gone or the write deadline passed.
  // (`head` is taken by reference, not by value: GCC 12 destroys a by-value argument of a
  // co_awaited call twice, see http/offload.h; it must live until the co_await completes.)
  virtual boost::asio::awaitable<bool> begin(const Response& head) = 0;
  // Sends `chunk` as one chunk, now (an empty chunk sends nothing). False before begin(), and
  // when the client is gone or the write deadline passed; every later call is then false too.
  virtual boost::asio::awaitable<bool> write(std::string_view chunk) = 0;
};

// A request as a handler sees it: the Beast message, plus the stream to answer on piece by piece.
struct Request : boost::beast::http::request<boost::beast::http::string_body> {
  using Base = boost::beast::http::request<boost::beast::http::string_body>;
  using Base::Base;
  Request() = default;
  Request(Base&& base) : Base(std::move(base)) {}  // NOLINT: implicit, as the alias it replaces
  Request(const Base& base) : Base(base) {}        // NOLINT

  // Null when the response cannot be streamed: a handler called directly (unit tests), an
  // HTTP/1.0 client (no chunked encoding) or a HEAD request (no body). Not owned.
  ResponseStream* stream = nullptr;
};

// Thrown by a handler to drop the connection without answering (the simulator's `reset` fault):
// the server closes the socket at once, with a TCP reset.
struct ConnectionAbort : std::exception {
  const char* what() const noexcept override { return "connection aborted by the handler"; }
};

// Handles one request on the connection's executor. Must not block; may co_await.
using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

}  // namespace wharf::http
