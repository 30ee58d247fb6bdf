// The outbound HTTP client: asynchronous requests over libcurl's multi interface, driven by an
// Asio executor (outbound/curl_multi.h) with no thread per request. Connections are kept alive
// and reused (a pool per client); TLS is always verified; only http and https are allowed;
// redirects are not followed unless asked; every request has connect and total timeouts and a
// response size limit.
//
// Threads: all of a client's work (libcurl calls, socket waits, on_body_chunk) runs on one strand
// of the executor given at construction, get_executor(). async_request() and close() may be
// called from any thread: they post onto that strand. A completion runs on the completion
// token's associated executor (for use_awaitable, the awaiting coroutine's), or on the client's
// strand when the token has none.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <memory>
#include <utility>

#include "core/home_executor.h"
#include "outbound/http_types.h"

namespace wharf::outbound {

class HttpClient {
 public:
  // A client on a new strand of `executor` (usually the I/O threads' io_context). Throws
  // std::runtime_error when libcurl cannot be initialised (start-up only).
  explicit HttpClient(boost::asio::any_io_executor executor, ClientOptions options = {});
  // close(). A completion still pending is delivered later, with kCancelled, as long as the
  // executors keep running; the client's state lives until then.
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // The strand everything of this client runs on.
  boost::asio::any_io_executor get_executor() const;

  // Sends `request` and completes with void(HttpResult): the response, whatever its status, or
  // a ClientError (see TransportError) when no response came. The client must still exist when
  // the operation is initiated (for use_awaitable: when awaited); `options` is copied then.
  //
  // GCC 12 destroys temporaries inside a co_await expression twice (see http/offload.h), so pass
  // named values: `co_await client.async_request(std::move(req), opts, asio::use_awaitable)`.
  // `request` is an rvalue reference to make the move explicit.
  template <class CompletionToken>
  auto async_request(HttpRequest&& request, const RequestOptions& options,
                     CompletionToken&& token) {
    namespace asio = boost::asio;
    return asio::async_initiate<CompletionToken, void(HttpResult)>(
        [this](auto handler, HttpRequest req, RequestOptions opts) {
          start(std::move(req), std::move(opts), to_home(std::move(handler), get_executor()));
        },
        token, std::move(request), options);
  }

  // Aborts every request in flight (each completes with kCancelled), closes the pooled
  // connections, and makes later requests complete with kCancelled at once. Asynchronous:
  // takes effect on the client's strand. Idempotent.
  void close();

 private:
  using Completion = boost::asio::any_completion_handler<void(HttpResult)>;
  void start(HttpRequest&& request, RequestOptions&& options, Completion&& done);

  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace wharf::outbound
