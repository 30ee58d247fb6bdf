// The SQLite engine's vault keys and connections (auth/wrapped_key_store.h,
// store/connections.h): tables `vault_keys` and `connections` of the store's database, on one
// read-write connection of their own, apart from the group-commit writer (these writes are rare
// and small; SQLite's busy timeout serialises them with the writer's transactions).
// Thread-safe: both share one mutex-guarded connection.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "auth/wrapped_key_store.h"
#include "store/connections.h"
#include "store/sqlite/sqlite_db.h"

namespace wharf::store::sqlite {

struct SharedConnection {
  std::mutex mu;
  Connection db;  // guarded by mu
};

// Opens the connection the two stores below share, to `path` (already migrated).
Result<std::unique_ptr<SharedConnection>> open_shared_connection(const std::string& path);

class SqliteVaultKeys final : public auth::WrappedKeyStore {
 public:
  explicit SqliteVaultKeys(SharedConnection& c) : c_(c) {}
  Result<std::vector<auth::WrappedKey>> list() override;
  Result<void> put(const auth::WrappedKey& key) override;

 private:
  SharedConnection& c_;
};

class SqliteConnections final : public ConnectionStore {
 public:
  explicit SqliteConnections(SharedConnection& c) : c_(c) {}
  Result<std::optional<ConnectionRecord>> get(std::string_view id) override;
  Result<std::vector<ConnectionRecord>> list() override;
  Result<std::optional<std::int64_t>> put(const ConnectionRecord& record,
                                          std::int64_t expected_version) override;
  Result<bool> remove(std::string_view id) override;

 private:
  SharedConnection& c_;
};

}  // namespace wharf::store::sqlite
