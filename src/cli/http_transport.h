// The CLI's one side effect on the network: a blocking HTTP request that returns the peer's
// answer whatever its status. An interface so command tests use a fake; the libcurl
// implementation runs on the calling thread. Used by `wharf trigger` and the admin commands.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace wharf::cli {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

enum class HttpMethod { kGet, kPost };

// "GET" or "POST".
const char* method_name(HttpMethod method);

struct HttpReply {
  long status = 0;
  std::string body;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends one request with exactly `headers` (no Content-Type unless given) and `body` (POST
  // only; GET sends none). Returns the reply whatever its status, or an Errc::kUnavailable error
  // with a one-line reason ("POST <url> failed: ...") when no reply came (connect failure,
  // timeout).
  virtual Result<HttpReply> send(HttpMethod method, const std::string& url,
                                 const HeaderList& headers, const std::string& body) = 0;
};

struct CurlTransportParams {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};  // the whole exchange
};

// A libcurl transport. Proxies from the environment are ignored for loopback URLs (the gateway
// is usually local; a proxy would only get in the way and see the admin token).
std::unique_ptr<HttpTransport> make_curl_transport(CurlTransportParams params = {});

}  // namespace wharf::cli
