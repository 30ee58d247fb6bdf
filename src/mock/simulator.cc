#include "mock/simulator.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include "http/response.h"

namespace wharf::mock {
namespace asio = boost::asio;
namespace json = boost::json;
using http::Status;

namespace {

asio::awaitable<void> sleep_for(std::chrono::milliseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
}

std::optional<json::value> parse_json(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec) return std::nullopt;
  return v;
}

http::Response bad_request(std::string_view message) {
  return http::json_error(Status::bad_request, message);
}

}  // namespace

Simulator::Simulator(const Clock& clock, std::uint64_t seed)
    : clock_(clock), ids_(seed), providers_(make_providers(ids_)) {}

http::Handler Simulator::handler() {
  return [this](http::Request& req) { return handle(req); };
}

asio::awaitable<http::Response> Simulator::handle(http::Request& req) {
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view query =
      path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view();
  if (path.starts_with("/_mock/")) co_return co_await control(req, path, query);

  std::int64_t seq = journal_.record(req, path, query, clock_.now_ms());
  std::string_view method = req.method_string();
  std::chrono::milliseconds stream_delay = kDefaultStreamDelay;
  if (auto fault = faults_.take(method, path)) {
    if (fault->stream_delay) stream_delay = *fault->stream_delay;
    if (fault->latency.count() > 0) co_await sleep_for(fault->latency);
    if (fault->reset) {
      journal_.record_outcome(seq, 0, {{"fault", fault->id}, {"reset", true}});
      throw http::ConnectionAbort();
    }
    if (fault->timeout) {
      journal_.record_outcome(seq, 0, {{"fault", fault->id}, {"timeout", true}});
      co_await sleep_for(std::chrono::hours(24));
    }
    if (fault->status) {
      http::Response res =
          fault->body.empty()
              ? http::json_response(
                    static_cast<Status>(fault->status),
                    json::object{{"error",
                                  {{"type", "api_error"},
                                   {"message", "simulated fault " + std::to_string(fault->status) +
                                                   " (wharf mock)"}}}})
              : http::text_response(static_cast<Status>(fault->status), fault->body,
                                    "application/json");
      if (!fault->retry_after.empty()) {
        res.set(boost::beast::http::field::retry_after, fault->retry_after);
      }
      journal_.record_outcome(seq, fault->status, {{"fault", fault->id}});
      co_return res;
    }
  }
  if (auto wait_ms = rate_limits_.admit(method, path, clock_.now_ms())) {
    std::int64_t seconds = std::max<std::int64_t>(1, (*wait_ms + 999) / 1000);
    http::Response res = http::json_response(
        Status::too_many_requests,
        json::object{{"error",
                      {{"type", "rate_limit_error"},
                       {"message", "simulated rate limit exceeded (wharf mock)"}}}});
    res.set(boost::beast::http::field::retry_after, std::to_string(seconds));
    journal_.record_outcome(seq, 429, {{"rate_limited", true}});
    co_return res;
  }
  http::Response res = provide(req, path, query, seq);
  if (req.stream && res[boost::beast::http::field::content_type].starts_with("text/event-stream")) {
    // Outside the providers' mutex: the pauses must not hold up other requests.
    co_await send_events(req, res, stream_delay);
  }
  co_return res;
}

asio::awaitable<void> Simulator::send_events(http::Request& req, const http::Response& res,
                                             std::chrono::milliseconds delay) {
  if (!co_await req.stream->begin(res)) co_return;
  std::string_view rest = res.body();
  bool first = true;
  while (!rest.empty()) {
    // Each event ends with a blank line; whatever follows the last one goes as it is.
    std::size_t end = rest.find("\n\n");
    std::size_t size = end == std::string_view::npos ? rest.size() : end + 2;
    if (!first && delay.count() > 0) co_await sleep_for(delay);
    first = false;
    std::string_view event = rest.substr(0, size);
    if (!co_await req.stream->write(event)) co_return;  // the client is gone
    rest.remove_prefix(size);
  }
}

http::Response Simulator::provide(http::Request& req, std::string_view path, std::string_view query,
                                  std::int64_t seq) {
  auto params = http::parse_query(query).value_or(http::QueryParams{});
  ProviderRequest preq{req, path, params, clock_.now_ms()};
  std::lock_guard lock(providers_mu_);
  for (auto& [name, provider] : providers_) {
    if (auto res = provider->handle(preq)) {
      json::object outcome{{"provider", name}};
      if (res->find("Idempotent-Replayed") != res->end()) outcome["idempotent_replayed"] = true;
      journal_.record_outcome(seq, res->result_int(), outcome);
      return std::move(*res);
    }
  }
  journal_.record_outcome(seq, 404);
  return http::json_error(Status::not_found, "wharf mock: no simulated route for " +
                                                 std::string(req.method_string()) + " " +
                                                 std::string(path));
}

asio::awaitable<http::Response> Simulator::control(http::Request& req, std::string_view path,
                                                   std::string_view query) {
  const http::Verb method = req.method();
  if (path == "/_mock/faults") {
    if (method == http::Verb::post) {
      auto body = parse_json(req.body());
      if (!body) co_return bad_request("body: a JSON fault rule");
      auto rule = parse_fault_rule(*body);
      if (!rule) co_return http::error_response(rule.error());
      co_return http::json_response(Status::created, faults_.add(std::move(*rule)).to_json());
    }
    if (method == http::Verb::get) {
      co_return http::json_response(Status::ok, json::object{{"faults", faults_.list()}});
    }
    if (method == http::Verb::delete_) {
      co_return http::json_response(Status::ok, json::object{{"deleted", faults_.clear()}});
    }
  } else if (path == "/_mock/rate_limits") {
    if (method == http::Verb::post) {
      auto body = parse_json(req.body());
      if (!body) co_return bad_request("body: a JSON rate limit");
      auto rule = parse_rate_limit_rule(*body);
      if (!rule) co_return http::error_response(rule.error());
      json::object answer{
          {"route", rule->route.text()}, {"limit", rule->limit}, {"per_ms", rule->per_ms}};
      rate_limits_.add(std::move(*rule));
      co_return http::json_response(Status::created, answer);
    }
    if (method == http::Verb::get) {
      co_return http::json_response(Status::ok, json::object{{"rate_limits", rate_limits_.list()}});
    }
    if (method == http::Verb::delete_) {
      co_return http::json_response(Status::ok, json::object{{"deleted", rate_limits_.clear()}});
    }
  } else if (path == "/_mock/requests") {
    if (method == http::Verb::get) {
      auto params = http::parse_query(query);
      if (!params) co_return bad_request("malformed query string");
      std::optional<RoutePattern> route;
      if (const std::string* text = find_param(*params, "route"); text && !text->empty()) {
        route = RoutePattern::parse(*text);
        if (!route) co_return bad_request("route: expected [METHOD ]/path, a prefix or a glob");
      }
      co_return http::json_response(Status::ok, json::object{{"requests", journal_.list(route)}});
    }
    if (method == http::Verb::delete_) {
      co_return http::json_response(Status::ok, json::object{{"deleted", journal_.clear()}});
    }
  } else if (path == "/_mock/reset") {
    if (method == http::Verb::post) {
      co_return http::json_response(Status::ok, json::object{{"faults", faults_.clear()},
                                                             {"rate_limits", rate_limits_.clear()},
                                                             {"requests", journal_.clear()}});
    }
  } else {
    co_return http::json_error(Status::not_found, "no such control endpoint");
  }
  co_return http::json_error(Status::method_not_allowed, "method not allowed");
}

}  // namespace wharf::mock
