#include "store/store.h"

#include "store/sqlite/sqlite_store.h"

namespace wharf::store {

Result<std::unique_ptr<Store>> open_store(std::string_view url, const StoreOptions& options) {
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.starts_with(kSqlite)) {
    std::string path(url.substr(kSqlite.size()));
    if (path.empty()) return make_error(Errc::kInvalidArgument, "sqlite:// URL has no path");
    return sqlite::open_sqlite_store(path, options);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return make_error(Errc::kInvalidArgument,
                      "the PostgreSQL engine is not in this build yet (use sqlite://PATH)");
  }
  return make_error(Errc::kInvalidArgument,
                    "unknown storage URL scheme (expected sqlite://PATH)");
}

}  // namespace wharf::store
