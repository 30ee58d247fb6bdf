// The admin JSON API under /api/v1/, behind `Authorization: Bearer <server.admin_token>` (401
// otherwise; disabled when no token is configured):
//   GET  /events, /events/{id}            the event log and one event with its delivery history
//   POST /events/{id}/replay, /events/replay   dispatch again, one event or by filter
//   GET  /dlq, POST /dlq/replay, /dlq/{id}/replay   the dead-letter queue (dead events), replay
//   GET  /destinations, POST /destinations/{name}/enable   forward destinations' health
//   GET  /integrations                     health of every source and provider (SPEC §1.3)
//   GET  /providers                        outbound providers: breaker, rate limit, actions
//   ANY  /providers/{p}/proxy/{path}       a call to the provider through its pipeline
//   POST /providers/{p}/actions/{action}   a typed call (JSON in, JSON out); the header
//                                          Wharf-Connection names the connection to call with
//   GET  /connections, /connections/{id}   connections and their status (never a secret)
//   POST /connections                      an API-key connection, or a pending OAuth one
//   POST /connections/{id}/refresh, /test  refresh an OAuth token now; test the credentials
//   POST /connections/{id}/connect         a new connect link (to connect the account again)
//   DELETE /connections/{id}               revoke at the provider (RFC 7009), delete secrets
//   POST /vault/rotate                     rewrap data keys, new data key, re-encrypt secrets
//   ANY  /{name}/...                       an application's own endpoints (mount())
// and, without the admin token (a user's browser visits them), connect() and oauth_callback():
//   GET /connect/{client}?connection_id=ID, GET /oauth/callback
// Database reads run on the blocking pool, never on the I/O threads; writes go through the
// store's group commit. Thread-safe.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "http/types.h"
#include "store/store.h"

namespace wharf::observe {
class Counter;
class HealthTracker;
class Registry;
}  // namespace wharf::observe

namespace wharf::dispatch {
class Dispatcher;
}

namespace wharf::outbound {
class Caller;
class ProviderSet;
}  // namespace wharf::outbound

namespace wharf::oauth {
class ConnectionService;
}

namespace wharf::admin {

class AdminApi {
 public:
  // `dispatcher` may be null (no destinations endpoints then), `providers` too (no providers).
  AdminApi(std::vector<std::string> tokens, store::Store& store,
           boost::asio::any_io_executor blocking_pool, observe::Registry& metrics,
           dispatch::Dispatcher* dispatcher = nullptr,
           const outbound::ProviderSet* providers = nullptr,
           const observe::HealthTracker* health = nullptr,
           oauth::ConnectionService* connections = nullptr,
           const Clock& clock = SystemClock::instance());

  // Endpoints served under /api/v1/<name> by someone else (an application,
  // dispatch::AdminRoutes): called after the token check with the path after "/<name>" and the
  // query string.
  using Routes = std::function<boost::asio::awaitable<http::Response>(
      http::Request& req, std::string_view path, std::string_view query)>;
  // Serves `routes` under /api/v1/<name>. At start-up only, before requests arrive (not
  // thread-safe). kInvalidArgument when `name` is not [a-z0-9_]+, is one of the API's own first
  // segments (events, providers, ...) or is already mounted, or `routes` is empty.
  Result<void> mount(std::string name, Routes routes);

  // `path` is the target's path after "/api/v1" (e.g. "/events/evt_..."), `query` its query.
  boost::asio::awaitable<http::Response> handle(http::Request& req, std::string_view path,
                                                std::string_view query);

  // The public OAuth endpoints (no admin token): GET /connect/{client} and GET /oauth/callback.
  boost::asio::awaitable<http::Response> connect(http::Request& req, std::string_view client,
                                                 std::string_view query);
  boost::asio::awaitable<http::Response> oauth_callback(http::Request& req, std::string_view query);

 private:
  bool authorized(const http::Request& req) const;
  boost::asio::awaitable<http::Response> route(http::Request& req, std::string_view path,
                                               std::string_view query);
  boost::asio::awaitable<http::Response> list_events(std::string_view query, bool dlq);
  boost::asio::awaitable<http::Response> get_event(std::string_view id);
  boost::asio::awaitable<Result<std::pair<store::ReplaySelection, store::ReplayResult>>> replay(
      store::ReplayFilter filter);
  // `dlq`: only the event's dead deliveries, and 404 unless the event is dead.
  boost::asio::awaitable<http::Response> replay_one(std::string_view id, bool dlq);
  boost::asio::awaitable<http::Response> replay_many(std::string_view body, bool dlq);
  http::Response list_destinations();
  boost::asio::awaitable<http::Response> enable_destination(std::string_view name);
  http::Response list_providers();
  boost::asio::awaitable<http::Response> list_integrations();
  // `rest`: the provider path after /proxy/, `query` the caller's query string.
  boost::asio::awaitable<http::Response> proxy(http::Request& req, std::string_view provider,
                                               std::string_view rest, std::string_view query);
  boost::asio::awaitable<http::Response> run_action(http::Request& req, std::string_view provider,
                                                    std::string_view action);
  boost::asio::awaitable<http::Response> list_connections();
  boost::asio::awaitable<http::Response> get_connection(std::string_view id);
  boost::asio::awaitable<http::Response> create_connection(std::string_view body);
  boost::asio::awaitable<http::Response> refresh_connection(std::string_view id);
  boost::asio::awaitable<http::Response> connect_link(std::string_view id);
  boost::asio::awaitable<http::Response> test_connection(std::string_view id,
                                                         std::string_view body);
  boost::asio::awaitable<http::Response> delete_connection(std::string_view id,
                                                           std::string_view query);
  boost::asio::awaitable<http::Response> rotate_vault();

  std::vector<std::string> token_digests_;             // SHA-256 of each accepted token
  std::map<std::string, Routes, std::less<>> mounts_;  // written at start-up only
  observe::Counter& unauthorized_;
  store::Store& store_;
  boost::asio::any_io_executor pool_;
  dispatch::Dispatcher* dispatcher_;
  const outbound::ProviderSet* providers_;
  const observe::HealthTracker* health_;
  oauth::ConnectionService* connections_;
  const Clock& clock_;
};

}  // namespace wharf::admin
