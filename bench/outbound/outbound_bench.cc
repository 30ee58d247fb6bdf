// What the outbound pipeline costs (SPEC §4): the same GET against a local simulator
// (`wharf mock`), either straight through HttpClient ("direct") or as an outbound::Call through a
// ProviderClient ("pipeline": target check and host lock, rate limiter, breaker, bearer
// credentials, retry decision, metrics, request log). N coroutines on one io_context loop for
// --warmup + --duration seconds; the latency of every call that starts after the warm-up and
// ends before the deadline is kept. Prints one JSON line; exits 1 when any call failed (a
// transport error, a CallError, another status than --expect-status, or an attempt the pipeline
// retried), which makes the run invalid, and 2 on bad arguments.
//
// bench/outbound/run drives it; see bench/README.md.
#include <fmt/format.h>
#include <sys/resource.h>
#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/config_node.h"
#include "core/log.h"
#include "observe/metrics.h"
#include "outbound/http_client.h"
#include "outbound/provider_client.h"
#include "outbound/provider_config.h"

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace wharf;
using std::chrono::steady_clock;

constexpr std::string_view kToken = "sk_test_bench";

struct BenchOptions {
  std::string url;  // the simulator's base, e.g. http://127.0.0.1:8090
  std::string mode = "direct";
  int concurrency = 32;
  double duration_s = 5;
  double warmup_s = 1;
  int threads = 1;
  bool log = false;
  int expect_status = 404;  // GET /v1/customers/{id} is not a simulated route
};

// One worker's record, written only by that worker's coroutine.
struct Sample {
  std::vector<std::int64_t> latency_us;
  std::int64_t errors = 0;
  std::string first_error;
};

// One call; empty on success, else what went wrong.
using CallOnce = std::function<asio::awaitable<std::string>()>;

asio::awaitable<void> worker(const CallOnce& call_once, steady_clock::time_point measure_from,
                             steady_clock::time_point until, Sample& out) {
  for (;;) {
    const auto t0 = steady_clock::now();
    if (t0 >= until) break;
    std::string error = co_await call_once();
    const auto t1 = steady_clock::now();
    if (!error.empty()) {
      if (out.errors++ == 0) out.first_error = std::move(error);
      continue;
    }
    if (t0 >= measure_from && t1 <= until) {
      out.latency_us.push_back(
          std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count());
    }
  }
}

std::string status_error(int status, int expected) {
  return "HTTP " + std::to_string(status) + " (expected " + std::to_string(expected) + ")";
}

// The provider as a wharf config would declare it, read by the real config reader.
outbound::ProviderConfig pipeline_config(const BenchOptions& o) {
  const std::string yaml = "base_url: \"" + o.url +
                           "/v1\"\n"
                           "credentials: { type: bearer, value: \"" +
                           std::string(kToken) +
                           "\" }\n"
                           "rate_limit: { limit: 100000, per: 1s }\n"
                           "retry: { max_attempts: 3 }\n"
                           "max_connections: " +
                           std::to_string(o.concurrency) +
                           "\n"
                           "log_every_call: " +
                           (o.log ? "true" : "false") + "\n";
  ConfigErrors errors("bench");
  EnvLookup env = process_env();
  ConfigNode node(YAML::Load(yaml), "providers.bench", &errors, &env);
  auto cfg = outbound::read_provider_config(
      "bench", "bench", node,
      outbound::ProviderDefaults{.base_url = "", .idempotency_header = "Idempotency-Key"});
  if (!cfg || !errors.empty()) {
    throw std::runtime_error("provider config: " +
                             (errors.empty() ? std::string("invalid") : errors.messages().front()));
  }
  return std::move(*cfg);
}

// CPU time (user + system, every thread) this process has used so far, in µs.
std::int64_t process_cpu_us() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto us = [](const timeval& t) { return std::int64_t{t.tv_sec} * 1'000'000 + t.tv_usec; };
  return us(u.ru_utime) + us(u.ru_stime);
}

// Samples process_cpu_us() at the start and at the end of the measured window.
asio::awaitable<void> cpu_window(steady_clock::time_point from, steady_clock::time_point until,
                                 std::int64_t& cpu_us) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_at(from);
  co_await timer.async_wait(asio::use_awaitable);
  const std::int64_t at_start = process_cpu_us();
  timer.expires_at(until);
  co_await timer.async_wait(asio::use_awaitable);
  cpu_us = process_cpu_us() - at_start;
}

std::int64_t percentile(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(p * static_cast<double>(sorted.size()) + 0.999999);
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

int run(const BenchOptions& o) {
  log::set_level(o.log ? log::Level::kInfo : log::Level::kWarn);
  asio::io_context ioc(o.threads);
  observe::Registry metrics;
  std::optional<outbound::HttpClient> http;
  std::optional<outbound::ProviderClient> provider;
  CallOnce call_once;

  if (o.mode == "direct") {
    outbound::ClientOptions copts;
    copts.max_host_connections = o.concurrency;
    copts.max_idle_connections = std::max(64, o.concurrency);
    http.emplace(ioc.get_executor(), copts);
    // The transport options and the request on the wire the pipeline produces for this call.
    const outbound::ProviderConfig defaults;
    const outbound::RequestOptions ropts{.connect_timeout = defaults.connect_timeout,
                                         .total_timeout = defaults.timeout,
                                         .max_response_bytes = defaults.max_response_bytes,
                                         .follow_redirects = false,
                                         .on_body_chunk = {},
                                         .stream_success_only = false};
    const std::string url = o.url + "/v1/customers/cus_bench";
    const std::string auth = "Bearer " + std::string(kToken);
    call_once = [&http, ropts, url, auth,
                 expect = o.expect_status]() -> asio::awaitable<std::string> {
      outbound::HttpRequest req{
          .method = "GET", .url = url, .headers = {{"Authorization", auth}}, .body = {}};
      outbound::HttpResult r =
          co_await http->async_request(std::move(req), ropts, asio::use_awaitable);
      if (!r) co_return r.error().message;
      if (r->status != expect) co_return status_error(r->status, expect);
      co_return std::string();
    };
  } else {
    provider.emplace(pipeline_config(o), ioc.get_executor(), metrics);
    call_once = [&provider, expect = o.expect_status]() -> asio::awaitable<std::string> {
      outbound::Call c;
      c.target = "/customers/cus_bench";
      outbound::CallResult r = co_await provider->call(std::move(c));
      if (!r) co_return std::string(outbound::to_string(r.error().kind)) + ": " + r.error().message;
      if (r->status != expect) co_return status_error(r->status, expect);
      co_return std::string();
    };
  }

  const auto start = steady_clock::now();
  const auto measure_from = start + std::chrono::duration_cast<steady_clock::duration>(
                                        std::chrono::duration<double>(o.warmup_s));
  const auto until = measure_from + std::chrono::duration_cast<steady_clock::duration>(
                                        std::chrono::duration<double>(o.duration_s));
  std::vector<Sample> samples(static_cast<std::size_t>(o.concurrency));
  std::atomic<int> running = o.concurrency;
  for (auto& s : samples) {
    asio::co_spawn(ioc, worker(call_once, measure_from, until, s), [&](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          std::cerr << "worker failed: " << ex.what() << "\n";
        }
        std::abort();
      }
      // The last worker closes the clients so that their pooled connections let run() return.
      if (--running == 0) {
        if (http) http->close();
        if (provider) provider->close();
      }
    });
  }
  std::int64_t cpu_us = 0;
  asio::co_spawn(ioc, cpu_window(measure_from, until, cpu_us), asio::detached);
  std::vector<std::thread> extra;
  for (int i = 1; i < o.threads; ++i) extra.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : extra) t.join();

  std::vector<std::int64_t> all;
  std::int64_t errors = 0;
  std::string first_error;
  for (auto& s : samples) {
    all.insert(all.end(), s.latency_us.begin(), s.latency_us.end());
    errors += s.errors;
    if (first_error.empty()) first_error = s.first_error;
  }
  // A retried attempt is a failure the caller never sees: count it against the run too.
  const std::uint64_t retries =
      provider
          ? metrics.counter("wharf_provider_retries_total", "", {{"provider", "bench"}}).value()
          : 0;
  errors += static_cast<std::int64_t>(retries);
  if (retries > 0 && first_error.empty()) first_error = "the pipeline retried an attempt";
  std::sort(all.begin(), all.end());
  const double rate = static_cast<double>(all.size()) / o.duration_s;
  // Formatted by hand: Boost.JSON writes every double in exponent form ("1.2E4").
  const double cpu_per_call =
      all.empty() ? 0.0 : static_cast<double>(cpu_us) / static_cast<double>(all.size());
  std::string line = fmt::format(
      "{{\"mode\":\"{}\",\"concurrency\":{},\"threads\":{},\"log\":{},\"seconds\":{},"
      "\"calls\":{},\"calls_per_s\":{:.0f},\"p50_us\":{},\"p90_us\":{},\"p99_us\":{},"
      "\"max_us\":{},\"cpu_us_per_call\":{:.1f},\"errors\":{},\"retries\":{}",
      o.mode, o.concurrency, o.threads, o.log, o.duration_s, all.size(), rate,
      percentile(all, 0.50), percentile(all, 0.90), percentile(all, 0.99),
      all.empty() ? 0 : all.back(), cpu_per_call, errors, retries);
  if (!first_error.empty()) {
    line += ",\"first_error\":" + json::serialize(json::string(first_error));
  }
  line += "}";
  // cpu_us_per_call is the CPU time of this process only (not the simulator's) over the measured
  // window, divided by the calls measured.
  std::cout << line << std::endl;
  return errors == 0 && !all.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions o;
  CLI::App app{"wharf outbound pipeline benchmark: one JSON line per run"};
  app.add_option("--url", o.url, "the simulator's base URL, e.g. http://127.0.0.1:8090")
      ->required();
  app.add_option("--mode", o.mode, "direct (HttpClient) or pipeline (ProviderClient)")
      ->check(CLI::IsMember({"direct", "pipeline"}))
      ->capture_default_str();
  app.add_option("--concurrency", o.concurrency, "coroutines, each with one call in flight")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--duration", o.duration_s, "measured seconds")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  app.add_option("--warmup", o.warmup_s, "seconds before measuring")
      ->check(CLI::Range(0.0, 60.0))
      ->capture_default_str();
  app.add_option("--threads", o.threads, "threads running the io_context")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--expect-status", o.expect_status, "the status every call must get")
      ->capture_default_str();
  app.add_flag("--log", o.log, "pipeline: log every call (log_every_call: true, at info)");
  CLI11_PARSE(app, argc, argv);
  while (o.url.ends_with('/')) o.url.pop_back();
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "outbound_bench: " << e.what() << "\n";
    return 2;
  }
}
