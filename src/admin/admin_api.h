// The admin JSON API under /api/v1/, behind `Authorization: Bearer <server.admin_token>` (401
// otherwise; disabled when no token is configured). Now: the event log (list with filters and
// cursor paging, one event with its payload and delivery attempts). Database reads run on the
// blocking pool, never on the I/O threads. Thread-safe.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "http/types.h"
#include "store/store.h"

namespace wharf::observe {
class Counter;
class Registry;
}  // namespace wharf::observe

namespace wharf::admin {

class AdminApi {
 public:
  AdminApi(std::vector<std::string> tokens, store::Store& store,
           boost::asio::any_io_executor blocking_pool, observe::Registry& metrics);

  // `path` is the target's path after "/api/v1" (e.g. "/events/evt_..."), `query` its query.
  boost::asio::awaitable<http::Response> handle(http::Request& req, std::string_view path,
                                                std::string_view query);

 private:
  bool authorized(const http::Request& req) const;
  boost::asio::awaitable<http::Response> list_events(std::string_view query);
  boost::asio::awaitable<http::Response> get_event(std::string_view id);

  std::vector<std::string> token_digests_;  // SHA-256 of each accepted token
  observe::Counter& unauthorized_;
  store::Store& store_;
  boost::asio::any_io_executor pool_;
};

}  // namespace wharf::admin
