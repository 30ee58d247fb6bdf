// Fakes for the typed provider calls' tests: a Caller that records the Calls it is given and
// answers from a script (ScriptedCaller), and run_action(), which runs a registered action to
// completion on a private io_context thread.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <deque>
#include <string>
#include <vector>

#include "outbound/call.h"
#include "outbound/test_peers.h"
#include "providers/provider_kind.h"

namespace wharf::providers {
namespace json = boost::json;
}

namespace wharf::providers::testing {

namespace asio = boost::asio;

class ScriptedCaller final : public outbound::Caller {
 public:
  explicit ScriptedCaller(std::string provider = "test") : provider_(std::move(provider)) {}

  // Queues the answer to the next call.
  void answer(int status, std::string body, outbound::HeaderList headers = {}) {
    script_.push_back(outbound::HttpResponse{status, std::move(headers), std::move(body), {}});
  }
  void fail(outbound::CallErrorKind kind, std::string message) {
    script_.push_back(outbound::CallError{kind, provider_, std::move(message), std::nullopt, 1, 0});
  }

  const std::string& provider() const override { return provider_; }

  asio::awaitable<outbound::CallResult> call(outbound::Call&& call) override {
    calls.push_back(call);
    if (script_.empty()) {
      co_return outbound::CallError{
          outbound::CallErrorKind::kTransport, provider_, "no scripted answer", std::nullopt, 0, 0};
    }
    outbound::CallResult r = std::move(script_.front());
    script_.pop_front();
    // A streamed 2xx body goes to on_body_chunk in small pieces, as the pipeline would pass it.
    if (r && call.on_body_chunk && r->status / 100 == 2) {
      for (std::size_t i = 0; i < r->body.size(); i += 40) {
        call.on_body_chunk(std::string_view(r->body).substr(i, 40));
      }
      r->body.clear();
    }
    co_return r;
  }

  std::vector<outbound::Call> calls;

 private:
  std::string provider_;
  std::deque<outbound::CallResult> script_;
};

// Runs `kind`'s `action` with `input` (JSON text) through `caller`.
inline ActionResult run_action(std::string_view kind, std::string_view action,
                               outbound::Caller& caller, std::string_view input,
                               const ChunkSink* sink = nullptr) {
  const ProviderKind* k = find_provider_kind(kind);
  if (!k) throw std::runtime_error("no kind " + std::string(kind));
  const Action* a = k->find_action(action);
  if (!a) throw std::runtime_error("no action " + std::string(action));
  json::object in = json::parse(input).as_object();
  outbound::testing::IoThread io;
  auto done = asio::co_spawn(
      io.ioc(),
      [&]() -> asio::awaitable<ActionResult> {
        ActionResult r = co_await a->run(caller, in, sink);
        co_return r;
      },
      asio::use_future);
  // A hang fails the test instead of blocking the suite (the io_context is then stopped).
  if (done.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    throw std::runtime_error(std::string(kind) + "." + std::string(action) +
                             " did not complete within 30 s");
  }
  return done.get();
}

inline std::string header_of(const outbound::Call& call, std::string_view name) {
  return outbound::find_header(call.headers, name).value_or("<absent>");
}

}  // namespace wharf::providers::testing
