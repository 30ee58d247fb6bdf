#include "store/sqlite/sqlite_transaction.h"

namespace wharf::store::sqlite {
namespace {

Error step_error(sqlite3* db, int rc) {
  // Constraint violations and type mismatches are the handler's doing; the rest is storage.
  int primary = rc & 0xff;
  if (primary == SQLITE_CONSTRAINT || primary == SQLITE_MISMATCH || primary == SQLITE_RANGE) {
    return make_error(Errc::kInvalidArgument,
                      std::string("statement refused: ") + sqlite3_errmsg(db));
  }
  return make_error(Errc::kUnavailable, std::string("storage failure: ") + sqlite3_errmsg(db));
}

}  // namespace

// Handlers run inside wharf's transaction: they may read and write rows, never end or nest the
// transaction, attach databases or change pragmas. Checked when a statement is prepared.
int handler_authorizer(void*, int action, const char*, const char*, const char*, const char*) {
  switch (action) {
    case SQLITE_TRANSACTION:
    case SQLITE_SAVEPOINT:
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
    case SQLITE_PRAGMA:
      return SQLITE_DENY;
    default:
      return SQLITE_OK;
  }
}

Result<Statement*> StatementCache::get(sqlite3* db, std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end()) return &it->second;
  sqlite3_set_authorizer(db, &handler_authorizer, nullptr);
  auto prepared = Statement::prepare(db, sql);
  sqlite3_set_authorizer(db, nullptr, nullptr);
  if (!prepared) return prepared.error();
  if (cache_.size() >= kMaxSize) cache_.clear();
  return &cache_.emplace(std::string(sql), std::move(*prepared)).first->second;
}

Result<Statement*> SqliteTransaction::bound(std::string_view sql,
                                            std::initializer_list<SqlValue> params) {
  auto stmt = cache_.get(db_.get(), sql);
  if (!stmt) return stmt.error();
  Statement* s = *stmt;
  if (s->parameters() != static_cast<int>(params.size())) {
    return make_error(Errc::kInvalidArgument,
                      "statement expects " + std::to_string(s->parameters()) + " parameters, got " +
                          std::to_string(params.size()));
  }
  int i = 0;
  for (const SqlValue& v : params) {
    ++i;
    if (std::holds_alternative<std::nullptr_t>(v)) {
      s->bind_null(i);
    } else if (auto* n = std::get_if<std::int64_t>(&v)) {
      s->bind(i, *n);
    } else if (auto* d = std::get_if<double>(&v)) {
      s->bind_real(i, *d);
    } else {
      s->bind(i, std::get<std::string>(v));
    }
  }
  return s;
}

Result<std::int64_t> SqliteTransaction::execute(std::string_view sql,
                                                std::initializer_list<SqlValue> params) {
  auto s = bound(sql, params);
  if (!s) return s.error();
  int rc;
  while ((rc = (*s)->step()) == SQLITE_ROW) {
  }
  (*s)->reset();
  if (rc != SQLITE_DONE) return step_error(db_.get(), rc);
  return db_.changes();
}

Result<std::vector<SqlRow>> SqliteTransaction::query(std::string_view sql,
                                                     std::initializer_list<SqlValue> params) {
  auto s = bound(sql, params);
  if (!s) return s.error();
  Statement& st = **s;
  std::vector<SqlRow> rows;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    SqlRow row;
    row.reserve(static_cast<std::size_t>(st.columns()));
    for (int c = 0; c < st.columns(); ++c) {
      switch (st.type(c)) {
        case SQLITE_NULL:
          row.emplace_back(nullptr);
          break;
        case SQLITE_INTEGER:
          row.emplace_back(st.integer(c));
          break;
        case SQLITE_FLOAT:
          row.emplace_back(st.real(c));
          break;
        default:
          row.emplace_back(st.text(c));
      }
    }
    rows.push_back(std::move(row));
  }
  st.reset();
  if (rc != SQLITE_DONE) return step_error(db_.get(), rc);
  return rows;
}

}  // namespace wharf::store::sqlite
