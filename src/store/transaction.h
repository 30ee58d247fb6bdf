// The transaction a built-in handler receives (dispatch/handler.h): SQL run inside the same
// transaction that records the delivery's outcome, so a handler's effects and its event's new
// state commit together or not at all. Placeholders are ?1, ?2, ... in the engine's SQL dialect
// (SQLite now; the PostgreSQL engine will translate them). Valid only during the handler call, on
// the thread that made it; not thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"

namespace wharf::store {

using SqlValue = std::variant<std::nullptr_t, std::int64_t, double, std::string>;
using SqlRow = std::vector<SqlValue>;

class Transaction {
 public:
  virtual ~Transaction() = default;

  // Runs a statement that returns no rows; the number of rows it changed. kInvalidArgument for
  // SQL that does not compile, a violated constraint or a wrong parameter count; kUnavailable for
  // a storage failure. An error leaves the handler's earlier statements in place: return it from
  // the handler and they are all rolled back.
  virtual Result<std::int64_t> execute(std::string_view sql,
                                       std::initializer_list<SqlValue> params = {}) = 0;
  // Runs a query; every row, each column as null, integer, real or text (blobs come as text).
  virtual Result<std::vector<SqlRow>> query(std::string_view sql,
                                            std::initializer_list<SqlValue> params = {}) = 0;
};

}  // namespace wharf::store
