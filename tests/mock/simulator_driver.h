// Drives a mock::Simulator's handler on a private io_context, as http::Server would.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <string>

#include "core/clock.h"
#include "mock/simulator.h"

namespace wharf::mock::testing {

class SimulatorDriver {
 public:
  SimulatorDriver() : sim_(clock_, 42) {}

  http::Response call(http::Request req) {
    boost::asio::io_context ioc;
    auto fut = boost::asio::co_spawn(
        ioc,
        [&]() -> boost::asio::awaitable<http::Response> {
          http::Response r = co_await sim_.handle(req);
          co_return r;
        },
        boost::asio::use_future);
    ioc.run();
    return fut.get();
  }

  http::Response send(http::Verb method, std::string target, std::string body = {},
                      std::string content_type = "application/json",
                      std::initializer_list<std::pair<std::string, std::string>> headers = {}) {
    http::Request req{method, target, 11};
    if (!body.empty()) req.set("Content-Type", content_type);
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = std::move(body);
    req.prepare_payload();
    return call(std::move(req));
  }

  http::Response control(http::Verb method, std::string target, std::string body = {}) {
    return send(method, std::move(target), std::move(body));
  }

  static boost::json::value json_of(const http::Response& res) {
    return boost::json::parse(res.body());
  }

  FakeClock& clock() { return clock_; }

 private:
  FakeClock clock_;
  Simulator sim_;
};

}  // namespace wharf::mock::testing
