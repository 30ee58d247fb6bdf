// Transaction (store/transaction.h) over the SQLite writer connection, for built-in handlers. The
// caller owns the transaction boundary (a savepoint around each handler call); this only runs
// statements, prepared once per distinct SQL text and cached for the writer's life. Writer thread
// only.
#pragma once

#include <string>
#include <unordered_map>

#include "store/sqlite/sqlite_db.h"
#include "store/transaction.h"

namespace wharf::store::sqlite {

// Prepared handler statements, keyed by SQL text. Bounded: cleared when it grows past kMaxSize
// (handlers use a fixed set of statements; a handler that builds SQL dynamically must not leak).
class StatementCache {
 public:
  static constexpr std::size_t kMaxSize = 512;
  Result<Statement*> get(sqlite3* db, std::string_view sql);

 private:
  std::unordered_map<std::string, Statement> cache_;
};

class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(Connection& db, StatementCache& cache) : db_(db), cache_(cache) {}

  Result<std::int64_t> execute(std::string_view sql,
                               std::initializer_list<SqlValue> params) override;
  Result<std::vector<SqlRow>> query(std::string_view sql,
                                    std::initializer_list<SqlValue> params) override;

 private:
  Result<Statement*> bound(std::string_view sql, std::initializer_list<SqlValue> params);

  Connection& db_;
  StatementCache& cache_;
};

}  // namespace wharf::store::sqlite
