// Connections: the third-party accounts wharf acts for (SPEC §2.3). An OAuth connection holds a
// grant's tokens; an API-key connection holds a key a user added at runtime. Secrets are kept as
// vault envelopes (auth/vault.h) that the store neither opens nor inspects: the plaintext never
// reaches the database.
//
// ConnectionStore is part of the Store (Store::connections()); the SQLite engine keeps it in the
// same database file. Every method blocks: call it off the I/O threads. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace wharf::store {

struct ConnectionRecord {
  std::string id;        // chosen by the application: 1-128 of [A-Za-z0-9._:@-]
  std::string provider;  // oauth: the OAuth client's name; api_key: the provider's name
  std::string type;      // "oauth" | "api_key"
  // pending (authorization under way) | connected | revoked (disconnected; no credentials left)
  // | error (refresh failed for good; last_error says why). "expired" is derived when read.
  std::string status;
  std::string scopes;                           // as granted, space-separated
  std::optional<std::int64_t> expires_at_ms;    // the access token's expiry, when known
  std::optional<std::int64_t> last_refresh_ms;  // the last successful refresh
  std::string last_error;                       // never a secret
  int refresh_failures = 0;                     // consecutive failed refreshes
  // Vault envelopes (empty: none). Each is sealed for "connections/<id>/<column>".
  std::string access_token;
  std::string refresh_token;
  std::string api_key;
  // The connect link's token (oauth/connection_service.h), as SHA-256 hex, and its expiry:
  // needed to connect an existing connection again. Empty: none issued.
  std::string connect_token_hash;
  std::optional<std::int64_t> connect_token_expires_ms;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::int64_t version = 0;  // 1 on insert, +1 on every write (put's compare-and-swap)
};

class ConnectionStore {
 public:
  virtual ~ConnectionStore() = default;

  virtual Result<std::optional<ConnectionRecord>> get(std::string_view id) = 0;
  // Every connection, ordered by id.
  virtual Result<std::vector<ConnectionRecord>> list() = 0;
  // Writes `record` if the stored row is still at `expected_version` (0: there must be no row
  // with that id) and returns the row's new version; nullopt when the row changed meanwhile (or
  // exists, for an insert). Every column is written in one statement, so a rotated refresh token
  // and its access token are stored together or not at all. record.version is ignored.
  virtual Result<std::optional<std::int64_t>> put(const ConnectionRecord& record,
                                                  std::int64_t expected_version) = 0;
  // Deletes the row; false when there was none.
  virtual Result<bool> remove(std::string_view id) = 0;
};

// Connections in memory, for tests and tools that have no database. Thread-safe.
class InMemoryConnectionStore final : public ConnectionStore {
 public:
  Result<std::optional<ConnectionRecord>> get(std::string_view id) override;
  Result<std::vector<ConnectionRecord>> list() override;
  Result<std::optional<std::int64_t>> put(const ConnectionRecord& record,
                                          std::int64_t expected_version) override;
  Result<bool> remove(std::string_view id) override;

 private:
  std::mutex mu_;
  std::map<std::string, ConnectionRecord, std::less<>> rows_;  // guarded by mu_
};

// The row context a connection's secret is sealed for: "connections/<id>/<column>".
std::string secret_context(std::string_view connection_id, std::string_view column);

}  // namespace wharf::store
