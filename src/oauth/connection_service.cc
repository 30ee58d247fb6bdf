#include "oauth/connection_service.h"

#include <openssl/crypto.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <functional>
#include <stdexcept>

#include "core/crypto.h"
#include "core/encoding.h"
#include "core/home_executor.h"
#include "core/log.h"
#include "http/offload.h"
#include "oauth/pkce.h"
#include "observe/metrics.h"

namespace wharf::oauth {
namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr std::string_view kAccessToken = "access_token";
constexpr std::string_view kRefreshToken = "refresh_token";
constexpr std::string_view kApiKey = "api_key";
constexpr int kMaxWriteRetries = 5;
// How long a connection's secret is served from memory before the store is read again.
constexpr auto kLiveTtl = std::chrono::seconds(30);
// After a failed refresh, callers keep the still-valid token this long before trying again.
constexpr std::int64_t kRefreshBackoffMs = 10'000;

// The margin before expiry at which a token is refreshed: the configured one, but at most half
// the token's lifetime, so a short-lived token is not refreshed on every call.
milliseconds effective_margin(milliseconds margin, std::int64_t issued_at_ms,
                              std::optional<std::int64_t> expires_at_ms) {
  if (!expires_at_ms || *expires_at_ms <= issued_at_ms) return margin;
  return std::min(margin, milliseconds((*expires_at_ms - issued_at_ms) / 2));
}

bool is_2xx(int status) { return status >= 200 && status < 300; }

}  // namespace

// A token endpoint's or revocation endpoint's request options.
outbound::RequestOptions ConnectionService::token_request_options(milliseconds timeout) {
  return outbound::RequestOptions{.connect_timeout = std::min(timeout, milliseconds(5000)),
                                  .total_timeout = timeout,
                                  .max_response_bytes = 1 << 20,
                                  .follow_redirects = false,
                                  .on_body_chunk = {},
                                  .stream_success_only = false};
}

namespace {

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

// Printable ASCII only, at most 256 bytes: the authorization server's words, shown to a user.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 256)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

Error unusable(const std::string& id, const std::string& status, const std::string& last_error) {
  if (status == "pending") {
    return make_error(Errc::kFailedPrecondition,
                      "connection '" + id + "' is not connected yet (authorization not completed)");
  }
  if (status == "revoked") {
    return make_error(Errc::kFailedPrecondition,
                      "connection '" + id + "' was disconnected; connect it again");
  }
  return make_error(Errc::kFailedPrecondition,
                    "connection '" + id + "' is in error (" + last_error + "); connect it again");
}

}  // namespace

// A connection's secret in memory: the access token or API key, and what decides its use.
struct ConnectionService::Live {
  std::string type;
  std::string provider;
  std::string status;
  std::string last_error;
  std::string secret;  // plaintext; empty unless connected
  std::optional<std::int64_t> expires_at_ms;
  std::int64_t issued_at_ms = 0;  // when these tokens were stored (connect or last refresh)
  bool has_refresh = false;
  std::chrono::steady_clock::time_point loaded_at;
  ~Live() { OPENSSL_cleanse(secret.data(), secret.size()); }
};

struct ConnectionService::Flight {
  bool done = false;
  std::optional<Result<std::string>> result;
  // Each posts the result to its caller's executor (to_home).
  std::vector<std::function<void(Result<std::string>)>> waiters;
};

bool valid_connection_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
          c == '@' || c == '-')) {
      return false;
    }
  }
  return true;
}

std::string shown_status(const store::ConnectionRecord& record, std::int64_t now_ms) {
  if (record.type == "oauth" && record.status == "connected" && record.refresh_token.empty() &&
      record.expires_at_ms && *record.expires_at_ms <= now_ms) {
    return "expired";
  }
  return record.status;
}

void throw_exception_from_error(const CallbackFailure& e, const boost::source_location&) {
  throw std::runtime_error(e.error.message);
}

ConnectionService::ConnectionService(std::vector<Client> clients, store::ConnectionStore& store,
                                     auth::Vault& vault, StateStore& states, LeaseLock& lock,
                                     asio::any_io_executor io, asio::any_io_executor blocking,
                                     observe::Registry& metrics, ConnectionServiceOptions options)
    : clients_(std::move(clients)),
      store_(store),
      vault_(vault),
      states_(states),
      lock_(lock),
      blocking_(std::move(blocking)),
      options_(std::move(options)),
      clock_(*options_.clock),
      http_(std::move(io), options_.http),
      token_options_(token_request_options(options_.token_timeout)),
      owner_(encoding::hex_encode(crypto::random_bytes(16))),
      refreshes_ok_(metrics.counter("wharf_oauth_refreshes_total", "OAuth token refreshes",
                                    {{"outcome", "ok"}})),
      refreshes_failed_(metrics.counter("wharf_oauth_refreshes_total", "OAuth token refreshes",
                                        {{"outcome", "failed"}})),
      refreshes_shared_(metrics.counter(
          "wharf_oauth_refresh_waiters_total",
          "Callers that waited for a refresh already in flight instead of starting one")) {}

ConnectionService::~ConnectionService() { close(); }

void ConnectionService::close() { http_.close(); }

const Client* ConnectionService::find_client(std::string_view name) const {
  for (const Client& c : clients_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Result<std::string> ConnectionService::seal(std::string_view plaintext, const std::string& id,
                                            std::string_view column) const {
  return vault_.seal(plaintext, store::secret_context(id, column));
}

Result<std::string> ConnectionService::open(std::string_view envelope, const std::string& id,
                                            std::string_view column) const {
  if (envelope.empty()) return std::string();
  return vault_.open(envelope, store::secret_context(id, column));
}

void ConnectionService::forget(const std::string& id) {
  std::lock_guard lock(mu_);
  live_.erase(id);
  ++generations_[id];
}

Result<std::vector<store::ConnectionRecord>> ConnectionService::list() { return store_.list(); }

Result<std::optional<store::ConnectionRecord>> ConnectionService::get(std::string_view id) {
  return store_.get(id);
}

Result<store::ConnectionRecord> ConnectionService::update(
    const std::string& id, const std::function<Result<void>(store::ConnectionRecord&)>& change) {
  for (int i = 0; i < kMaxWriteRetries; ++i) {
    auto read = store_.get(id);
    if (!read) return read.error();
    if (!*read) return make_error(Errc::kNotFound, "no connection '" + id + "'");
    store::ConnectionRecord record = std::move(**read);
    if (auto r = change(record); !r) return r.error();
    record.updated_ms = clock_.now_ms();
    auto written = store_.put(record, record.version);
    if (!written) return written.error();
    if (*written) {
      record.version = **written;
      forget(id);
      return record;
    }
  }
  return make_error(Errc::kUnavailable,
                    "connection '" + id + "' is being changed concurrently; try again");
}

// ---- authorization --------------------------------------------------------------------------

ConnectLink ConnectionService::new_connect_link(store::ConnectionRecord& record) const {
  const std::string token = encoding::base64url_encode(crypto::random_bytes(32));
  record.connect_token_hash = encoding::hex_encode(crypto::sha256(token));
  record.connect_token_expires_ms = clock_.now_ms() + options_.connect_token_ttl.count();
  return ConnectLink{"/connect/" + record.provider + "?connection_id=" +
                         encoding::form_urlencode(record.id) + "&connect_token=" + token,
                     *record.connect_token_expires_ms};
}

Result<ConnectLink> ConnectionService::issue_connect_link(const std::string& id) {
  ConnectLink link;
  auto updated = update(id, [&](store::ConnectionRecord& r) -> Result<void> {
    if (r.type != "oauth") {
      return make_error(Errc::kFailedPrecondition,
                        "connection '" + id + "' holds an API key: it has no connect link");
    }
    if (find_client(r.provider) == nullptr) {
      return make_error(Errc::kFailedPrecondition,
                        "OAuth client '" + r.provider + "' is no longer configured");
    }
    link = new_connect_link(r);
    return {};
  });
  if (!updated) return updated.error();
  return link;
}

Result<std::string> ConnectionService::authorization_redirect(std::string_view client_name,
                                                              std::string_view connection_id,
                                                              std::string_view connect_token) {
  const Client* client = find_client(client_name);
  if (client == nullptr) {
    return make_error(Errc::kNotFound, "no OAuth client '" + printable(client_name) +
                                           "' is configured (oauth.clients)");
  }
  if (!valid_connection_id(connection_id)) {
    return make_error(Errc::kInvalidArgument,
                      "connection_id is required: 1 to 128 of A-Z a-z 0-9 . _ : @ -");
  }
  const std::string id(connection_id);
  auto existing = store_.get(id);
  if (!existing) return existing.error();
  const std::int64_t now = clock_.now_ms();
  if (*existing || options_.require_connect_token) {
    const store::ConnectionRecord* r = *existing ? &**existing : nullptr;
    const bool valid =
        r != nullptr && !connect_token.empty() && !r->connect_token_hash.empty() &&
        crypto::constant_time_equal(encoding::hex_encode(crypto::sha256(connect_token)),
                                    r->connect_token_hash) &&
        r->connect_token_expires_ms && now < *r->connect_token_expires_ms;
    if (!valid) {
      return make_error(Errc::kUnauthenticated,
                        r != nullptr ? "connecting connection '" + id +
                                           "' needs a valid connect_token: ask the application "
                                           "for a new connect link"
                                     : "this gateway needs a connect link for every connection: "
                                       "create the connection first (POST /api/v1/connections)");
    }
    if (r->type != "oauth" || r->provider != client->name) {
      return make_error(Errc::kFailedPrecondition,
                        "connection '" + id + "' is not a connection of " + client->name);
    }
  }
  auto verifier = make_code_verifier();
  if (!verifier) return verifier.error();
  auto state = states_.issue(id, *verifier, client->config.redirect_uri, now, client->name);
  if (!state) return to_error(state.error());
  return authorization_url(client->config, *state, s256_code_challenge(*verifier));
}

asio::awaitable<CallbackResult> ConnectionService::complete_authorization(
    const CallbackParams& params) {
  auto refused = [](Errc code, std::string message, int status, std::string as_error = {}) {
    return CallbackFailure{make_error(code, std::move(message)), status, std::move(as_error)};
  };
  if (params.state.empty()) {
    co_return refused(Errc::kInvalidArgument,
                      "missing state: the callback is not from wharf's "
                      "authorization request",
                      400);
  }
  const std::int64_t started = clock_.now_ms();
  auto pending = states_.consume(params.state, started);
  if (!pending) co_return refused(Errc::kInvalidArgument, to_error(pending.error()).message, 400);
  const std::string id = pending->connection_id;
  const Client* client = find_client(pending->client);
  if (client == nullptr) {
    co_return refused(Errc::kNotFound, "OAuth client '" + pending->client + "' is gone", 404);
  }
  if (!params.error.empty()) {
    std::string message = client->name + " refused the authorization: " + printable(params.error);
    if (!params.error_description.empty()) message += ": " + printable(params.error_description);
    log::warn("oauth authorization refused",
              {{"client", client->name}, {"connection", id}, {"error", printable(params.error)}});
    co_return refused(Errc::kInvalidArgument, std::move(message), 400, printable(params.error));
  }
  if (params.code.empty()) {
    co_return refused(Errc::kInvalidArgument,
                      "missing code: the callback carries no "
                      "authorization code",
                      400);
  }
  ClientConfig config = client->config;
  config.redirect_uri = pending->redirect_uri;  // the one of the authorization request, exactly
  outbound::HttpRequest request =
      code_exchange_request(config, params.code, pending->pkce_verifier);
  outbound::HttpResult answer =
      co_await http_.async_request(std::move(request), token_options_, asio::use_awaitable);
  const std::int64_t now = clock_.now_ms();
  if (!answer) {
    co_return refused(
        Errc::kUnavailable,
        client->name + "'s token endpoint could not be reached: " + answer.error().message, 502);
  }
  TokenResult tokens =
      parse_token_response(answer->status, answer->body, now, client->config.token_types);
  if (!tokens) {
    const TokenError& e = tokens.error();
    log::warn("oauth code exchange failed",
              {{"client", client->name}, {"connection", id}, {"error", e.message}});
    if (e.kind == TokenErrorKind::kAuthorizationServer && e.error == "invalid_client") {
      // wharf's own registration was refused: not the user's doing.
      co_return refused(Errc::kUnavailable,
                        client->name +
                            " refused wharf's client credentials (invalid_client): "
                            "check oauth.clients." +
                            client->name,
                        502, e.error);
    }
    if (e.kind == TokenErrorKind::kAuthorizationServer) {
      co_return refused(Errc::kInvalidArgument,
                        client->name + " refused the code exchange: " + e.message, 400, e.error);
    }
    co_return refused(Errc::kUnavailable, client->name + "'s token endpoint: " + e.message, 502);
  }
  TokenSet set = std::move(*tokens);
  const std::string scopes = set.scope ? *set.scope : join_scopes(client->config.scopes);
  const std::int64_t issued_at = pending->issued_at_ms;
  auto store_tokens = [&]() -> Result<store::ConnectionRecord> {
    auto access = seal(set.access_token, id, kAccessToken);
    if (!access) return access.error();
    std::string refresh;
    if (set.refresh_token) {
      auto sealed = seal(*set.refresh_token, id, kRefreshToken);
      if (!sealed) return sealed.error();
      refresh = std::move(*sealed);
    }
    for (int i = 0; i < kMaxWriteRetries; ++i) {
      auto read = store_.get(id);
      if (!read) return read.error();
      store::ConnectionRecord record;
      std::int64_t expected = 0;
      if (*read) {
        record = std::move(**read);
        expected = record.version;
        if (record.type != "oauth" || record.provider != client->name) {
          return make_error(Errc::kFailedPrecondition,
                            "connection '" + id + "' now belongs to " + record.provider);
        }
        // Disconnected after this authorization began: the disconnect wins.
        if (record.status == "revoked" && record.updated_ms > issued_at) {
          return make_error(
              Errc::kFailedPrecondition,
              "connection '" + id + "' was disconnected while this authorization was under way");
        }
        // A reconnect replaces the tokens without revoking the earlier grant: for the same
        // account, providers such as Google treat both as one grant, and revoking the old
        // refresh token would end the new one too.
      } else {
        record.id = id;
        record.type = "oauth";
        record.provider = client->name;
        record.created_ms = now;
      }
      record.status = "connected";
      record.scopes = scopes;
      record.expires_at_ms = set.expires_at_ms;
      record.last_refresh_ms.reset();
      record.last_error.clear();
      record.refresh_failures = 0;
      record.access_token = *access;
      record.refresh_token = refresh;
      record.api_key.clear();
      record.connect_token_hash.clear();  // a connect link serves once
      record.connect_token_expires_ms.reset();
      record.updated_ms = now;
      auto written = store_.put(record, expected);
      if (!written) return written.error();
      if (*written) {
        record.version = **written;
        return record;
      }
    }
    return make_error(Errc::kUnavailable, "connection '" + id + "' changed concurrently");
  };
  auto stored = co_await http::offload(blocking_, std::move(store_tokens));
  OPENSSL_cleanse(set.access_token.data(), set.access_token.size());
  if (set.refresh_token) OPENSSL_cleanse(set.refresh_token->data(), set.refresh_token->size());
  if (!stored) {
    log::error("oauth tokens not stored",
               {{"client", client->name}, {"connection", id}, {"error", stored.error().message}});
    co_return refused(stored.error().code,
                      "the tokens could not be stored: " + stored.error().message,
                      stored.error().code == Errc::kFailedPrecondition ? 409 : 503);
  }
  forget(id);
  log::info("oauth connection connected", {{"client", client->name},
                                           {"connection", id},
                                           {"scopes", scopes},
                                           {"refresh_token", !stored->refresh_token.empty()}});
  co_return std::move(*stored);
}

// ---- API-key connections --------------------------------------------------------------------

Result<store::ConnectionRecord> ConnectionService::create_api_key(std::string id,
                                                                  std::string provider,
                                                                  std::string_view key) {
  if (!valid_connection_id(id)) {
    return make_error(Errc::kInvalidArgument, "id: 1 to 128 of A-Z a-z 0-9 . _ : @ -");
  }
  if (key.empty() || key.find_first_of("\r\n") != std::string_view::npos) {
    return make_error(Errc::kInvalidArgument, "api_key: must be a non-empty single line");
  }
  auto sealed = seal(key, id, kApiKey);
  if (!sealed) return sealed.error();
  const std::int64_t now = clock_.now_ms();
  store::ConnectionRecord record;
  record.id = std::move(id);
  record.provider = std::move(provider);
  record.type = "api_key";
  record.status = "connected";
  record.api_key = std::move(*sealed);
  record.created_ms = now;
  record.updated_ms = now;
  auto written = store_.put(record, 0);
  if (!written) return written.error();
  if (!*written) {
    return make_error(Errc::kFailedPrecondition, "connection '" + record.id + "' already exists");
  }
  record.version = **written;
  forget(record.id);
  return record;
}

Result<PendingConnection> ConnectionService::create_pending(std::string id, std::string client) {
  if (!valid_connection_id(id)) {
    return make_error(Errc::kInvalidArgument, "id: 1 to 128 of A-Z a-z 0-9 . _ : @ -");
  }
  if (find_client(client) == nullptr) {
    return make_error(Errc::kNotFound, "no OAuth client '" + client + "' (oauth.clients)");
  }
  const std::int64_t now = clock_.now_ms();
  store::ConnectionRecord record;
  record.id = std::move(id);
  record.provider = std::move(client);
  record.type = "oauth";
  record.status = "pending";
  record.created_ms = now;
  record.updated_ms = now;
  ConnectLink link = new_connect_link(record);
  auto written = store_.put(record, 0);
  if (!written) return written.error();
  if (!*written) {
    return make_error(Errc::kFailedPrecondition, "connection '" + record.id + "' already exists");
  }
  record.version = **written;
  return PendingConnection{std::move(record), std::move(link)};
}

// ---- secrets --------------------------------------------------------------------------------

Result<std::shared_ptr<const ConnectionService::Live>> ConnectionService::load_blocking(
    const std::string& id) {
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    generation = generations_[id];
  }
  auto read = store_.get(id);
  if (!read) return read.error();
  if (!*read) return make_error(Errc::kNotFound, "no connection '" + id + "'");
  const store::ConnectionRecord& r = **read;
  auto live = std::make_shared<Live>();
  live->type = r.type;
  live->provider = r.provider;
  live->status = r.status;
  live->last_error = r.last_error;
  live->expires_at_ms = r.expires_at_ms;
  live->has_refresh = !r.refresh_token.empty();
  // When the tokens were issued: the last refresh, else (first tokens) no later than creation.
  live->issued_at_ms = r.last_refresh_ms.value_or(r.created_ms);
  live->loaded_at = std::chrono::steady_clock::now();
  if (r.status == "connected") {
    const bool oauth = r.type == "oauth";
    auto secret = open(oauth ? r.access_token : r.api_key, id, oauth ? kAccessToken : kApiKey);
    if (!secret) return secret.error();
    live->secret = std::move(*secret);
  }
  std::lock_guard lock(mu_);
  // A write since the read above (forget() bumped the generation) makes this copy stale: use it
  // for this call only.
  if (generations_[id] == generation) live_.insert_or_assign(id, live);
  return std::shared_ptr<const Live>(live);
}

asio::awaitable<Result<std::shared_ptr<const ConnectionService::Live>>> ConnectionService::load(
    const std::string& id) {
  {
    std::lock_guard lock(mu_);
    // Other processes' writes (a refresh, a disconnect) show after kLiveTtl at the latest.
    if (auto it = live_.find(id);
        it != live_.end() && std::chrono::steady_clock::now() - it->second->loaded_at < kLiveTtl) {
      co_return std::shared_ptr<const Live>(it->second);
    }
  }
  auto read = [this, id] { return load_blocking(id); };
  co_return co_await http::offload(blocking_, std::move(read));
}

asio::awaitable<Result<std::string>> ConnectionService::secret(
    const outbound::ConnectionRequest& request) {
  const std::string& id = request.connection;
  auto loaded = co_await load(id);
  if (!loaded) co_return loaded.error();
  const std::shared_ptr<const Live> live = std::move(*loaded);
  const bool wants_oauth = request.policy->type == outbound::CredentialType::kOAuth;
  if (wants_oauth && (live->type != "oauth" || live->provider != request.policy->client)) {
    co_return make_error(Errc::kFailedPrecondition, "connection '" + id +
                                                        "' is not a connection of OAuth client '" +
                                                        request.policy->client + "'");
  }
  if (!wants_oauth && (live->type != "api_key" || live->provider != request.provider)) {
    co_return make_error(
        Errc::kFailedPrecondition,
        "connection '" + id + "' is not an API-key connection of '" + request.provider + "'");
  }
  if (live->status != "connected") co_return unusable(id, live->status, live->last_error);
  const std::int64_t now = clock_.now_ms();
  const milliseconds margin =
      effective_margin(options_.refresh_margin, live->issued_at_ms, live->expires_at_ms);
  if (live->type != "oauth" || !needs_refresh(live->expires_at_ms, now, margin)) {
    co_return live->secret;
  }
  const bool expired = *live->expires_at_ms <= now;
  if (!live->has_refresh) {
    if (!expired) co_return live->secret;
    co_return make_error(
        Errc::kFailedPrecondition,
        "connection '" + id + "' has expired and holds no refresh token; connect it again");
  }
  if (!expired) {
    // A refresh failed a moment ago: keep using the valid token rather than hammering the
    // authorization server (and counting each call as another failure).
    std::lock_guard lock(mu_);
    if (auto it = backoff_until_.find(id); it != backoff_until_.end() && now < it->second) {
      co_return live->secret;
    }
  }
  Result<std::string> fresh = co_await refresh_shared(id, live->secret);
  if (!fresh && !expired) {
    // Still valid for a while: use it, and let the next call try the refresh again.
    log::warn("oauth refresh failed; using the current token until it expires",
              {{"connection", id}, {"error", fresh.error().message}});
    co_return live->secret;
  }
  co_return fresh;
}

asio::awaitable<Result<std::string>> ConnectionService::renew(
    const outbound::ConnectionRequest& request, const std::string& rejected) {
  const std::string& id = request.connection;
  auto loaded = co_await load(id);
  if (!loaded) co_return loaded.error();
  if ((*loaded)->type != "oauth") {
    co_return make_error(Errc::kFailedPrecondition,
                         "connection '" + id + "' holds an API key, which cannot be renewed");
  }
  co_return co_await refresh_shared(id, rejected);
}

asio::awaitable<Result<store::ConnectionRecord>> ConnectionService::refresh(const std::string& id) {
  const std::string force;  // no stale token: refresh whatever is stored
  Result<std::string> r = co_await refresh_shared(id, force);
  if (!r) co_return r.error();
  auto read = [this, id]() -> Result<store::ConnectionRecord> {
    auto got = store_.get(id);
    if (!got) return got.error();
    if (!*got) return make_error(Errc::kNotFound, "no connection '" + id + "'");
    return std::move(**got);
  };
  co_return co_await http::offload(blocking_, std::move(read));
}

// ---- refresh --------------------------------------------------------------------------------

asio::awaitable<Result<std::string>> ConnectionService::refresh_shared(const std::string& id,
                                                                       const std::string& stale) {
  std::shared_ptr<Flight> flight;
  bool leader = false;
  {
    std::lock_guard lock(mu_);
    auto it = flights_.find(id);
    if (it != flights_.end()) {
      flight = it->second;
    } else {
      flight = std::make_shared<Flight>();
      flights_.emplace(id, flight);
      leader = true;
    }
  }
  if (!leader) {
    refreshes_shared_.inc();
    // Named, not a temporary in the co_await (GCC 12 destroys those twice).
    auto wait = [this, flight](auto handler) {
      auto done =
          std::make_shared<decltype(to_home(std::move(handler)))>(to_home(std::move(handler)));
      std::unique_lock lock(mu_);
      if (!flight->done) {
        flight->waiters.emplace_back([done](Result<std::string> r) { (*done)(std::move(r)); });
        return;
      }
      Result<std::string> result = *flight->result;
      lock.unlock();
      (*done)(std::move(result));
    };
    co_return co_await asio::async_initiate<const asio::use_awaitable_t<>,
                                            void(Result<std::string>)>(std::move(wait),
                                                                       asio::use_awaitable);
  }
  // Whatever ends this frame (a result, an exception, the frame destroyed with its executor),
  // the flight ends with it: waiters are answered and later callers start a new refresh.
  struct FlightEnd {
    ConnectionService& service;
    const std::string& id;
    std::shared_ptr<Flight> flight;
    Result<std::string> result = make_error(Errc::kUnavailable, "the refresh was abandoned");
    ~FlightEnd() {
      std::vector<std::function<void(Result<std::string>)>> waiters;
      {
        std::lock_guard lock(service.mu_);
        service.flights_.erase(id);
        flight->done = true;
        flight->result = result;
        waiters = std::move(flight->waiters);
      }
      for (auto& waiter : waiters) waiter(result);
    }
  } end{*this, id, flight};
  try {
    end.result = co_await refresh_locked(id, stale);
  } catch (const std::exception& e) {
    end.result = make_error(Errc::kInternal, std::string("the refresh failed: ") + e.what());
  }
  {
    std::lock_guard lock(mu_);
    if (end.result || end.result.error().code != Errc::kUnavailable) {
      backoff_until_.erase(id);
    } else {
      backoff_until_[id] = clock_.now_ms() + kRefreshBackoffMs;
    }
  }
  co_return end.result;
}

asio::awaitable<Result<ConnectionService::LeaseWait>> ConnectionService::wait_for_refresh_lease(
    const std::string& id, const std::string& owner, const std::string* stale) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + options_.refresh_lock_ttl;
  for (;;) {
    Result<bool> acquired =
        lock_.try_acquire(refresh_lock_key(id), owner, options_.refresh_lock_ttl);
    if (!acquired) co_return acquired.error();
    if (*acquired) co_return LeaseWait{true, {}};
    // Another process refreshes this connection: wait for its result to reach the store.
    if (std::chrono::steady_clock::now() >= deadline) {
      co_return make_error(Errc::kUnavailable,
                           "connection '" + id + "' is being refreshed elsewhere; try again");
    }
    timer.expires_after(milliseconds(100));
    co_await timer.async_wait(asio::use_awaitable);
    if (stale == nullptr || stale->empty()) continue;
    forget(id);
    auto live = co_await load(id);
    if (live && (*live)->status == "connected" && (*live)->secret != *stale &&
        !needs_refresh((*live)->expires_at_ms, clock_.now_ms(), options_.refresh_margin)) {
      co_return LeaseWait{false, (*live)->secret};
    }
  }
}

asio::awaitable<Result<std::string>> ConnectionService::refresh_locked(const std::string& id,
                                                                       const std::string& stale) {
  const std::string key = refresh_lock_key(id);
  const std::string owner = owner_ + "-" + std::to_string(++lease_sequence_);
  Result<LeaseWait> wait = co_await wait_for_refresh_lease(id, owner, &stale);
  if (!wait) co_return wait.error();
  if (!wait->acquired) co_return std::move(wait->ready);
  Result<std::string> result = make_error(Errc::kInternal, "the refresh did not finish");
  try {
    result = co_await refresh_once(id, stale);
  } catch (const std::exception& e) {
    result = make_error(Errc::kInternal, std::string("the refresh failed: ") + e.what());
  }
  if (auto released = lock_.release(key, owner); !released) {
    log::warn("oauth refresh lock not released", {{"connection", id}});
  }
  co_return result;
}

Result<ConnectionService::Opened> ConnectionService::read_tokens(const std::string& id,
                                                                 bool strict) {
  auto got = store_.get(id);
  if (!got) return got.error();
  if (!*got) return make_error(Errc::kNotFound, "no connection '" + id + "'");
  Opened o{std::move(**got), {}, {}};
  auto access = open(o.record.access_token, id, kAccessToken);
  auto refresh = open(o.record.refresh_token, id, kRefreshToken);
  if (strict && !access) return access.error();
  if (strict && !refresh) return refresh.error();
  if (access) o.access = std::move(*access);
  if (refresh) o.refresh = std::move(*refresh);
  return o;
}

bool ConnectionService::holds_refresh_token(const store::ConnectionRecord& r,
                                            const std::string& refresh_token) const {
  auto stored = open(r.refresh_token, r.id, kRefreshToken);
  return stored && *stored == refresh_token;
}

asio::awaitable<void> ConnectionService::revoke_quietly(const Client& client,
                                                        const std::string& token,
                                                        TokenTypeHint hint) {
  auto request = revocation_request(client.config, token, hint);
  if (!request) co_return;
  outbound::HttpResult answer =
      co_await http_.async_request(std::move(*request), token_options_, asio::use_awaitable);
  if (!answer || !is_2xx(answer->status)) {
    log::warn("oauth token of a replaced grant not revoked", {{"client", client.name}});
  }
}

void ConnectionService::record_refresh_failure(const std::string& id,
                                               const std::string& used_refresh,
                                               const std::string& message, bool final) {
  refreshes_failed_.inc();
  auto counted = update(id, [&](store::ConnectionRecord& r) -> Result<void> {
    if (!holds_refresh_token(r, used_refresh)) {
      return make_error(Errc::kFailedPrecondition, "the connection holds another grant now");
    }
    ++r.refresh_failures;
    r.last_error = message;
    if (r.status == "connected" && (final || r.refresh_failures >= options_.max_refresh_failures)) {
      r.status = "error";
    }
    return {};
  });
  log::warn("oauth refresh failed",
            {{"connection", id},
             {"error", message},
             {"failures", counted ? counted->refresh_failures : -1},
             {"status", counted ? counted->status : std::string("unknown")}});
}

asio::awaitable<Result<std::string>> ConnectionService::refresh_once(const std::string& id,
                                                                     const std::string& stale) {
  // The latest row: another node may have refreshed while this one waited for the lock.
  auto read = [this, id]() -> Result<Opened> {
    auto c = read_tokens(id, /*strict=*/true);
    if (!c) return c;
    if (c->record.type != "oauth") {
      return make_error(Errc::kFailedPrecondition,
                        "connection '" + id + "' holds an API key, which cannot be refreshed");
    }
    if (c->record.status == "pending" || c->record.status == "revoked") {
      return unusable(id, c->record.status, c->record.last_error);
    }
    return c;
  };
  auto current = co_await http::offload(blocking_, std::move(read));
  if (!current) co_return current.error();
  const store::ConnectionRecord& record = current->record;
  const std::int64_t started = clock_.now_ms();
  if (!stale.empty() && record.status == "connected" && current->access != stale &&
      !needs_refresh(record.expires_at_ms, started, options_.refresh_margin)) {
    forget(id);
    co_return current->access;  // refreshed by someone else meanwhile
  }
  const Client* client = find_client(record.provider);
  if (client == nullptr) {
    co_return make_error(
        Errc::kFailedPrecondition,
        "connection '" + id + "': OAuth client '" + record.provider + "' is no longer configured");
  }
  if (current->refresh.empty()) {
    co_return make_error(Errc::kFailedPrecondition,
                         "connection '" + id + "' holds no refresh token; connect it again");
  }
  outbound::HttpRequest request = refresh_request(client->config, current->refresh);
  outbound::HttpResult answer =
      co_await http_.async_request(std::move(request), token_options_, asio::use_awaitable);
  const std::int64_t now = clock_.now_ms();
  std::string failure;
  bool final = false;
  std::optional<TokenSet> fresh;
  if (!answer) {
    failure = "refresh failed: " + client->name +
              "'s token endpoint could not be reached: " + answer.error().message;
  } else {
    TokenResult parsed =
        parse_token_response(answer->status, answer->body, now, client->config.token_types);
    if (parsed) {
      fresh = std::move(*parsed);
    } else {
      final = parsed.error().kind == TokenErrorKind::kAuthorizationServer &&
              parsed.error().error == "invalid_grant";
      failure = "refresh refused by " + client->name + ": " + parsed.error().message;
    }
  }
  if (!fresh) {
    const std::string used_refresh = current->refresh;
    auto count = [this, id, used_refresh, failure, final]() -> Result<bool> {
      record_refresh_failure(id, used_refresh, failure, final);
      return true;
    };
    co_await http::offload(blocking_, std::move(count));
    co_return make_error(final ? Errc::kFailedPrecondition : Errc::kUnavailable,
                         "connection '" + id + "': " + failure);
  }
  TokenSet before{
      .access_token = current->access,
      .token_type = "Bearer",
      .expires_at_ms = record.expires_at_ms,
      .refresh_token = current->refresh,
      .scope = record.scopes.empty() ? std::nullopt : std::optional<std::string>(record.scopes)};
  const bool rotated = fresh->refresh_token.has_value();
  TokenSet merged = merge_refreshed(before, std::move(*fresh));
  // Both tokens in one compare-and-swap write, before the new access token goes to anyone: a
  // rotated refresh token is never lost to a crash after its use.
  const std::string used = current->refresh;
  auto write = [this, id, &merged, &used, now]() -> Result<store::ConnectionRecord> {
    auto access = seal(merged.access_token, id, kAccessToken);
    if (!access) return access.error();
    auto refresh = seal(*merged.refresh_token, id, kRefreshToken);
    if (!refresh) return refresh.error();
    return update(id, [&](store::ConnectionRecord& r) -> Result<void> {
      // The row must still hold the grant just refreshed: not disconnected, not reconnected to
      // another grant meanwhile (compared in the clear: a key rotation re-encrypts envelopes).
      if (r.status == "revoked" || r.type != "oauth" || !holds_refresh_token(r, used)) {
        return make_error(Errc::kFailedPrecondition,
                          "connection '" + id +
                              "' was disconnected or reconnected during the "
                              "refresh");
      }
      r.status = "connected";
      r.access_token = *access;
      r.refresh_token = *refresh;
      r.expires_at_ms = merged.expires_at_ms;
      if (merged.scope) r.scopes = *merged.scope;
      r.last_refresh_ms = now;
      r.refresh_failures = 0;
      r.last_error.clear();
      return {};
    });
  };
  auto stored = co_await http::offload(blocking_, std::move(write));
  if (!stored && stored.error().code == Errc::kFailedPrecondition) {
    // Tokens of a grant the connection no longer holds: end them at the provider.
    co_await revoke_quietly(*client, *merged.refresh_token, TokenTypeHint::kRefreshToken);
  }
  if (!stored) {
    refreshes_failed_.inc();
    log::error("oauth refreshed tokens not stored",
               {{"connection", id}, {"error", stored.error().message}});
    co_return make_error(stored.error().code, "connection '" + id +
                                                  "': the refreshed tokens could not be stored: " +
                                                  stored.error().message);
  }
  refreshes_ok_.inc();
  log::info("oauth token refreshed",
            {{"connection", id},
             {"client", client->name},
             {"rotated_refresh_token", rotated},
             {"expires_in_s", merged.expires_at_ms ? (*merged.expires_at_ms - now) / 1000 : -1}});
  std::string token = std::move(merged.access_token);
  OPENSSL_cleanse(merged.refresh_token->data(), merged.refresh_token->size());
  co_return token;
}

// ---- disconnect -----------------------------------------------------------------------------

asio::awaitable<Result<DisconnectOutcome>> ConnectionService::disconnect(const std::string& id,
                                                                         bool force) {
  // Holds the connection's refresh lease, so that no refresh in flight (here or on another node)
  // stores a new grant after its tokens were revoked.
  const std::string key = refresh_lock_key(id);
  const std::string owner = owner_ + "-" + std::to_string(++lease_sequence_);
  Result<LeaseWait> wait = co_await wait_for_refresh_lease(id, owner, nullptr);
  if (!wait) co_return wait.error();
  Result<DisconnectOutcome> outcome = make_error(Errc::kInternal, "the disconnect did not finish");
  try {
    outcome = co_await disconnect_locked(id, force);
  } catch (const std::exception& e) {
    outcome = make_error(Errc::kInternal, std::string("the disconnect failed: ") + e.what());
  }
  if (auto released = lock_.release(key, owner); !released) {
    log::warn("oauth refresh lock not released", {{"connection", id}});
  }
  co_return outcome;
}

asio::awaitable<Result<DisconnectOutcome>> ConnectionService::disconnect_locked(
    const std::string& id, bool force) {
  // A secret that no longer opens is deleted all the same; it cannot be revoked.
  auto read = [this, id] { return read_tokens(id, /*strict=*/false); };
  auto held = co_await http::offload(blocking_, std::move(read));
  if (!held) co_return held.error();
  DisconnectOutcome outcome;
  const Client* client = find_client(held->record.provider);
  if (held->record.type != "oauth") {
    outcome.revocation_note = "an API key is not revoked at the provider; it was deleted";
  } else if (held->refresh.empty() && held->access.empty()) {
    outcome.revocation_note = "no token was held";
  } else if (client == nullptr) {
    outcome.revocation_note =
        "OAuth client '" + held->record.provider + "' is no longer configured; nothing was revoked";
  } else {
    // The refresh token first (RFC 7009 §2.1: revoking it should end the grant's access tokens
    // too); then the access token, best effort, for servers that do not.
    const bool has_refresh = !held->refresh.empty();
    auto request = revocation_request(
        client->config, has_refresh ? held->refresh : held->access,
        has_refresh ? TokenTypeHint::kRefreshToken : TokenTypeHint::kAccessToken);
    if (!request) {
      outcome.revocation_note = client->name + " has no revocation endpoint; nothing was revoked";
    } else {
      outbound::HttpResult answer =
          co_await http_.async_request(std::move(*request), token_options_, asio::use_awaitable);
      // Google answers 400 invalid_token for a token already revoked (the user removed access):
      // gone all the same.
      const bool already_invalid = answer && answer->status == 400 &&
                                   answer->body.find("invalid_token") != std::string::npos;
      if (answer && (is_2xx(answer->status) || already_invalid)) {
        outcome.revoked_at_provider = true;
        if (has_refresh && !held->access.empty()) {
          auto second =
              revocation_request(client->config, held->access, TokenTypeHint::kAccessToken);
          if (second) {
            co_await http_.async_request(std::move(*second), token_options_, asio::use_awaitable);
          }
        }
      } else {
        const std::string why =
            answer ? "HTTP " + std::to_string(answer->status) : answer.error().message;
        if (!force) {
          outcome.refused = true;
          outcome.revocation_note = "connection '" + id + "': " + client->name +
                                    " did not confirm the revocation (" + why +
                                    "); nothing was deleted (force=true deletes anyway)";
          OPENSSL_cleanse(held->access.data(), held->access.size());
          OPENSSL_cleanse(held->refresh.data(), held->refresh.size());
          outcome.record = std::move(held->record);
          co_return outcome;
        }
        outcome.revocation_note = "revocation failed (" + why + "); deleted anyway (force)";
      }
    }
  }
  OPENSSL_cleanse(held->access.data(), held->access.size());
  OPENSSL_cleanse(held->refresh.data(), held->refresh.size());
  auto write = [this, id]() {
    return update(id, [](store::ConnectionRecord& r) -> Result<void> {
      r.status = "revoked";
      r.access_token.clear();
      r.refresh_token.clear();
      r.api_key.clear();
      r.expires_at_ms.reset();
      r.refresh_failures = 0;
      r.last_error.clear();
      return {};
    });
  };
  auto stored = co_await http::offload(blocking_, std::move(write));
  if (!stored) co_return stored.error();
  forget(id);
  log::info("connection disconnected",
            {{"connection", id}, {"revoked_at_provider", outcome.revoked_at_provider}});
  outcome.record = std::move(*stored);
  co_return outcome;
}

// ---- key rotation ---------------------------------------------------------------------------

Result<RotationReport> ConnectionService::rotate_keys() {
  RotationReport report;
  auto rewrapped = vault_.rewrap();
  if (!rewrapped) return rewrapped.error();
  if (auto r = vault_.rotate_data_key(); !r) return r.error();
  report.data_keys = *rewrapped + 1;
  auto all = store_.list();
  if (!all) return all.error();
  for (const store::ConnectionRecord& listed : *all) {
    const bool stale =
        (!listed.access_token.empty() && !vault_.is_current(listed.access_token)) ||
        (!listed.refresh_token.empty() && !vault_.is_current(listed.refresh_token)) ||
        (!listed.api_key.empty() && !vault_.is_current(listed.api_key));
    if (!stale) continue;
    std::size_t moved = 0;
    auto done = update(listed.id, [&](store::ConnectionRecord& r) -> Result<void> {
      moved = 0;
      for (auto [column, envelope] :
           {std::pair{kAccessToken, &r.access_token}, std::pair{kRefreshToken, &r.refresh_token},
            std::pair{kApiKey, &r.api_key}}) {
        if (envelope->empty() || vault_.is_current(*envelope)) continue;
        auto again = vault_.reencrypt(*envelope, store::secret_context(r.id, column));
        if (!again) return again.error();
        *envelope = std::move(*again);
        ++moved;
      }
      return {};
    });
    if (!done) return done.error();
    report.reencrypted += moved;
  }
  report.master_key_id = vault_.current_master_key_id();
  report.data_key_id = vault_.current_data_key_id();
  log::info("vault keys rotated", {{"master_key_id", report.master_key_id},
                                   {"data_key_id", report.data_key_id},
                                   {"data_keys", static_cast<std::int64_t>(report.data_keys)},
                                   {"reencrypted", static_cast<std::int64_t>(report.reencrypted)}});
  return report;
}

}  // namespace wharf::oauth
