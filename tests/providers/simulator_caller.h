// A minimal Caller for end-to-end tests against the provider simulator: sends each Call with
// outbound::HttpClient to the simulator's base URL for the provider + the Call's target, adding
// a dummy credential header (the simulator checks presence only). No retries, limits or breaker:
// those are the pipeline's; this checks what the typed calls put on the wire.
#pragma once

#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <string>

#include "outbound/call.h"
#include "outbound/http_client.h"

namespace wharf::providers::testing {

class SimulatorCaller final : public outbound::Caller {
 public:
  SimulatorCaller(std::string provider, std::string base_url, outbound::HeaderList credentials,
                  outbound::HttpClient& client)
      : provider_(std::move(provider)),
        base_url_(std::move(base_url)),
        credentials_(std::move(credentials)),
        client_(client) {}

  const std::string& provider() const override { return provider_; }

  boost::asio::awaitable<outbound::CallResult> call(outbound::Call&& call) override {
    outbound::HttpRequest request{call.method, base_url_ + call.target, call.headers, call.body};
    for (const auto& header : credentials_) request.headers.push_back(header);
    outbound::RequestOptions options;
    options.total_timeout = std::chrono::seconds(10);
    options.on_body_chunk = call.on_body_chunk;
    outbound::HttpResult result =
        co_await client_.async_request(std::move(request), options, boost::asio::use_awaitable);
    if (!result) {
      co_return outbound::CallError{outbound::CallErrorKind::kTransport,
                                    provider_,
                                    result.error().message,
                                    std::nullopt,
                                    1,
                                    0};
    }
    co_return std::move(*result);
  }

 private:
  std::string provider_;
  std::string base_url_;
  outbound::HeaderList credentials_;
  outbound::HttpClient& client_;
};

// GET `url` as JSON (the simulator's journal), blocking.
inline boost::json::value get_json(outbound::HttpClient& client, std::string url) {
  outbound::HttpRequest request{"GET", std::move(url), {}, {}};
  auto done = client.async_request(std::move(request), {}, boost::asio::use_future);
  outbound::HttpResponse response = done.get().value();
  return boost::json::parse(response.body);
}

}  // namespace wharf::providers::testing
