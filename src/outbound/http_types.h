// The values of outbound HTTP: a request, its options, the response, and how a request that got
// no HTTP response failed (TransportError). Plain values, safe to copy between threads.
//
// A request that reached the peer and got any HTTP answer, 4xx and 5xx included, succeeds with
// an HttpResponse; only a failure to get an answer is a ClientError. Its message never contains
// a secret: URLs are shown as their origin only (a webhook URL's path and query are often the
// credential), and header values are never shown.
#pragma once

#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wharf::observe {
class Registry;
}

namespace wharf::outbound {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The value of the first header called `name` (ASCII case-insensitive), or nullopt.
std::optional<std::string> find_header(const HeaderList& headers, std::string_view name);
// Sets header `name` to `value`, removing every earlier header of that name (any capitalisation).
void set_header(HeaderList& headers, std::string_view name, std::string value);

struct HttpRequest {
  std::string method = "GET";  // an HTTP token: GET, HEAD, POST, PUT, PATCH, DELETE, ...
  std::string url;             // http:// or https:// only
  HeaderList headers;          // sent in order; names are tokens, values contain no CR/LF
  std::string body;            // sent when not empty (and always for POST)
};

struct RequestOptions {
  std::chrono::milliseconds connect_timeout{5000};  // TCP connect and TLS handshake
  std::chrono::milliseconds total_timeout{30000};   // the whole exchange, connect included
  std::size_t max_response_bytes = 10 << 20;        // response body limit, streamed or accumulated
  bool follow_redirects = false;                    // when true: at most 5 hops, http/https only
  // Streaming: when set, the body is passed here chunk by chunk, in order, as it arrives (on the
  // client's executor, all before the completion) and HttpResponse::body stays empty. Must not
  // block; an exception it throws fails the request with TransportError::kOther.
  std::function<void(std::string_view)> on_body_chunk;
  // With on_body_chunk: stream only the body of a 2xx answer; any other answer's body is kept in
  // HttpResponse::body as without streaming (an error body is read whole, not relayed).
  bool stream_success_only = false;
};

struct HttpResponse {
  int status = 0;
  HeaderList headers;  // of the final response (after 1xx and followed redirects), in order
  std::string body;
  std::chrono::microseconds duration{0};  // from the start of the transfer to its end

  // find_header(headers, name).
  std::optional<std::string> header(std::string_view name) const {
    return find_header(headers, name);
  }
};

// Why a request got no HTTP response. kConnect means the request never reached the peer (so a
// retry cannot duplicate it); after any other kind the peer may have seen and acted on it.
enum class TransportError {
  kConnect,    // name resolution failed or the connection was refused
  kTimeout,    // connect_timeout or total_timeout passed
  kTls,        // handshake or certificate verification failed
  kTooLarge,   // the body exceeded max_response_bytes (the transfer was aborted)
  kProtocol,   // the connection broke mid-exchange or the reply was not valid HTTP
  kCancelled,  // the client was closed (or destroyed) first
  kOther,      // an invalid request (URL, method, header) or an unexpected local failure
};

// "connect", "timeout", "tls", "too_large", "protocol", "cancelled", "other".
std::string_view to_string(TransportError kind);

struct ClientError {
  TransportError kind;
  std::string message;  // for logs: method, URL origin and curl's reason; never a secret
};

using HttpResult = boost::system::result<HttpResponse, ClientError>;

// Lets HttpResult::value() throw std::runtime_error (tests and start-up code only).
[[noreturn]] void throw_exception_from_error(const ClientError& e,
                                             const boost::source_location& loc);

// `scheme://host[:port]` of `url`, without user info, path, query or fragment: what messages
// may show of a URL.
std::string url_origin(std::string_view url);

// Settings shared by every request of one HttpClient.
struct ClientOptions {
  long max_host_connections = 8;   // per host; further requests queue for a free connection
  long max_idle_connections = 64;  // kept open in the pool for reuse (CURLMOPT_MAXCONNECTS)
  std::string ca_file;             // PEM bundle to verify servers with; empty: the system store
  std::string proxy;  // empty: direct connections (the *_proxy environment variables are ignored)
  observe::Registry* metrics = nullptr;  // optional: wharf_outbound_requests_total{result}
};

}  // namespace wharf::outbound
