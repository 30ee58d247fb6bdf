// Thin RAII wrappers over the SQLite C API (connections and prepared statements), so the engine
// reads as SQL and binding rather than as resource handling. Not thread-safe: one owner each.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace wharf::store::sqlite {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, std::string_view sql);  // throws std::runtime_error on bad SQL (a bug)
  // For SQL that is input rather than code (a handler's): kInvalidArgument with SQLite's reason.
  static Result<Statement> prepare(sqlite3* db, std::string_view sql);
  Statement(Statement&& o) noexcept : stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept;
  ~Statement();

  Statement& bind(int index, std::string_view text);  // 1-based, copied
  Statement& bind_blob(int index, std::string_view bytes);
  // Not copied: `bytes` must stay alive and unchanged until reset().
  Statement& bind_blob_static(int index, std::string_view bytes);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);
  Statement& bind_real(int index, double value);
  // SQLITE_ROW, SQLITE_DONE, or an error code.
  int step();
  void reset();  // also clears bindings

  std::string text(int col) const;
  std::int64_t integer(int col) const;
  double real(int col) const;
  // SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB or SQLITE_NULL.
  int type(int col) const;
  int columns() const;
  // Parameters the statement expects (the largest ?N).
  int parameters() const;
  bool valid() const { return stmt_ != nullptr; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class Connection {
 public:
  // Opens `path` with `flags` (SQLITE_OPEN_*). Error kUnavailable with SQLite's reason.
  static Result<Connection> open(const std::string& path, int flags);
  Connection() = default;
  Connection(Connection&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Connection& operator=(Connection&& o) noexcept;
  ~Connection();

  // Runs SQL without results; SQLite's error code (SQLITE_OK on success).
  int exec(std::string_view sql);
  std::int64_t changes() const { return sqlite3_changes64(db_); }
  std::string last_error() const { return sqlite3_errmsg(db_); }
  sqlite3* get() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

}  // namespace wharf::store::sqlite
