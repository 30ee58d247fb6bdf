// The HTTP message types every handler speaks, and the handler signature.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <exception>
#include <functional>

namespace wharf::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Status = boost::beast::http::status;
using Verb = boost::beast::http::verb;

// Thrown by a handler to drop the connection without answering (the simulator's `reset` fault):
// the server closes the socket at once, with a TCP reset.
struct ConnectionAbort : std::exception {
  const char* what() const noexcept override { return "connection aborted by the handler"; }
};

// Handles one request on the connection's executor. Must not block; may co_await.
using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

}  // namespace wharf::http
