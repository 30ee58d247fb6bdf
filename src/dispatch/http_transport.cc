#include "dispatch/http_transport.h"

#include <algorithm>

#include "outbound/http_client.h"

namespace wharf::dispatch {
namespace {

using namespace std::chrono_literals;

class HttpTransport final : public Transport {
 public:
  HttpTransport(boost::asio::any_io_executor executor, outbound::ClientOptions options)
      : client_(std::move(executor), std::move(options)) {}
  ~HttpTransport() override { client_.close(); }

  void post(ForwardRequest request, std::function<void(ForwardResponse)> done) override {
    outbound::HttpRequest req;
    req.method = "POST";
    req.url = std::move(request.url);
    req.headers = std::move(request.headers);
    req.body = std::move(request.body);
    outbound::RequestOptions options;
    options.total_timeout = request.timeout;
    options.connect_timeout = std::min<std::chrono::milliseconds>(request.timeout, 5s);
    // Only the status and Retry-After matter: the body is read and dropped, so a destination
    // that answers at length costs no memory, and any length is accepted.
    options.on_body_chunk = [](std::string_view) {};
    options.max_response_bytes = std::size_t{1} << 40;
    client_.async_request(
        std::move(req), options, [done = std::move(done)](outbound::HttpResult r) {
          ForwardResponse out;
          if (r) {
            out.status = r->status;
            out.retry_after = r->header("retry-after");
          } else {
            out.timed_out = r.error().kind == outbound::TransportError::kTimeout;
            out.error = std::string(outbound::to_string(r.error().kind)) + ": " + r.error().message;
          }
          done(std::move(out));
        });
  }

  void close() override { client_.close(); }

 private:
  outbound::HttpClient client_;
};

}  // namespace

std::unique_ptr<Transport> make_http_transport(boost::asio::any_io_executor executor,
                                               const Destination& destination) {
  outbound::ClientOptions options;
  // libcurl queues requests beyond this; the lane never has more in flight anyway.
  options.max_host_connections = destination.max_in_flight;
  options.max_idle_connections = destination.max_in_flight;
  return std::make_unique<HttpTransport>(std::move(executor), std::move(options));
}

}  // namespace wharf::dispatch
