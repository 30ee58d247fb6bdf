// The outbound pipeline of one provider (SPEC §2.2): every call to it goes, attempt by attempt,
// through
//   target check → rate limiter → circuit breaker → credentials and idempotency key → transport
//   (connect and total timeouts, size limit) → request log and metrics → retry decision
// so that a provider never sees more calls than its limit (retries included), a failing one is
// left alone while its breaker is open, and a caller gets either the provider's answer or a
// CallError saying what happened and when to try again. Calls go only to base_url + target: the
// target is checked, the URL parsed back and compared with the base, and redirects are not
// followed.
//
// Thread-safe: call() may run on any executor, concurrently. Waits (rate limit, backoff) are
// timers on the calling coroutine's executor; transfers run on the client's HttpClient.
#pragma once

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/uniform01.h"
#include "observe/health.h"
#include "outbound/call.h"
#include "outbound/http_client.h"
#include "outbound/provider_config.h"
#include "outbound/retry.h"
#include "outbound/retry_budget.h"
#include "resilience/circuit_breaker.h"
#include "resilience/rate_limiter.h"

namespace wharf::observe {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace wharf::observe

namespace wharf::outbound {

struct ProviderClientOptions {
  const Clock* clock = &SystemClock::instance();  // rate limiter, breaker, budget, Retry-After
  // Where calls naming a connection (and `credentials: { type: oauth }`) get their secret; null:
  // such calls fail with kCredentials. Must outlive the client.
  ConnectionCredentials* connections = nullptr;
  // The limiter to use instead of a local one built from the config's rate_limit (a cluster-wide
  // limiter, or one shared by several providers); must outlive the client.
  resilience::RateLimiter* limiter = nullptr;
  Uniform01 uniform01;  // backoff jitter; empty: the CSPRNG-seeded default
  ClientOptions http;   // ca_file, proxy; max_host_connections comes from the config
  // Where each call's outcome is counted for GET /api/v1/integrations (optional; must outlive
  // the client): a final answer is a success, except 401/403 (the credentials are wrong); no
  // answer, 429/5xx after the retries, an open breaker or unusable credentials are failures;
  // wharf's own rate limit and refused calls are neither.
  observe::HealthTracker* health = nullptr;
};

class ProviderClient final : public Caller {
 public:
  // `config` must be valid (as read_provider_config returns it). `executor` runs the HttpClient.
  // `metrics` must outlive the client.
  ProviderClient(ProviderConfig config, boost::asio::any_io_executor executor,
                 observe::Registry& metrics, ProviderClientOptions options = {});
  ~ProviderClient() override;

  const std::string& provider() const override { return config_.name; }
  boost::asio::awaitable<CallResult> call(Call&& call) override;

  const ProviderConfig& config() const { return config_; }
  resilience::BreakerSnapshot breaker() const { return breaker_.snapshot(); }

  // Aborts transfers in flight (they fail with kTransport, cancelled) and refuses later calls.
  void close();

 private:
  struct Series;  // the metrics of one (endpoint, status) pair
  // The pipeline itself; call() adds the health accounting.
  boost::asio::awaitable<CallResult> attempt_all(Call& call);
  void record_health(const CallResult& result);
  Series& series(const std::string& endpoint, const std::string& status);
  void log_attempt(const Call& call, const std::string& url, const std::string& endpoint,
                   int attempt, const HttpResult& result,
                   const std::optional<std::string>& connection_secret,
                   const RetryDecision& decision) const;
  void observe_hints(const HttpResponse& response, std::int64_t now_ms);
  // The configured secrets plus a connection's, for redacting text that may quote them.
  std::vector<std::string> secrets_with(const std::optional<std::string>& connection_secret) const;

  const ProviderConfig config_;
  const std::optional<std::array<std::string, 3>> base_authority_;  // authority_of(base_url)
  const Clock& clock_;
  ConnectionCredentials* connections_;
  std::unique_ptr<resilience::RateLimiter> own_limiter_;
  resilience::RateLimiter* limiter_;  // own_limiter_, options.limiter, or null (no limit)
  RetryBudget budget_;
  RetryDecider decider_;
  resilience::CircuitBreaker breaker_;
  HttpClient http_;
  observe::Registry& metrics_;
  observe::Counter& retries_;
  observe::Counter& rate_limited_;
  observe::Counter& breaker_rejected_;
  observe::Gauge& breaker_state_;
  observe::HealthTracker::Entry* health_;

  std::mutex series_mu_;
  std::unordered_map<std::string, std::unique_ptr<Series>> series_;  // guarded by series_mu_
  std::unordered_set<std::string> endpoints_;                        // guarded by series_mu_
};

// The configured providers, by name. Built at start-up, then read-only (thread-safe).
class ProviderSet {
 public:
  void add(std::unique_ptr<ProviderClient> client) { clients_.push_back(std::move(client)); }
  // The provider called `name`, or nullptr.
  ProviderClient* find(std::string_view name) const {
    for (const auto& c : clients_) {
      if (c->provider() == name) return c.get();
    }
    return nullptr;
  }
  const std::vector<std::unique_ptr<ProviderClient>>& all() const { return clients_; }
  // close() on every client.
  void close() {
    for (const auto& c : clients_) c->close();
  }

 private:
  std::vector<std::unique_ptr<ProviderClient>> clients_;
};

// The metrics label of a target's path: segments that look like ids (a digit, or longer than 24
// characters) become "{id}", the query is dropped: "/subscriptions/sub_123" →
// "/subscriptions/{id}".
std::string endpoint_label(std::string_view target);

// Scheme, host and port of `url` as libcurl parses it ("https", "api.stripe.com", "443"; the port
// filled in from the scheme), or nullopt when it does not parse.
std::optional<std::array<std::string, 3>> authority_of(const std::string& url);

// Whether a caller may not set header `name` (any case): the transport, the credentials stage
// and the base URL own Host, Authorization, Proxy-Authorization, Cookie, Content-Length,
// Transfer-Encoding, Connection, Keep-Alive, TE, Trailer, Upgrade and Expect.
bool is_wharf_owned_header(std::string_view name);

// Why `call` may not be sent to a provider (see Call::target and Call::headers), or empty.
std::string refuse_reason(const Call& call);

}  // namespace wharf::outbound
