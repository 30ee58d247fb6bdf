// The HTTP message types every handler speaks, and the handler signature.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>

namespace wharf::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Status = boost::beast::http::status;
using Verb = boost::beast::http::verb;

// Handles one request on the connection's executor. Must not block; may co_await.
using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

}  // namespace wharf::http
