#include "admin/action_responses.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "http/response.h"
#include "outbound/redaction.h"

namespace wharf::admin {
namespace {

namespace json = boost::json;
using outbound::CallError;
using outbound::CallErrorKind;

std::int64_t seconds_up(std::chrono::milliseconds d) { return (d.count() + 999) / 1000; }

http::Status status_for(const CallError& e) {
  switch (e.kind) {
    case CallErrorKind::kRateLimited:
      return http::Status::too_many_requests;
    case CallErrorKind::kCircuitOpen:
      return http::Status::service_unavailable;
    case CallErrorKind::kRefused:
      return http::Status::bad_request;
    case CallErrorKind::kTransport:
    case CallErrorKind::kUpstream:
    case CallErrorKind::kCredentials:
      return http::Status::bad_gateway;
  }
  return http::Status::bad_gateway;
}

}  // namespace

http::Response call_error_response(const CallError& e) {
  json::object body{{"error", e.message},
                    {"provider", e.provider},
                    {"kind", std::string(outbound::to_string(e.kind))},
                    {"attempts", e.attempts}};
  body["retry_after_s"] = e.retry_after ? json::value(seconds_up(*e.retry_after)) : nullptr;
  body["upstream_status"] = e.status ? json::value(e.status) : nullptr;
  http::Response res = http::json_response(status_for(e), body);
  if (e.retry_after) {
    res.set(boost::beast::http::field::retry_after, std::to_string(seconds_up(*e.retry_after)));
  }
  return res;
}

// `e` as the caller sees it; a provider's own words (kRejected, kBadResponse) may quote what it
// received, so `secrets` (the provider's configured keys) are redacted from them.
http::Response action_error_response(std::string_view provider, const providers::ActionError& e,
                                     const std::vector<std::string>& secrets) {
  using Kind = providers::ActionError::Kind;
  if (e.kind == Kind::kCall && e.call) return call_error_response(*e.call);
  if (e.kind == Kind::kInvalidInput) return http::json_error(http::Status::bad_request, e.message);
  json::object body{{"error", outbound::redact_secrets(e.message, secrets)},
                    {"provider", std::string(provider)},
                    {"kind", e.kind == Kind::kRejected ? "rejected" : "bad_response"},
                    {"retry_after_s", nullptr}};
  body["upstream_status"] = e.status ? json::value(e.status) : nullptr;
  return http::json_response(http::Status::bad_gateway, body);
}

namespace {

// What a streaming action's sink hands to the handler coroutine that writes to the client. The
// sink runs on the provider client's strand, the writer on the connection's: the chunks pass under
// a mutex, and the writer sleeps on `wake` (a timer cancelled to signal) between them.
struct Relay : std::enable_shared_from_this<Relay> {
  explicit Relay(boost::asio::any_io_executor executor) : wake(std::move(executor)) {}

  void push(std::string_view chunk) {
    {
      std::lock_guard lock(mu);
      if (abandoned) throw std::runtime_error("the caller went away");  // aborts the transfer
      chunks.emplace_back(chunk);
    }
    signal();
  }
  void finish(providers::ActionResult r) {
    {
      std::lock_guard lock(mu);
      result = std::move(r);
    }
    signal();
  }
  void signal() {
    boost::asio::post(wake.get_executor(),
                      [self = this->shared_from_this()] { self->wake.cancel(); });
  }
  std::mutex mu;
  std::deque<std::string> chunks;                 // guarded by mu
  std::optional<providers::ActionResult> result;  // guarded by mu; set once the action is over
  bool abandoned = false;                         // guarded by mu
  boost::asio::steady_timer wake;                 // the writer's executor only
  json::object input;
  providers::ChunkSink sink;
};

}  // namespace

boost::asio::awaitable<http::Response> stream_action(http::Request& req, outbound::Caller& client,
                                                     const providers::Action& action,
                                                     const json::object& input,
                                                     const std::vector<std::string>& secrets) {
  namespace asio = boost::asio;
  auto executor = co_await asio::this_coro::executor;
  auto relay = std::make_shared<Relay>(executor);
  relay->input = input;
  relay->sink = [raw = relay.get()](std::string_view chunk) { raw->push(chunk); };
  // The action runs on its own coroutine; `relay` keeps its input and sink alive until it ends.
  asio::co_spawn(
      executor,
      [relay, &client, &action]() -> asio::awaitable<providers::ActionResult> {
        providers::ActionResult r = co_await action.run(client, relay->input, &relay->sink);
        co_return r;
      },
      [relay](std::exception_ptr e, providers::ActionResult r) {
        if (e) {
          r = providers::ActionError{.kind = providers::ActionError::Kind::kBadResponse,
                                     .message = "the streamed call failed unexpectedly",
                                     .status = 0,
                                     .call = std::nullopt};
        }
        relay->finish(std::move(r));
      });

  bool begun = false;
  bool client_gone = false;
  for (;;) {
    std::deque<std::string> batch;
    std::optional<providers::ActionResult> result;
    {
      std::lock_guard lock(relay->mu);
      batch.swap(relay->chunks);
      result = relay->result;
    }
    for (const std::string& chunk : batch) {
      if (client_gone) break;
      if (!begun) {
        http::Response head{http::Status::ok, req.version()};
        head.set(boost::beast::http::field::content_type, "text/event-stream");
        head.set(boost::beast::http::field::cache_control, "no-cache");
        begun = true;
        if (!req.stream || !co_await req.stream->begin(head)) client_gone = true;
      }
      if (!client_gone && !co_await req.stream->write(chunk)) client_gone = true;
    }
    if (client_gone) {
      std::lock_guard lock(relay->mu);
      relay->abandoned = true;
      relay->chunks.clear();
    }
    if (result) {
      if (!begun) {
        // Nothing was streamed: the call failed before the provider's answer (or returned a
        // whole body), so the caller gets an ordinary answer.
        if (!*result) co_return action_error_response(client.provider(), result->error(), secrets);
        co_return http::json_response(http::Status::ok, **result);
      }
      if (!*result && !client_gone) {
        // The stream broke after it began: tell the caller in the stream's own terms.
        json::object err{
            {"type", "error"},
            {"error", json::object{{"type", "wharf_relay_error"},
                                   {"message",
                                    outbound::redact_secrets(result->error().message, secrets)}}}};
        std::string event = "event: error\ndata: " + json::serialize(err) + "\n\n";
        co_await req.stream->write(event);
      }
      co_return http::Response{};  // ignored: the server ends the streamed body
    }
    {
      // What arrived while this coroutine was writing: its signal found no wait to cancel.
      std::lock_guard lock(relay->mu);
      if (!relay->chunks.empty() || relay->result) continue;
    }
    // No other handler of this strand (a posted cancel) can run before the wait below starts.
    relay->wake.expires_at(asio::steady_timer::time_point::max());
    boost::system::error_code ec;
    co_await relay->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace wharf::admin
