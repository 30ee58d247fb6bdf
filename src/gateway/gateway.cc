#include "gateway/gateway.h"

#include <pthread.h>
#include <sys/resource.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <thread>

#include "admin/admin_api.h"
#include "auth/vault.h"
#include "core/clock.h"
#include "core/lease_lock.h"
#include "core/log.h"
#include "dispatch/dispatcher.h"
#include "dispatch/http_transport.h"
#include "http/offload.h"
#include "http/response.h"
#include "inbound/inbox.h"
#include "oauth/connection_service.h"
#include "oauth/state.h"
#include "observe/metrics.h"
#include "outbound/provider_client.h"

namespace wharf::gateway {
namespace asio = boost::asio;

namespace {

struct Routes {
  inbound::Inbox& inbox;
  admin::AdminApi& admin;
  store::Store& store;
  observe::Registry& metrics;
  asio::any_io_executor pool;
  observe::Counter& not_ready;

  asio::awaitable<http::Response> operator()(http::Request& req) const {
    std::string_view target = req.target();
    std::string_view path = target.substr(0, target.find('?'));
    std::string_view query =
        path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view();
    constexpr std::string_view kWebhooks = "/webhooks/";
    if (path.starts_with(kWebhooks)) {
      co_return co_await inbox.handle(req, path.substr(kWebhooks.size()));
    }
    constexpr std::string_view kApi = "/api/v1";
    if (path == kApi || path.starts_with("/api/v1/")) {
      co_return co_await admin.handle(req, path.substr(kApi.size()), query);
    }
    constexpr std::string_view kConnect = "/connect/";
    if (path.starts_with(kConnect)) {
      co_return co_await admin.connect(req, path.substr(kConnect.size()), query);
    }
    if (path == "/oauth/callback") co_return co_await admin.oauth_callback(req, query);
    if (path == "/healthz") {
      co_return http::json_response(http::Status::ok, {{"status", "ok"}});
    }
    if (path == "/readyz") {
      auto probe = [this] { return store.ping(); };
      auto ping = co_await http::offload(pool, std::move(probe));
      if (!ping) {
        // The store's reason (it may name the database path) goes to the log, not the client.
        not_ready.inc();
        log::warn("readiness probe failed", {{"error", ping.error().message}});
        co_return http::json_error(http::Status::service_unavailable, "storage not ready");
      }
      co_return http::json_response(http::Status::ok, {{"status", "ready"}});
    }
    if (path == "/metrics") {
      co_return http::text_response(http::Status::ok, metrics.expose(),
                                    "text/plain; version=0.0.4; charset=utf-8");
    }
    co_return http::json_error(http::Status::not_found, "not found");
  }
};

}  // namespace

int serve(GatewayConfig config, const dispatch::HandlerRegistry& handlers, Applications apps) {
  log::Level level;
  if (log::parse_level(config.log_level, &level)) log::set_level(level);
  // A write past a file-size limit must fail with EFBIG (→ 503), not kill the process.
  std::signal(SIGXFSZ, SIG_IGN);
  std::signal(SIGPIPE, SIG_IGN);
  // Each connection is a file descriptor: use the hard limit, not the usual soft 1024.
  if (rlimit nofile{};
      getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  for (const auto& n : config.notices) log::warn("config notice", {{"notice", n}});

  observe::Registry metrics;
  int threads =
      config.threads > 0 ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  asio::io_context ioc(threads);
  store::StoreOptions store_options;
  store_options.metrics = &metrics;
  store_options.router = dispatch::make_router(config.routes);
  for (auto* app : apps) store_options.app_schemas.push_back(app->schema());
  // The store wakes the dispatcher after commits that made deliveries due; it may commit before
  // the dispatcher exists (released leases) or while it stops.
  std::atomic<dispatch::Dispatcher*> wake_target{nullptr};
  store_options.on_deliveries_due = [&wake_target](const std::vector<std::string>& targets) {
    if (auto* d = wake_target.load()) d->notify(targets);
  };
  auto opened = store::open_store(config.storage_url, store_options);
  if (!opened) {
    log::error("cannot open storage", {{"error", opened.error().message}});
    return 1;
  }
  std::unique_ptr<store::Store> store = std::move(*opened);

  asio::thread_pool blocking_pool(2);

  // The vault. Without a master key, a database that holds secrets is refused: they would be
  // unreadable, and connections silently broken.
  std::unique_ptr<auth::Vault> vault;
  if (!config.master_keys.empty()) {
    auto masters = auth::MasterKeySet::from_base64_list(config.master_keys);
    if (!masters) {
      log::error("cannot start: vault.master_key", {{"error", masters.error().message}});
      store->close();
      return 1;
    }
    auto loaded = auth::Vault::load(std::move(*masters), store->vault_keys());
    if (!loaded) {
      log::error("cannot start: the vault does not open with vault.master_key",
                 {{"error", loaded.error().message}});
      store->close();
      return 1;
    }
    vault = std::move(*loaded);
  } else {
    auto stored = store->connections().list();
    const bool holds_secrets =
        !stored || std::any_of(stored->begin(), stored->end(), [](const auto& c) {
          return !c.access_token.empty() || !c.refresh_token.empty() || !c.api_key.empty();
        });
    if (holds_secrets) {
      log::error(
          "cannot start: the database holds encrypted secrets but vault.master_key is not set",
          {{"error", stored ? std::string("set vault.master_key to the key they were sealed with")
                            : stored.error().message}});
      store->close();
      return 1;
    }
  }
  oauth::InMemoryStateStore oauth_states(oauth::StateStoreOptions{.ttl = config.oauth.state_ttl});
  LocalLeaseLock refresh_lock;
  std::unique_ptr<oauth::ConnectionService> connections;
  if (vault) {
    oauth::ConnectionServiceOptions options;
    options.refresh_margin = config.oauth.refresh_margin;
    options.max_refresh_failures = config.oauth.max_refresh_failures;
    options.connect_token_ttl = config.oauth.connect_token_ttl;
    options.require_connect_token = config.oauth.require_connect_token;
    options.http.ca_file = config.oauth.ca_file;
    connections = std::make_unique<oauth::ConnectionService>(
        std::move(config.oauth.clients), store->connections(), *vault, oauth_states, refresh_lock,
        ioc.get_executor(), blocking_pool.get_executor(), metrics, std::move(options));
  }

  dispatch::DispatcherOptions dispatch_options;
  dispatch_options.retry_schedule = config.retry_schedule;
  dispatch_options.jitter = config.retry_jitter;
  dispatch::Dispatcher dispatcher(
      *store, config.routes, handlers, config.destinations,
      [](auto executor, const dispatch::Destination& d) {
        return dispatch::make_http_transport(executor, d);
      },
      SystemClock::instance(), metrics, dispatch_options);

  observe::HealthTracker health;
  inbound::Inbox inbox(std::move(config.sources), *store, SystemClock::instance(), metrics,
                       &health);
  outbound::ProviderSet providers;
  for (auto& p : config.providers) {
    outbound::ProviderClientOptions options;
    options.health = &health;
    options.connections = connections.get();
    providers.add(std::make_unique<outbound::ProviderClient>(std::move(p), ioc.get_executor(),
                                                             metrics, std::move(options)));
  }
  admin::AdminApi admin(config.admin_tokens, *store, blocking_pool.get_executor(), metrics,
                        &dispatcher, &providers, &health, connections.get());
  Routes routes{inbox,
                admin,
                *store,
                metrics,
                blocking_pool.get_executor(),
                metrics.counter("wharf_readyz_failures_total", "Readiness probes that failed")};
  http::Server server(ioc, config.server, routes, metrics);
  auto bound = server.listen();
  if (!bound) {
    log::error("cannot start", {{"error", bound.error().message}});
    store->close();
    return 1;
  }
  for (auto* app : apps) {
    app->start(dispatch::AppServices{*store, metrics, providers, ioc.get_executor(),
                                     SystemClock::instance()});
    if (dispatch::AdminRoutes routes = app->admin_routes()) {
      if (auto mounted = admin.mount(std::string(app->name()), std::move(routes)); !mounted) {
        log::error("cannot start", {{"error", mounted.error().message}});
        for (auto* started : apps) started->stop();
        store->close();
        return 1;
      }
    }
  }
  wake_target = &dispatcher;
  dispatcher.start();
  server.start();
  std::string address = bound->address().to_string();
  if (bound->address().is_v6()) address = "[" + address + "]";

  // Drain: stop accepting, wait for in-flight requests (bounded), then stop the loop. A second
  // signal during the drain stops at once.
  asio::signal_set signals(ioc, SIGTERM, SIGINT);
  // Set by the first signal (the drain's end) and moved to now by a second one.
  std::atomic<std::chrono::steady_clock::time_point> drain_deadline{
      std::chrono::steady_clock::now() + config.drain_timeout};
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::info("draining", {{"signal", sig}});
    drain_deadline = std::chrono::steady_clock::now() + config.drain_timeout;
    signals.async_wait([&](const boost::system::error_code& again, int) {
      if (again) return;
      log::warn("second signal: stopping without waiting for in-flight requests");
      drain_deadline = std::chrono::steady_clock::now();
      ioc.stop();
    });
    server.drain();
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          asio::steady_timer timer(ioc);
          while (server.in_flight() > 0 &&
                 std::chrono::steady_clock::now() < drain_deadline.load()) {
            timer.expires_after(std::chrono::milliseconds(10));
            co_await timer.async_wait(asio::use_awaitable);
          }
          ioc.stop();
        },
        asio::detached);
  });

  // Logged once SIGTERM/SIGINT are handled: a supervisor may stop us as soon as it reads it.
  log::info("listening", {{"address", address + ":" + std::to_string(bound->port())},
                          {"threads", threads},
                          {"storage", config.storage_url.substr(0, config.storage_url.find(':'))},
                          {"version", WHARF_VERSION}});

  std::vector<std::thread> workers;
  for (int i = 1; i < threads; ++i) {
    workers.emplace_back([&] {
      pthread_setname_np(pthread_self(), "wharf-io");
      ioc.run();
    });
  }
  ioc.run();
  for (auto& t : workers) t.join();
  // Attempts in flight get what is left of the drain time to finish and be recorded; one still
  // running after that is made again after the restart (its lease is released then).
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      drain_deadline.load() - std::chrono::steady_clock::now());
  dispatcher.stop(std::max(left, std::chrono::milliseconds(0)));
  for (auto* app : apps) app->stop();
  providers.close();
  if (connections) connections->close();
  wake_target = nullptr;
  store->close();
  blocking_pool.join();
  log::info("stopped", {{"in_flight_abandoned", server.in_flight()}});
  return 0;
}

}  // namespace wharf::gateway
