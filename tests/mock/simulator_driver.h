// Drives a mock::Simulator's handler on a private io_context, as http::Server would; and a
// ResponseStream that records what a streaming handler sends, and when.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "mock/simulator.h"

namespace wharf::mock::testing {

class RecordingStream final : public http::ResponseStream {
 public:
  boost::asio::awaitable<bool> begin(const http::Response& head) override {
    head_ = head;
    co_return true;
  }
  boost::asio::awaitable<bool> write(std::string_view chunk) override {
    if (!head_ || chunks.size() >= fail_after) co_return false;
    chunks.emplace_back(chunk);
    times.push_back(std::chrono::steady_clock::now());
    co_return true;
  }
  const std::optional<http::Response>& head() const { return head_; }

  std::vector<std::string> chunks;
  std::vector<std::chrono::steady_clock::time_point> times;
  std::size_t fail_after = SIZE_MAX;  // write() returns false once this many chunks went out

 private:
  std::optional<http::Response> head_;
};

class SimulatorDriver {
 public:
  SimulatorDriver() : sim_(clock_, 42) {}

  http::Response call(http::Request req) {
    req.stream = stream_;
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
  // The stream every later request carries (as from http::Server); null: none, as by default.
  void set_stream(http::ResponseStream* stream) { stream_ = stream; }

 private:
  http::ResponseStream* stream_ = nullptr;
  FakeClock clock_;
  Simulator sim_;
};

}  // namespace wharf::mock::testing
