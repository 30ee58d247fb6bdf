#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "store/store.h"
#include "support/test_dir.h"

namespace wharf::store {
namespace {

// Applications' own migrations (StoreOptions::app_schemas), run after the engine's.
class AppSchemaTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<Store>> open(std::vector<AppSchema> schemas) {
    StoreOptions options;
    options.app_schemas = std::move(schemas);
    return open_store(dir_.sqlite_url(), options);
  }

  // Read beside the store, as any SQLite client would: the first column of every row.
  std::vector<std::string> column(const std::string& sql) {
    std::vector<std::string> out;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2((dir_.path() / "w.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
        SQLITE_OK) {
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK) {
        while (sqlite3_step(s) == SQLITE_ROW) {
          const unsigned char* t = sqlite3_column_text(s, 0);
          out.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
        }
      }
      sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return out;
  }

  static AppSchema notes(std::vector<AppMigration> migrations) {
    return AppSchema{"notes", std::move(migrations)};
  }

  wharf::testing::TestDir dir_{"wharf-app-schema"};
};

TEST_F(AppSchemaTest, MigratesEachApplicationInOrderAndRecordsItsVersions) {
  auto s = open({notes({{1, "CREATE TABLE notes_items (id INTEGER PRIMARY KEY, body TEXT)"},
                        {2, "ALTER TABLE notes_items ADD COLUMN done INTEGER NOT NULL DEFAULT 0"}}),
                 AppSchema{"other", {{1, "CREATE TABLE other_things (id INTEGER PRIMARY KEY)"}}}});
  ASSERT_TRUE(s) << s.error().message;
  s->reset();
  EXPECT_EQ(column("SELECT name FROM pragma_table_info('notes_items') ORDER BY cid"),
            (std::vector<std::string>{"id", "body", "done"}));
  EXPECT_EQ(column("SELECT app || ':' || version FROM app_migrations ORDER BY app, version"),
            (std::vector<std::string>{"notes:1", "notes:2", "other:1"}));
  // The engine's own tables are there too: the application's numbers did not replace them.
  EXPECT_EQ(column("SELECT name FROM sqlite_master WHERE name = 'events'"),
            (std::vector<std::string>{"events"}));
}

TEST_F(AppSchemaTest, ReopeningRunsOnlyTheNewMigrations) {
  ASSERT_TRUE(open({notes({{1, "CREATE TABLE notes_items (id INTEGER PRIMARY KEY)"}})}));
  // Migration 1 again would fail (the table exists): only 2 may run.
  auto s = open({notes({{1, "CREATE TABLE notes_items (id INTEGER PRIMARY KEY)"},
                        {2, "CREATE TABLE notes_tags (id INTEGER PRIMARY KEY)"}})});
  ASSERT_TRUE(s) << s.error().message;
  s->reset();
  EXPECT_EQ(column("SELECT version FROM app_migrations WHERE app = 'notes' ORDER BY version"),
            (std::vector<std::string>{"1", "2"}));
}

TEST_F(AppSchemaTest, AFailingMigrationFailsTheOpenAndKeepsNothingOfIt) {
  auto s =
      open({notes({{1, "CREATE TABLE notes_items (id INTEGER PRIMARY KEY)"},
                   {2, "CREATE TABLE notes_tags (id INTEGER); INSERT INTO nowhere VALUES (1)"}})});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kUnavailable);
  EXPECT_NE(s.error().message.find("migration 2 of notes failed"), std::string::npos)
      << s.error().message;
  EXPECT_TRUE(column("SELECT name FROM sqlite_master WHERE name = 'notes_tags'").empty());
  EXPECT_EQ(column("SELECT version FROM app_migrations WHERE app = 'notes'"),
            (std::vector<std::string>{"1"}));
}

}  // namespace
}  // namespace wharf::store
