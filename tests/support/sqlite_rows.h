// Reading a test's database beside the store, as any SQLite client would: for assertions on
// what a store, handler or application wrote.
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::testing {

// The first column of every row `sql` selects from the database file `db`, as text (`null_text`
// for NULL); nullopt when the file does not open or the SQL does not compile (`*why` says why).
inline std::optional<std::vector<std::string>> sqlite_column(const std::filesystem::path& db_path,
                                                             const std::string& sql,
                                                             std::string_view null_text = "NULL",
                                                             std::string* why = nullptr) {
  std::optional<std::vector<std::string>> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK) {
      out.emplace();
      while (sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char* t = sqlite3_column_text(s, 0);
        out->emplace_back(t ? std::string(reinterpret_cast<const char*>(t))
                            : std::string(null_text));
      }
    }
    sqlite3_finalize(s);
  }
  if (!out && why) *why = db ? sqlite3_errmsg(db) : "cannot open " + db_path.string();
  sqlite3_close(db);
  return out;
}

}  // namespace wharf::testing
