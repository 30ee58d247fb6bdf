// An application built on the engine (apps/<name>/, e.g. the RoleFerry outreach application): a
// named bundle of its own tables, its settings section (`apps: NAME: {...}` in the gateway's
// YAML), its built-in handlers and its background work. The engine knows applications only
// through this interface; the binary's composition root (cli/) lists the ones it is built with.
//
// Life cycle, all at start-up on one thread: add_handlers() (the registry is needed to check the
// routes while the file is read), then configure() once with the application's section, then
// schema() when the store opens, then start() once the store and the providers exist and before
// the dispatcher runs handlers, then admin_routes() once; stop() before the store closes. Not
// thread-safe itself; what it registers follows the handler contract (dispatch/handler.h), and
// its admin routes are called concurrently from the I/O threads.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string_view>

#include "core/clock.h"
#include "core/config_node.h"
#include "dispatch/handler.h"
#include "http/types.h"
#include "store/store.h"

namespace wharf::observe {
class Registry;
}
namespace wharf::outbound {
class ProviderSet;
}

namespace wharf::dispatch {

// What a started application may use; every reference outlives stop().
struct AppServices {
  store::Store& store;
  observe::Registry& metrics;
  outbound::ProviderSet& providers;  // the configured providers, each with its whole pipeline
  boost::asio::any_io_executor executor;
  const Clock& clock;
};

// An application's endpoints in the admin API (admin/admin_api.h): called for every request under
// /api/v1/<name>, after the admin token was checked, with `path` the rest of the path ("" or
// "/users/u_1") and `query` the query string. Runs on the request's connection strand,
// concurrently for several requests: it must not block (http::offload for blocking reads) and
// may stream its answer (req.stream). Errors are answered as JSON (http/response.h).
using AdminRoutes = std::function<boost::asio::awaitable<http::Response>(
    http::Request& req, std::string_view path, std::string_view query)>;

class Application {
 public:
  virtual ~Application() = default;
  // The key of its section under `apps:` and the owner of its migrations: [a-z0-9_]+, stable.
  virtual std::string_view name() const = 0;
  // Its tables: numbered migrations run after the engine's (StoreOptions::app_schemas).
  virtual store::AppSchema schema() const = 0;
  // Registers its built-in handlers, named "<name>.<what>". Called once, before configure(): a
  // handler may rely on the settings only when it runs.
  virtual void add_handlers(HandlerRegistry& registry) = 0;
  // Reads its section (`section.present()` is false when the file has none: defaults apply),
  // recording every problem on the node as the engine's readers do. Called once.
  virtual void configure(const ConfigNode& section) = 0;
  // Starts its background work, if any (`wharf serve` only, not `check-config`).
  virtual void start(const AppServices& services) {}
  // Its admin endpoints, served under /api/v1/<name> behind the admin token; empty: none. Asked
  // once, after start() (`wharf serve` only); they may use what start() was given.
  virtual AdminRoutes admin_routes() { return {}; }
  // Stops it; called before the store closes. Idempotent.
  virtual void stop() {}
};

}  // namespace wharf::dispatch
