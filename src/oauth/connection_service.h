// Connections (SPEC §2.3): the accounts wharf acts for, their secrets kept in the vault, and the
// OAuth 2.0 life of each grant:
//   authorize   authorization_redirect(): a PKCE verifier and a single-use state bound to the
//               connection, and the authorization URL (GET /connect/{client});
//   callback    complete_authorization(): the state consumed, the code exchanged with the exact
//               redirect URI and the verifier, the tokens sealed and stored (GET /oauth/callback);
//   use         secret(): the access token, refreshed first when it expires within the margin;
//   refresh     one refresh in flight per connection: in this process callers share one refresh
//               (single-flight), and across processes a LeaseLock keyed by the connection lets
//               one node refresh while the others wait and then read its result. A rotated
//               refresh token is stored with its access token in one compare-and-swap write
//               before the new access token is handed to anyone;
//   401         renew(): a refresh unless the stored token already differs from the one refused;
//   failures    invalid_grant puts the connection in `error` at once; other failures count, and
//               max_refresh_failures in a row put it in `error` (a forced refresh may revive it);
//   disconnect  disconnect(): the refresh token revoked (RFC 7009; 200 for an already invalid
//               token is success), the credentials deleted, the row kept as `revoked`.
// API-key connections hold one key each, for the provider they name.
//
// Blocking store and vault work runs on the `blocking` executor; token requests on the service's
// own HttpClient. Secrets appear in no message, log line or metric. Thread-safe.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/vault.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/lease_lock.h"
#include "oauth/oauth_client.h"
#include "oauth/state.h"
#include "outbound/credentials.h"
#include "outbound/http_client.h"
#include "store/connections.h"

namespace wharf::observe {
class Counter;
class Registry;
}  // namespace wharf::observe

namespace wharf::oauth {

// One configured OAuth client: `name` is the {client} of /connect/{client}.
struct Client {
  std::string name;
  ClientConfig config;  // valid (oauth_client.h validate)
};

struct ConnectionServiceOptions {
  std::chrono::milliseconds refresh_margin = kDefaultRefreshMargin;
  int max_refresh_failures = 3;
  // How long a refresh may hold the connection's lock, and how long another caller waits.
  std::chrono::milliseconds refresh_lock_ttl = std::chrono::seconds(30);
  std::chrono::milliseconds token_timeout = std::chrono::seconds(10);  // each token request
  // Connect links (/connect with connect_token): how long one is valid, and whether /connect
  // needs one even for a connection id not seen before.
  std::chrono::milliseconds connect_token_ttl = std::chrono::hours(24);
  bool require_connect_token = false;
  const Clock* clock = &SystemClock::instance();
  outbound::ClientOptions http;  // ca_file, for the authorization servers
};

// True when `id` may name a connection: 1 to 128 of A-Z a-z 0-9 . _ : @ -
bool valid_connection_id(std::string_view id);

// The status the API shows: the stored one, except "expired" for a connected OAuth connection
// whose access token has expired at `now_ms` and that has no refresh token to renew it.
std::string shown_status(const store::ConnectionRecord& record, std::int64_t now_ms);

// Why the callback failed: the error (a message safe to show the user), the HTTP status to
// answer, and the authorization server's error code when it refused (RFC 6749 §4.1.2.1, §5.2).
struct CallbackFailure {
  Error error;
  int http_status = 400;
  std::string authorization_error;
};
using CallbackResult = boost::system::result<store::ConnectionRecord, CallbackFailure>;
[[noreturn]] void throw_exception_from_error(const CallbackFailure& e,
                                             const boost::source_location& loc);

struct CallbackParams {
  std::string state;
  std::string code;
  std::string error;  // the authorization server's error and description, when it refused
  std::string error_description;
};

struct DisconnectOutcome {
  store::ConnectionRecord record;  // as stored afterwards (revoked, no credentials)
  // The provider did not confirm the revocation and `force` was not set: nothing changed
  // (record is the row as it was; revocation_note says why).
  bool refused = false;
  bool revoked_at_provider = false;
  std::string revocation_note;  // why not, when not (no endpoint, forced past a failure)
};

// A link that lets a user connect (or connect again) one connection: /connect/{client}?
// connection_id=ID&connect_token=TOKEN. The token is shown once; the store keeps its SHA-256.
struct ConnectLink {
  std::string url;  // a path, relative to the gateway
  std::int64_t expires_at_ms = 0;
};

struct PendingConnection {
  store::ConnectionRecord record;
  ConnectLink link;
};

struct RotationReport {
  std::string master_key_id;
  std::string data_key_id;
  std::size_t data_keys = 0;    // stored data keys, all now wrapped under master_key_id
  std::size_t reencrypted = 0;  // secrets moved to data_key_id
};

class ConnectionService final : public outbound::ConnectionCredentials {
 public:
  // Every reference must outlive the service. `io` runs the token requests' HttpClient;
  // `blocking` runs store and vault work.
  ConnectionService(std::vector<Client> clients, store::ConnectionStore& store, auth::Vault& vault,
                    StateStore& states, LeaseLock& lock, boost::asio::any_io_executor io,
                    boost::asio::any_io_executor blocking, observe::Registry& metrics,
                    ConnectionServiceOptions options = {});
  ~ConnectionService() override;

  const Client* find_client(std::string_view name) const;

  // GET /connect/{client}?connection_id=&connect_token=: the URL to redirect the user to. A
  // connection id that exists (whatever its status) needs its connect link's token, so nobody
  // can put their account in place of someone else's connection; a new id needs none unless
  // require_connect_token. kNotFound for an unknown client; kInvalidArgument for a malformed
  // id; kUnauthenticated for a missing, wrong or expired token; kFailedPrecondition when the
  // id is another client's or an API-key connection; kUnavailable when too many authorizations
  // are in progress. Blocking (reads the store).
  Result<std::string> authorization_redirect(std::string_view client,
                                             std::string_view connection_id,
                                             std::string_view connect_token);

  // A new connect link for OAuth connection `id` (replacing any earlier one). Blocking.
  Result<ConnectLink> issue_connect_link(const std::string& id);

  // GET /oauth/callback.
  // Coroutine parameters are references (see outbound/credentials.h): keep them alive across
  // the co_await.
  boost::asio::awaitable<CallbackResult> complete_authorization(const CallbackParams& params);

  // An API-key connection `id` of `provider` holding `key` (sealed). kFailedPrecondition when
  // the id exists. Blocking.
  Result<store::ConnectionRecord> create_api_key(std::string id, std::string provider,
                                                 std::string_view key);

  // A `pending` OAuth connection `id` of `client`, for an application to hand its user the
  // /connect link. kNotFound for an unknown client, kFailedPrecondition when the id exists.
  // Blocking.
  Result<PendingConnection> create_pending(std::string id, std::string client);

  // Blocking reads.
  Result<std::vector<store::ConnectionRecord>> list();
  Result<std::optional<store::ConnectionRecord>> get(std::string_view id);

  // One refresh now (shared with any refresh in flight), also for a connection in `error`.
  boost::asio::awaitable<Result<store::ConnectionRecord>> refresh(const std::string& id);

  // DELETE /api/v1/connections/{id}, holding the connection's refresh lease. When the revocation
  // fails (the server unreachable or refusing) nothing changes (`refused`), unless `force`.
  boost::asio::awaitable<Result<DisconnectOutcome>> disconnect(const std::string& id, bool force);

  // Rewraps every data key under the vault's current master key, makes a new data key, and
  // re-encrypts every stored secret under it (each row by compare-and-swap, so a refresh
  // running meanwhile is never overwritten). Blocking; may run while the gateway serves.
  Result<RotationReport> rotate_keys();

  // outbound::ConnectionCredentials.
  boost::asio::awaitable<Result<std::string>> secret(
      const outbound::ConnectionRequest& request) override;
  boost::asio::awaitable<Result<std::string>> renew(const outbound::ConnectionRequest& request,
                                                    const std::string& rejected) override;

  // Aborts token requests in flight.
  void close();

 private:
  struct Live;     // a connection's secret in memory
  struct Opened {  // a row with its OAuth tokens opened
    store::ConnectionRecord record;
    std::string access;
    std::string refresh;
  };
  struct Flight;  // a refresh in progress and its waiters

  // The live secret of `id`, from memory or the store.
  boost::asio::awaitable<Result<std::shared_ptr<const Live>>> load(const std::string& id);
  Result<std::shared_ptr<const Live>> load_blocking(const std::string& id);
  // A refresh shared by every caller for `id` (single-flight); `stale` is the access token the
  // caller found wanting ("" to force a refresh).
  boost::asio::awaitable<Result<std::string>> refresh_shared(const std::string& id,
                                                             const std::string& stale);
  // Waits until `owner` holds the refresh lease of `id` (polling, up to refresh_lock_ttl). With
  // `stale` set, each wait also reads the store, and a token another node stored that replaced
  // *stale ends the wait without the lease (`acquired` false, `ready` that token).
  struct LeaseWait {
    bool acquired = false;
    std::string ready;
  };
  boost::asio::awaitable<Result<LeaseWait>> wait_for_refresh_lease(const std::string& id,
                                                                   const std::string& owner,
                                                                   const std::string* stale);
  boost::asio::awaitable<Result<DisconnectOutcome>> disconnect_locked(const std::string& id,
                                                                      bool force);
  boost::asio::awaitable<Result<std::string>> refresh_locked(const std::string& id,
                                                             const std::string& stale);
  boost::asio::awaitable<Result<std::string>> refresh_once(const std::string& id,
                                                           const std::string& stale);
  // The row `id` with its tokens opened (empty when it has none). `strict`: a token that does
  // not open is an error; otherwise it is left empty. Blocking.
  Result<Opened> read_tokens(const std::string& id, bool strict);
  // Counts a failed refresh of the grant whose refresh token is `used_refresh` (nothing when the
  // row holds another grant by now). Blocking.
  void record_refresh_failure(const std::string& id, const std::string& used_refresh,
                              const std::string& message, bool final);
  // True when `r`'s refresh token opens to `refresh_token`. Blocking (the vault may read keys).
  bool holds_refresh_token(const store::ConnectionRecord& r,
                           const std::string& refresh_token) const;
  // Revokes `token` at `client`'s revocation endpoint, best effort (a warning when it fails).
  boost::asio::awaitable<void> revoke_quietly(const Client& client, const std::string& token,
                                              TokenTypeHint hint);
  // Writes `change` applied to the latest row, retrying when a concurrent write won the
  // compare-and-swap. kNotFound when the row is gone.
  Result<store::ConnectionRecord> update(
      const std::string& id, const std::function<Result<void>(store::ConnectionRecord&)>& change);
  Result<std::string> seal(std::string_view plaintext, const std::string& id,
                           std::string_view column) const;
  Result<std::string> open(std::string_view envelope, const std::string& id,
                           std::string_view column) const;
  void forget(const std::string& id);
  static outbound::RequestOptions token_request_options(std::chrono::milliseconds timeout);
  // A fresh token for `record`'s connect link, set on the record (hash and expiry).
  ConnectLink new_connect_link(store::ConnectionRecord& record) const;
  static std::string refresh_lock_key(const std::string& id) { return "oauth-refresh:" + id; }

  const std::vector<Client> clients_;
  store::ConnectionStore& store_;
  auth::Vault& vault_;
  StateStore& states_;
  LeaseLock& lock_;
  boost::asio::any_io_executor blocking_;
  const ConnectionServiceOptions options_;
  const Clock& clock_;
  outbound::HttpClient http_;
  // Named, not made in each co_await (GCC 12 destroys such temporaries twice).
  const outbound::RequestOptions token_options_;
  const std::string owner_;  // this process's lease owner token
  observe::Counter& refreshes_ok_;
  observe::Counter& refreshes_failed_;
  observe::Counter& refreshes_shared_;

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Live>, std::less<>> live_;  // guarded by mu_
  std::map<std::string, std::shared_ptr<Flight>, std::less<>> flights_;   // guarded by mu_
  // Bumped by every forget(): a load that raced a write does not cache what it read.
  std::map<std::string, std::uint64_t, std::less<>> generations_;  // guarded by mu_
  // Until when callers keep a valid token instead of retrying a refresh that just failed.
  std::map<std::string, std::int64_t, std::less<>> backoff_until_;  // guarded by mu_
  std::atomic<std::uint64_t> lease_sequence_{0};  // one owner token per lease acquisition
};

}  // namespace wharf::oauth
