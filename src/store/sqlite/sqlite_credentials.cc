#include "store/sqlite/sqlite_credentials.h"

namespace wharf::store::sqlite {

namespace {

constexpr const char* kConnectionColumns =
    "id, provider, type, status, scopes, expires_at, last_refresh_at, last_error, "
    "refresh_failures, access_token, refresh_token, api_key, created_at, updated_at, version, "
    "connect_token_hash, connect_token_expires_at";

Error storage_error(SharedConnection& c, std::string_view what) {
  return make_error(Errc::kUnavailable, std::string(what) + ": " + c.db.last_error());
}

std::optional<std::int64_t> optional_integer(const Statement& s, int col) {
  if (s.type(col) == SQLITE_NULL) return std::nullopt;
  return s.integer(col);
}

ConnectionRecord read_connection(const Statement& s) {
  ConnectionRecord r;
  r.id = s.text(0);
  r.provider = s.text(1);
  r.type = s.text(2);
  r.status = s.text(3);
  r.scopes = s.text(4);
  r.expires_at_ms = optional_integer(s, 5);
  r.last_refresh_ms = optional_integer(s, 6);
  r.last_error = s.text(7);
  r.refresh_failures = static_cast<int>(s.integer(8));
  r.access_token = s.text(9);
  r.refresh_token = s.text(10);
  r.api_key = s.text(11);
  r.created_ms = s.integer(12);
  r.updated_ms = s.integer(13);
  r.version = s.integer(14);
  r.connect_token_hash = s.text(15);
  r.connect_token_expires_ms = optional_integer(s, 16);
  return r;
}

void bind_optional(Statement& s, int index, const std::optional<std::int64_t>& v) {
  if (v) {
    s.bind(index, *v);
  } else {
    s.bind_null(index);
  }
}

// An empty envelope is stored as NULL: "no such secret".
void bind_secret(Statement& s, int index, const std::string& envelope) {
  if (envelope.empty()) {
    s.bind_null(index);
  } else {
    s.bind(index, envelope);
  }
}

}  // namespace

Result<std::unique_ptr<SharedConnection>> open_shared_connection(const std::string& path) {
  auto db = Connection::open(path, SQLITE_OPEN_READWRITE);
  if (!db) return db.error();
  auto shared = std::make_unique<SharedConnection>();
  shared->db = std::move(*db);
  return shared;
}

Result<std::vector<auth::WrappedKey>> SqliteVaultKeys::list() {
  std::lock_guard lock(c_.mu);
  Statement s(c_.db.get(), "SELECT id, generation, master_key_id, wrapped FROM vault_keys");
  std::vector<auth::WrappedKey> keys;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    keys.push_back(auth::WrappedKey{s.text(0), static_cast<std::uint64_t>(s.integer(1)), s.text(2),
                                    s.text(3)});
  }
  if (rc != SQLITE_DONE) return storage_error(c_, "cannot read the vault's keys");
  return keys;
}

Result<void> SqliteVaultKeys::put(const auth::WrappedKey& key) {
  std::lock_guard lock(c_.mu);
  Statement s(c_.db.get(),
              "INSERT INTO vault_keys(id, generation, master_key_id, wrapped) VALUES (?1, ?2, ?3, "
              "?4) ON CONFLICT(id) DO UPDATE SET generation = excluded.generation, "
              "master_key_id = excluded.master_key_id, wrapped = excluded.wrapped");
  s.bind(1, key.id)
      .bind(2, static_cast<std::int64_t>(key.generation))
      .bind(3, key.master_key_id)
      .bind_blob(4, key.wrapped);
  if (s.step() != SQLITE_DONE) return storage_error(c_, "cannot store a vault key");
  return {};
}

Result<std::optional<ConnectionRecord>> SqliteConnections::get(std::string_view id) {
  std::lock_guard lock(c_.mu);
  Statement s(c_.db.get(),
              std::string("SELECT ") + kConnectionColumns + " FROM connections WHERE id = ?1");
  s.bind(1, id);
  const int rc = s.step();
  if (rc == SQLITE_ROW) return std::optional<ConnectionRecord>(read_connection(s));
  if (rc != SQLITE_DONE) return storage_error(c_, "cannot read a connection");
  return std::optional<ConnectionRecord>();
}

Result<std::vector<ConnectionRecord>> SqliteConnections::list() {
  std::lock_guard lock(c_.mu);
  Statement s(c_.db.get(),
              std::string("SELECT ") + kConnectionColumns + " FROM connections ORDER BY id");
  std::vector<ConnectionRecord> all;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) all.push_back(read_connection(s));
  if (rc != SQLITE_DONE) return storage_error(c_, "cannot list connections");
  return all;
}

Result<std::optional<std::int64_t>> SqliteConnections::put(const ConnectionRecord& r,
                                                           std::int64_t expected_version) {
  std::lock_guard lock(c_.mu);
  Statement s;
  if (expected_version == 0) {
    s = Statement(c_.db.get(),
                  "INSERT INTO connections(id, provider, type, status, scopes, expires_at, "
                  "last_refresh_at, last_error, refresh_failures, access_token, refresh_token, "
                  "api_key, created_at, updated_at, version, connect_token_hash, "
                  "connect_token_expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                  "?11, ?12, ?13, ?14, 1, ?16, ?17) ON CONFLICT(id) DO NOTHING");
  } else {
    s = Statement(c_.db.get(),
                  "UPDATE connections SET provider = ?2, type = ?3, status = ?4, scopes = ?5, "
                  "expires_at = ?6, last_refresh_at = ?7, last_error = ?8, refresh_failures = ?9, "
                  "access_token = ?10, refresh_token = ?11, api_key = ?12, created_at = ?13, "
                  "updated_at = ?14, connect_token_hash = ?16, connect_token_expires_at = ?17, "
                  "version = version + 1 WHERE id = ?1 AND version = ?15");
    s.bind(15, expected_version);
  }
  s.bind(1, r.id).bind(2, r.provider).bind(3, r.type).bind(4, r.status).bind(5, r.scopes);
  bind_optional(s, 6, r.expires_at_ms);
  bind_optional(s, 7, r.last_refresh_ms);
  s.bind(8, r.last_error).bind(9, static_cast<std::int64_t>(r.refresh_failures));
  bind_secret(s, 10, r.access_token);
  bind_secret(s, 11, r.refresh_token);
  bind_secret(s, 12, r.api_key);
  s.bind(13, r.created_ms).bind(14, r.updated_ms).bind(16, r.connect_token_hash);
  bind_optional(s, 17, r.connect_token_expires_ms);
  if (s.step() != SQLITE_DONE) return storage_error(c_, "cannot store a connection");
  if (c_.db.changes() == 0) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(expected_version + 1);
}

Result<bool> SqliteConnections::remove(std::string_view id) {
  std::lock_guard lock(c_.mu);
  Statement s(c_.db.get(), "DELETE FROM connections WHERE id = ?1");
  s.bind(1, id);
  if (s.step() != SQLITE_DONE) return storage_error(c_, "cannot delete a connection");
  return c_.db.changes() > 0;
}

}  // namespace wharf::store::sqlite
