#include "cli/mock_command.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/log.h"
#include "http/server.h"
#include "mock/simulator.h"
#include "observe/metrics.h"

namespace wharf::cli {
namespace {

namespace asio = boost::asio;

// "HOST:PORT" or "[V6]:PORT" into the server's options; false when malformed.
bool parse_listen(const std::string& text, http::ServerOptions* out) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) return false;
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  if (host.empty() || ec) return false;
  try {
    std::size_t used = 0;
    unsigned long port = std::stoul(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || port > 65535) return false;
    out->port = static_cast<unsigned short>(port);
  } catch (const std::exception&) {
    return false;
  }
  out->host = host;
  return true;
}

int run_mock(const http::ServerOptions& options, int threads) {
  // Declared before the io_context so they outlive it: its destructor destroys the suspended
  // sessions (a `timeout` fault's, say), which still touch the metrics and the simulator.
  observe::Registry metrics;
  mock::Simulator simulator;
  asio::io_context ioc(threads);
  http::Server server(ioc, options, simulator.handler(), metrics);
  auto bound = server.listen();
  if (!bound) {
    log::error("cannot start", {{"error", bound.error().message}});
    return 1;
  }
  server.start();
  std::string address = bound->address().to_string();
  if (bound->address().is_v6()) address = "[" + address + "]";

  // A simulator keeps no state worth waiting for: on a signal, close the listener and stop after
  // a short grace (a `timeout` fault's request would otherwise hold the drain for a day).
  asio::signal_set signals(ioc, SIGTERM, SIGINT);
  asio::steady_timer grace(ioc);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::info("stopping", {{"signal", sig}});
    server.drain();
    grace.expires_after(std::chrono::milliseconds(200));
    grace.async_wait([&](const boost::system::error_code&) { ioc.stop(); });
  });
  // Logged once SIGTERM/SIGINT are handled: a supervisor may stop us as soon as it reads it.
  log::info("listening", {{"address", address + ":" + std::to_string(bound->port())},
                          {"mode", "mock"},
                          {"threads", threads},
                          {"version", WHARF_VERSION}});

  std::vector<std::thread> workers;
  for (int i = 1; i < threads; ++i) workers.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : workers) t.join();
  log::info("stopped");
  return 0;
}

}  // namespace

void register_mock_command(CLI::App& root, int* exit_code) {
  auto* cmd = root.add_subcommand(
      "mock",
      "Run the provider simulator (Stripe, SendGrid, Apollo, Anthropic, Slack, NeverBounce, "
      "Gmail, Google Calendar, an OAuth 2.0 server) with fault injection until SIGTERM/SIGINT; "
      "control API under "
      "/_mock/ (docs/mock.md)");
  auto listen = std::make_shared<std::string>("127.0.0.1:8090");
  auto threads = std::make_shared<int>(2);
  cmd->add_option("-l,--listen", *listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--threads", *threads, "I/O threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->callback([listen, threads, exit_code] {
    http::ServerOptions options;
    if (!parse_listen(*listen, &options)) {
      std::cerr << "wharf mock: --listen: expected HOST:PORT, got '" << *listen << "'\n";
      *exit_code = 2;
      return;
    }
    options.max_body_bytes = 8 << 20;
    *exit_code = run_mock(options, *threads);
  });
}

}  // namespace wharf::cli
