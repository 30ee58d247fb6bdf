#include "store/store.h"

#include <filesystem>

#include "store/sqlite/sqlite_store.h"

namespace wharf::store {

Result<std::unique_ptr<Store>> open_store(std::string_view url, const StoreOptions& options) {
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.starts_with(kSqlite)) {
    std::string path(url.substr(kSqlite.size()));
    if (path.empty()) return make_error(Errc::kInvalidArgument, "sqlite:// URL has no path");
    // Create the database's directory (e.g. ./var) so a fresh checkout just runs; a failure
    // here surfaces as the open error below.
    std::error_code ec;
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    return sqlite::open_sqlite_store(path, options);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return make_error(Errc::kInvalidArgument,
                      "the PostgreSQL engine is not in this build yet (use sqlite://PATH)");
  }
  return make_error(Errc::kInvalidArgument, "unknown storage URL scheme (expected sqlite://PATH)");
}

}  // namespace wharf::store
