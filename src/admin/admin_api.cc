#include "admin/admin_api.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

#include "core/crypto.h"
#include "http/response.h"
#include "observe/metrics.h"

namespace wharf::admin {

AdminApi::AdminApi(std::vector<std::string> tokens, store::Store& store,
                   boost::asio::any_io_executor blocking_pool, observe::Registry& metrics,
                   dispatch::Dispatcher* dispatcher, const outbound::ProviderSet* providers,
                   const observe::HealthTracker* health, oauth::ConnectionService* connections,
                   const Clock& clock)
    : unauthorized_(metrics.counter("wharf_admin_unauthorized_total",
                                    "Admin API requests refused for a missing or wrong token")),
      store_(store),
      pool_(std::move(blocking_pool)),
      dispatcher_(dispatcher),
      providers_(providers),
      health_(health),
      connections_(connections),
      clock_(clock) {
  for (const auto& t : tokens) token_digests_.push_back(crypto::sha256(t));
}

bool AdminApi::authorized(const http::Request& req) const {
  std::string_view auth = req[boost::beast::http::field::authorization];
  constexpr std::string_view kBearer = "bearer ";
  if (auth.size() <= kBearer.size() ||
      !boost::beast::iequals(auth.substr(0, kBearer.size()), kBearer)) {
    return false;
  }
  // Digests of equal length are compared, so the time taken says nothing about the token's
  // length or content.
  std::string presented = crypto::sha256(auth.substr(kBearer.size()));
  bool ok = false;
  for (const auto& t : token_digests_) ok |= crypto::constant_time_equal(presented, t);
  return ok;
}

namespace {

// The first path segments of the API's own endpoints: no mount may take them.
constexpr std::string_view kOwnSegments[] = {
    "events", "dlq", "destinations", "integrations", "providers", "connections", "vault"};

}  // namespace

Result<void> AdminApi::mount(std::string name, Routes routes) {
  const bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!valid)
    return make_error(Errc::kInvalidArgument, "admin mount `" + name + "`: use [a-z0-9_]+");
  for (std::string_view own : kOwnSegments) {
    if (name == own) {
      return make_error(Errc::kInvalidArgument,
                        "admin mount `" + name + "`: the admin API uses /api/v1/" + name);
    }
  }
  if (!routes) return make_error(Errc::kInvalidArgument, "admin mount `" + name + "`: no routes");
  if (mounts_.contains(name)) {
    return make_error(Errc::kInvalidArgument, "admin mount `" + name + "`: already mounted");
  }
  mounts_.emplace(std::move(name), std::move(routes));
  return {};
}

boost::asio::awaitable<http::Response> AdminApi::handle(http::Request& req, std::string_view path,
                                                        std::string_view query) {
  if (token_digests_.empty()) {
    unauthorized_.inc();
    co_return http::json_error(http::Status::unauthorized,
                               "admin API disabled: set server.admin_token");
  }
  if (!authorized(req)) {
    unauthorized_.inc();
    auto res = http::json_error(http::Status::unauthorized, "missing or invalid bearer token");
    res.set(boost::beast::http::field::www_authenticate, "Bearer");
    co_return res;
  }
  co_return co_await route(req, path, query);
}

namespace {

http::Response wrong_method(std::string_view allowed) {
  return http::json_error(http::Status::method_not_allowed, "use " + std::string(allowed));
}

// Splits "/a/b/c" into {"a", "b", "c"}; empty segments (a trailing slash) are dropped.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto end = path.find('/');
    out.push_back(path.substr(0, end));
    if (end == std::string_view::npos) break;
    path.remove_prefix(end);
  }
  return out;
}

}  // namespace

boost::asio::awaitable<http::Response> AdminApi::route(http::Request& req, std::string_view path,
                                                       std::string_view query) {
  auto seg = segments(path);
  if (!seg.empty()) {
    if (auto m = mounts_.find(seg[0]); m != mounts_.end()) {
      std::string_view rest =
          path.substr(static_cast<std::size_t>(seg[0].data() - path.data()) + seg[0].size());
      co_return co_await m->second(req, rest, query);
    }
  }
  const bool get = req.method() == http::Verb::get || req.method() == http::Verb::head;
  const bool post = req.method() == http::Verb::post;
  if (seg.size() == 1 && seg[0] == "events") {
    if (!get) co_return wrong_method("GET");
    co_return co_await list_events(query, false);
  }
  if (seg.size() == 2 && seg[0] == "events" && seg[1] == "replay") {
    if (!post) co_return wrong_method("POST");
    co_return co_await replay_many(req.body(), false);
  }
  if (seg.size() == 2 && seg[0] == "events") {
    if (!get) co_return wrong_method("GET");
    co_return co_await get_event(seg[1]);
  }
  if (seg.size() == 3 && seg[0] == "events" && seg[2] == "replay") {
    if (!post) co_return wrong_method("POST");
    co_return co_await replay_one(seg[1], false);
  }
  if (seg.size() == 3 && seg[0] == "dlq" && seg[2] == "replay") {
    if (!post) co_return wrong_method("POST");
    co_return co_await replay_one(seg[1], true);
  }
  if (seg.size() == 1 && seg[0] == "dlq") {
    if (!get) co_return wrong_method("GET");
    co_return co_await list_events(query, true);
  }
  if (seg.size() == 2 && seg[0] == "dlq" && seg[1] == "replay") {
    if (!post) co_return wrong_method("POST");
    co_return co_await replay_many(req.body(), true);
  }
  if (seg.size() == 1 && seg[0] == "destinations") {
    if (!get) co_return wrong_method("GET");
    co_return list_destinations();
  }
  if (seg.size() == 3 && seg[0] == "destinations" && seg[2] == "enable") {
    if (!post) co_return wrong_method("POST");
    co_return co_await enable_destination(seg[1]);
  }
  if (seg.size() == 1 && seg[0] == "integrations") {
    if (!get) co_return wrong_method("GET");
    co_return co_await list_integrations();
  }
  if (seg.size() == 1 && seg[0] == "providers") {
    if (!get) co_return wrong_method("GET");
    co_return list_providers();
  }
  if (seg.size() >= 3 && seg[0] == "providers" && seg[2] == "proxy") {
    // Everything after ".../proxy/", as sent (still percent-encoded).
    std::string_view rest =
        path.substr(static_cast<std::size_t>(seg[2].data() - path.data()) + seg[2].size());
    if (rest.starts_with("/")) rest.remove_prefix(1);
    co_return co_await proxy(req, seg[1], rest, query);
  }
  if (seg.size() == 4 && seg[0] == "providers" && seg[2] == "actions") {
    if (!post) co_return wrong_method("POST");
    co_return co_await run_action(req, seg[1], seg[3]);
  }
  const bool del = req.method() == http::Verb::delete_;
  if (seg.size() == 1 && seg[0] == "connections") {
    if (get) co_return co_await list_connections();
    if (post) co_return co_await create_connection(req.body());
    co_return wrong_method("GET or POST");
  }
  if (seg.size() == 2 && seg[0] == "connections") {
    if (get) co_return co_await get_connection(seg[1]);
    if (del) co_return co_await delete_connection(seg[1], query);
    co_return wrong_method("GET or DELETE");
  }
  if (seg.size() == 3 && seg[0] == "connections" &&
      (seg[2] == "refresh" || seg[2] == "test" || seg[2] == "connect")) {
    if (!post) co_return wrong_method("POST");
    if (seg[2] == "refresh") co_return co_await refresh_connection(seg[1]);
    if (seg[2] == "connect") co_return co_await connect_link(seg[1]);
    co_return co_await test_connection(seg[1], req.body());
  }
  if (seg.size() == 2 && seg[0] == "vault" && seg[1] == "rotate") {
    if (!post) co_return wrong_method("POST");
    co_return co_await rotate_vault();
  }
  co_return http::json_error(http::Status::not_found, "no such admin endpoint");
}

}  // namespace wharf::admin
