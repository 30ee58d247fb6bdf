#include "outbound/provider_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>

#include "core/encoding.h"
#include "core/log.h"
#include "core/time_format.h"
#include "observe/metrics.h"
#include "outbound/idempotency.h"
#include "outbound/redaction.h"
#include "resilience/retry_after.h"

namespace wharf::outbound {
namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

// Distinct endpoint labels kept per provider; later ones are counted as "other".
constexpr std::size_t kMaxEndpointLabels = 64;

constexpr std::array<std::string_view, 12> kRefusedHeaders = {"host",
                                                              "authorization",
                                                              "proxy-authorization",
                                                              "content-length",
                                                              "transfer-encoding",
                                                              "connection",
                                                              "keep-alive",
                                                              "te",
                                                              "trailer",
                                                              "upgrade",
                                                              "expect",
                                                              "cookie"};

// A meter that allows everything: a provider without a rate_limit still obeys its hints.
class Unlimited final : public resilience::RateMeter {
 public:
  resilience::RateDecision try_take(std::int64_t) override { return {.allowed = true}; }
};

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

// Scheme, host and port of `url` ("https", "api.stripe.com", "443"), or nullopt.
}  // namespace

std::optional<std::array<std::string, 3>> authority_of(const std::string& url) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return std::nullopt;
  std::array<std::string, 3> out;
  const std::array<CURLUPart, 3> parts = {CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    char* part = nullptr;
    if (curl_url_get(u.get(), parts[i], &part, CURLU_DEFAULT_PORT) != CURLUE_OK) {
      curl_free(part);
      return std::nullopt;
    }
    out[i] = part;
    curl_free(part);
  }
  return out;
}

namespace {

bool is_token_char(unsigned char c) {
  return std::isalnum(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

// A path segment equal to "." or ".." once %2e is decoded.
bool is_dot_segment(std::string_view seg) {
  std::string decoded;
  for (std::size_t i = 0; i < seg.size(); ++i) {
    if (seg[i] == '%' && seg.size() - i >= 3 &&
        encoding::ascii_iequals(seg.substr(i + 1, 2), "2e")) {
      decoded += '.';
      i += 2;
    } else {
      decoded += seg[i];
    }
  }
  return decoded == "." || decoded == "..";
}

// Whole seconds, rounded up, for "retry after" messages.
std::string seconds_text(milliseconds d) { return std::to_string((d.count() + 999) / 1000) + "s"; }

// A header's integer value (surrounding whitespace allowed), or nullopt.
std::optional<std::int64_t> parse_int(std::string_view text) {
  return encoding::parse_digits(encoding::trim_ows(text));
}

// A quota reset value: delta seconds, Unix seconds (above 10^9), or an RFC 3339 time.
std::optional<std::int64_t> reset_at_ms(std::string_view text, std::int64_t now_ms) {
  if (auto n = parse_int(text)) {
    return *n > 1'000'000'000 ? *n * 1000 : now_ms + *n * 1000;
  }
  if (auto t = parse_time_ms(encoding::trim_ows(text))) return *t;
  return std::nullopt;
}

}  // namespace

namespace {

// Letters then one or two digits: "v1", "v3", "oauth2" (an API version, not an id).
bool is_versionish(std::string_view seg) {
  std::size_t letters = 0;
  while (letters < seg.size() && std::isalpha(static_cast<unsigned char>(seg[letters]))) ++letters;
  const std::size_t digits = seg.size() - letters;
  if (letters == 0 || digits == 0 || digits > 2) return false;
  return std::all_of(seg.begin() + static_cast<std::ptrdiff_t>(letters), seg.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

namespace {

// A breaker permit whose outcome is reported exactly once: as ignored when the call ends by
// another way (an exception, the coroutine destroyed while suspended), so a half-open probe slot
// is never held for good.
class PermitGuard {
 public:
  PermitGuard(resilience::CircuitBreaker& breaker, resilience::CircuitBreaker::Permit permit)
      : breaker_(breaker), permit_(permit) {}
  ~PermitGuard() {
    if (!reported_) breaker_.on_ignored(permit_);
  }
  PermitGuard(const PermitGuard&) = delete;
  PermitGuard& operator=(const PermitGuard&) = delete;

  void success(milliseconds took) {
    reported_ = true;
    breaker_.on_success(permit_, took);
  }
  void failure(milliseconds took) {
    reported_ = true;
    breaker_.on_failure(permit_, took);
  }
  void ignored() {
    reported_ = true;
    breaker_.on_ignored(permit_);
  }

 private:
  resilience::CircuitBreaker& breaker_;
  const resilience::CircuitBreaker::Permit permit_;
  bool reported_ = false;
};

}  // namespace

struct ProviderClient::Series {
  observe::Counter& attempts;
  observe::Histogram& seconds;
};

std::string endpoint_label(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  std::string out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      out += '/';
      ++i;
      continue;
    }
    const std::size_t end = std::min(path.find('/', i), path.size());
    const std::string_view seg = path.substr(i, end - i);
    const bool id_like = seg.size() > 24 || seg.find_first_of("@%") != seg.npos ||
                         (seg.find_first_of("0123456789") != seg.npos && !is_versionish(seg));
    out += id_like ? "{id}" : std::string(seg);
    i = end;
  }
  return out.empty() ? "/" : out;
}

bool is_wharf_owned_header(std::string_view name) {
  return std::any_of(kRefusedHeaders.begin(), kRefusedHeaders.end(),
                     [&](std::string_view h) { return encoding::ascii_iequals(name, h); });
}

std::string refuse_reason(const Call& call) {
  const std::string_view t = call.target;
  if (t.empty() || t.front() != '/') return "the target must start with '/'";
  if (t.starts_with("//")) return "the target must not start with '//'";
  for (unsigned char c : t) {
    if (c <= 0x20 || c == 0x7f || c == '\\' || c == '#')
      return "the target must not contain spaces, control characters, '\\' or '#'";
  }
  // Dot segments, also where the separator is an encoded '/' or '\\' that a provider might
  // decode before it normalises the path.
  std::string path(t.substr(0, t.find('?')));
  for (std::string_view sep : {"%2f", "%2F", "%5c", "%5C"}) {
    for (auto at = path.find(sep); at != std::string::npos; at = path.find(sep, at + 1)) {
      path.replace(at, sep.size(), "/");
    }
  }
  std::size_t i = 1;
  while (i <= path.size()) {
    const std::size_t end = std::min(path.find('/', i), path.size());
    if (is_dot_segment(std::string_view(path).substr(i, end - i)))
      return "the target must not contain '.' or '..' segments";
    i = end + 1;
  }
  static constexpr std::array<std::string_view, 7> kMethods = {"GET",   "HEAD",   "POST",   "PUT",
                                                               "PATCH", "DELETE", "OPTIONS"};
  if (std::find(kMethods.begin(), kMethods.end(), call.method) == kMethods.end()) {
    // TRACE would echo the credentials wharf added back to the caller; CONNECT tunnels.
    return "the method must be GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS";
  }
  for (const auto& [name, value] : call.headers) {
    if (name.empty()) return "a header name is empty";
    for (unsigned char c : name) {
      if (!is_token_char(c)) return "header names must be HTTP tokens";
    }
    if (is_wharf_owned_header(name))
      return "header " + name + " is set by wharf, not by the caller";
    for (unsigned char c : value) {
      if (c == '\r' || c == '\n' || c == '\0')
        return "header " + name + " contains a line break or NUL";
    }
  }
  return {};
}

ProviderClient::ProviderClient(ProviderConfig config, asio::any_io_executor executor,
                               observe::Registry& metrics, ProviderClientOptions options)
    : config_(std::move(config)),
      base_authority_(authority_of(config_.base_url)),
      clock_(*options.clock),
      connections_(options.connections),
      own_limiter_(options.limiter ? nullptr
                   : config_.rate_limit
                       ? resilience::make_local_rate_limiter(*config_.rate_limit, clock_)
                       : std::make_unique<resilience::LocalRateLimiter>(
                             [] { return std::make_unique<Unlimited>(); }, clock_)),
      limiter_(options.limiter ? options.limiter : own_limiter_.get()),
      budget_(config_.retry.budget_percent, config_.retry.min_retries_per_second, clock_),
      decider_(config_.retry, std::move(options.uniform01), &budget_),
      breaker_(config_.breaker, clock_,
               [this](resilience::BreakerState from, resilience::BreakerState to) {
                 breaker_state_.set(resilience::gauge_value(to));
                 log::warn("provider breaker", {{"provider", config_.name},
                                                {"from", resilience::to_string(from)},
                                                {"to", resilience::to_string(to)}});
               }),
      http_(executor,
            [&] {
              ClientOptions o = options.http;
              o.max_host_connections = config_.max_connections;
              if (!config_.ca_file.empty()) o.ca_file = config_.ca_file;
              o.max_idle_connections =
                  std::max<long>(o.max_idle_connections, config_.max_connections);
              o.metrics = nullptr;
              return o;
            }()),
      metrics_(metrics),
      retries_(metrics.counter("wharf_provider_retries_total",
                               "Retries of calls to a provider (attempts after the first).",
                               {{"provider", config_.name}})),
      rate_limited_(metrics.counter("wharf_provider_rate_limited_total",
                                    "Calls to a provider refused by its rate limit (or its own "
                                    "Retry-After / quota hint) without reaching it.",
                                    {{"provider", config_.name}})),
      breaker_rejected_(
          metrics.counter("wharf_provider_breaker_rejected_total",
                          "Calls to a provider refused because its circuit breaker was open.",
                          {{"provider", config_.name}})),
      breaker_state_(metrics.gauge("wharf_provider_breaker_state",
                                   "A provider's circuit breaker: 0 closed, 1 half-open, 2 open.",
                                   {{"provider", config_.name}})),
      health_(options.health ? &options.health->entry("provider", config_.name) : nullptr) {}

ProviderClient::~ProviderClient() { http_.close(); }

void ProviderClient::close() { http_.close(); }

ProviderClient::Series& ProviderClient::series(const std::string& endpoint,
                                               const std::string& status) {
  std::lock_guard lock(series_mu_);
  std::string label = endpoint;
  if (!endpoints_.contains(label)) {
    if (endpoints_.size() >= kMaxEndpointLabels) {
      label = "other";
    } else {
      endpoints_.insert(label);
    }
  }
  std::string key = label;
  key += '\n';
  key += status;
  auto it = series_.find(key);
  if (it == series_.end()) {
    const observe::Labels labels = {
        {"provider", config_.name}, {"endpoint", label}, {"status", status}};
    auto s = std::make_unique<Series>(
        Series{metrics_.counter("wharf_provider_attempts_total",
                                "Attempts at calling a provider, by endpoint and HTTP status (or "
                                "transport error).",
                                labels),
               metrics_.histogram("wharf_provider_attempt_seconds",
                                  "Duration of each attempt at calling a provider.", labels,
                                  observe::latency_buckets())});
    it = series_.emplace(std::move(key), std::move(s)).first;
  }
  return *it->second;
}

void ProviderClient::observe_hints(const HttpResponse& response, std::int64_t now_ms) {
  if (response.status == 429 || response.status == 503) {
    if (auto ra = response.header("Retry-After")) {
      if (auto d = resilience::parse_retry_after(*ra, now_ms)) {
        limiter_->defer(config_.name, now_ms + d->count());
      }
    }
  }
  if (config_.quota.remaining.empty() || config_.quota.reset.empty()) return;
  auto remaining = response.header(config_.quota.remaining);
  if (!remaining) return;
  auto left = parse_int(*remaining);
  auto reset = response.header(config_.quota.reset);
  if (!left || !reset) return;
  if (auto at = reset_at_ms(*reset, now_ms)) {
    // A reset further than a day away is not believed (a misread unit, a clock gone wrong).
    limiter_->observe_quota(config_.name, *left, std::min(*at, now_ms + 86'400'000));
  }
}

void ProviderClient::log_attempt(const Call& call, const std::string& url,
                                 const std::string& endpoint, int attempt, const HttpResult& result,
                                 const std::optional<std::string>& connection_secret,
                                 const RetryDecision& decision) const {
  const bool failed = !result || result->status >= 500 || result->status == 429;
  const log::Level level = failed ? log::Level::kWarn : log::Level::kInfo;
  if (!failed && !config_.log_every_call) return;
  if (!log::enabled(level)) return;
  const std::string shown = redact_secrets(
      redact_url(url, config_.credentials.secret_query_names()), secrets_with(connection_secret));
  if (result) {
    log::write(level, "outbound call",
               {{"provider", config_.name},
                {"endpoint", endpoint},
                {"method", call.method},
                {"url", shown},
                {"attempt", attempt},
                {"status", result->status},
                {"duration_us", static_cast<std::int64_t>(result->duration.count())},
                {"next", decision.reason}});
  } else {
    log::write(level, "outbound call",
               {{"provider", config_.name},
                {"endpoint", endpoint},
                {"method", call.method},
                {"url", shown},
                {"attempt", attempt},
                {"error", redact_secrets(result.error().message, secrets_with(connection_secret))},
                {"next", decision.reason}});
  }
}

asio::awaitable<CallResult> ProviderClient::call(Call&& call) {
  CallResult result = co_await attempt_all(call);
  record_health(result);
  co_return result;
}

void ProviderClient::record_health(const CallResult& result) {
  if (!health_) return;
  if (result) {
    if (result->status == 401 || result->status == 403) {
      health_->failure("HTTP " + std::to_string(result->status) + ": credentials refused");
    } else {
      health_->success();
    }
    return;
  }
  switch (result.error().kind) {
    case CallErrorKind::kRateLimited:
    case CallErrorKind::kRefused:
      return;  // wharf's own limit, or the caller's request: says nothing of the provider
    case CallErrorKind::kCircuitOpen:
    case CallErrorKind::kTransport:
    case CallErrorKind::kUpstream:
    case CallErrorKind::kCredentials:
      health_->failure(result.error().message);
      return;
  }
}

std::vector<std::string> ProviderClient::secrets_with(
    const std::optional<std::string>& connection_secret) const {
  std::vector<std::string> all = config_.credentials.secret_values();
  if (connection_secret) all.push_back(*connection_secret);
  return all;
}

asio::awaitable<CallResult> ProviderClient::attempt_all(Call& call) {
  auto fail = [&](CallErrorKind kind, std::string message, int attempts,
                  std::optional<milliseconds> retry_after = std::nullopt, int status = 0) {
    return CallError{.kind = kind,
                     .provider = config_.name,
                     .message = std::move(message),
                     .retry_after = retry_after,
                     .attempts = attempts,
                     .status = status};
  };
  if (std::string why = refuse_reason(call); !why.empty()) {
    co_return fail(CallErrorKind::kRefused, config_.name + ": call refused: " + why, 0);
  }
  HttpRequest base{.method = call.method,
                   .url = config_.base_url + call.target,
                   .headers = call.headers,
                   .body = call.body};
  // The host lock: whatever the target holds, the URL must name the base's scheme, host, port.
  const auto authority = authority_of(base.url);
  if (!authority || !base_authority_ || *authority != *base_authority_) {
    co_return fail(
        CallErrorKind::kRefused,
        config_.name + ": call refused: the target would leave " + url_origin(config_.base_url), 0);
  }
  const std::string endpoint = call.endpoint.empty() ? endpoint_label(call.target) : call.endpoint;
  std::string key = call.idempotency_key;
  if (key.empty() && !config_.idempotency_header.empty()) {
    key = find_header(call.headers, config_.idempotency_header).value_or("");
  }
  if (!key.empty() && !valid_idempotency_key(key)) {
    co_return fail(CallErrorKind::kRefused,
                   config_.name +
                       ": call refused: an idempotency key is 1 to 255 visible ASCII "
                       "characters",
                   0);
  }
  const LogicalCall logical(call.method == "POST" ? config_.idempotency_header : std::string(),
                            std::move(key));
  budget_.record_call();
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  // A connection's secret (an OAuth access token, a user's API key), fetched for each attempt:
  // another call may have refreshed it meanwhile. A 401 renews it once, for the next attempt.
  const std::string connection =
      call.connection.empty() ? config_.credentials.connection : call.connection;
  const ConnectionRequest connection_request{config_.name, connection, &config_.credentials};
  std::optional<std::string> secret;
  std::optional<std::string> renewed;
  bool renewal_spent = false;

  for (int attempt = 1;; ++attempt) {
    secret = std::move(renewed);
    renewed.reset();
    if (!connection.empty() && !secret) {
      if (connections_ == nullptr) {
        co_return fail(
            CallErrorKind::kCredentials,
            config_.name + ": credentials: connections are not available (set vault.master_key)",
            attempt - 1);
      }
      Result<std::string> got = co_await connections_->secret(connection_request);
      if (!got) {
        co_return fail(CallErrorKind::kCredentials,
                       config_.name + ": credentials: " + got.error().message, attempt - 1);
      }
      secret = std::move(*got);
    }
    // Rate limit: wait within max_wait, or give up with when to come back.
    milliseconds wait_left = config_.rate_limit ? config_.rate_limit->max_wait : milliseconds(0);
    for (;;) {
      const resilience::RateDecision d = limiter_->try_acquire(config_.name);
      const resilience::WaitPlan plan = resilience::plan_wait(d, wait_left);
      if (plan.action == resilience::WaitPlan::Action::kProceed) break;
      if (plan.action == resilience::WaitPlan::Action::kFail) {
        rate_limited_.inc();
        std::string message =
            config_.rate_limit
                ? resilience::rate_limited_message(config_.name, *config_.rate_limit, d.retry_after,
                                                   d.provider_hint)
                : "rate limited by " + config_.name +
                      " (it asked wharf to pause: Retry-After or an exhausted quota); retry "
                      "after " +
                      seconds_text(d.retry_after);
        co_return fail(CallErrorKind::kRateLimited, std::move(message), attempt - 1, d.retry_after);
      }
      wait_left -= plan.delay;
      timer.expires_after(plan.delay);
      co_await timer.async_wait(asio::use_awaitable);
    }
    // Breaker.
    const resilience::CircuitBreaker::Permit permit = breaker_.try_acquire();
    if (!permit) {
      breaker_rejected_.inc();
      const std::int64_t until = breaker_.open_until_ms();
      const milliseconds wait(std::max<std::int64_t>(until - clock_.now_ms(), 1000));
      co_return fail(CallErrorKind::kCircuitOpen,
                     config_.name + " is failing: its circuit breaker is open; retry after " +
                         seconds_text(wait),
                     attempt - 1, wait);
    }
    PermitGuard outcome(breaker_, permit);
    // Credentials and idempotency key, fresh for each attempt (an OAuth token may have changed).
    HttpRequest request = base;
    if (Result<void> applied = apply_credentials(request, config_.credentials, secret); !applied) {
      outcome.ignored();
      co_return fail(CallErrorKind::kCredentials, config_.name + ": " + applied.error().message,
                     attempt - 1);
    }
    logical.prepare(request);
    // Transport with this provider's timeouts.
    RequestOptions options{.connect_timeout = config_.connect_timeout,
                           .total_timeout = config_.timeout,
                           .max_response_bytes = config_.max_response_bytes,
                           .follow_redirects = false,
                           .on_body_chunk = {},
                           .stream_success_only = false};
    auto streamed = std::make_shared<bool>(false);
    if (call.on_body_chunk) {
      options.stream_success_only = true;
      options.on_body_chunk = [streamed, sink = call.on_body_chunk](std::string_view chunk) {
        *streamed = true;
        sink(chunk);
      };
    }
    const std::string url = request.url;
    HttpResult result =
        co_await http_.async_request(std::move(request), options, asio::use_awaitable);
    const std::int64_t now = clock_.now_ms();
    // Breaker outcome, hints, metrics.
    std::string status_label;
    if (result) {
      const auto took = std::chrono::duration_cast<milliseconds>(result->duration);
      if (result->status >= 500) {
        outcome.failure(took);
      } else if (result->status == 429) {
        outcome.ignored();
      } else {
        outcome.success(took);
      }
      observe_hints(*result, now);
      status_label = std::to_string(result->status);
    } else {
      const TransportError kind = result.error().kind;
      if (kind == TransportError::kCancelled || kind == TransportError::kOther ||
          kind == TransportError::kTooLarge) {
        outcome.ignored();
      } else {
        outcome.failure(config_.timeout);
      }
      status_label = std::string(to_string(kind));
    }
    Series& counted = series(endpoint, status_label);
    counted.attempts.inc();
    if (result) counted.seconds.observe(static_cast<double>(result->duration.count()) / 1e6);
    // A connection's secret refused: renew it (an OAuth refresh) and try once more at once.
    if (result && result->status == 401 && secret && !renewal_spent) {
      renewal_spent = true;
      Result<std::string> fresh = co_await connections_->renew(connection_request, *secret);
      if (fresh) {
        log_attempt(call, url, endpoint, attempt, result, secret,
                    RetryDecision{.retry = true,
                                  .delay = milliseconds(0),
                                  .reason = "401: the connection's credentials were renewed",
                                  .retry_after_for_caller = {}});
        log::info("outbound credentials renewed after a 401",
                  {{"provider", config_.name}, {"connection", connection}});
        retries_.inc();
        renewed = std::move(*fresh);
        continue;
      }
      log::warn("outbound credentials not renewed", {{"provider", config_.name},
                                                     {"connection", connection},
                                                     {"error", fresh.error().message}});
    }
    // Retry?
    const Attempt a =
        attempt_from(result, attempt, call.method, logical.has_idempotency_key(), now);
    RetryDecision decision = decider_.decide(a);
    if (decision.retry && *streamed) {
      decision = RetryDecision{.retry = false,
                               .reason = "not retried: part of the answer was already relayed",
                               .retry_after_for_caller = {}};
    }
    log_attempt(call, url, endpoint, attempt, result, secret, decision);
    if (decision.retry) {
      retries_.inc();
      timer.expires_after(decision.delay);
      co_await timer.async_wait(asio::use_awaitable);
      continue;
    }
    if (!result) {
      co_return fail(CallErrorKind::kTransport,
                     config_.name + ": " +
                         redact_secrets(result.error().message, secrets_with(secret)) + " (" +
                         decision.reason + ")",
                     attempt, decision.retry_after_for_caller);
    }
    if (result->status >= 500 || result->status == 429) {
      std::string message = config_.name + " answered HTTP " + std::to_string(result->status);
      message += " (" + decision.reason + ")";
      if (decision.retry_after_for_caller) {
        message += "; retry after " + seconds_text(*decision.retry_after_for_caller);
      }
      co_return fail(CallErrorKind::kUpstream, std::move(message), attempt,
                     decision.retry_after_for_caller, result->status);
    }
    co_return std::move(*result);
  }
}

}  // namespace wharf::outbound
