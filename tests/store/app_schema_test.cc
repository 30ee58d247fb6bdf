#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "store/store.h"
#include "support/sqlite_rows.h"
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
    return wharf::testing::sqlite_column(dir_.path() / "w.db", sql, "")
        .value_or(std::vector<std::string>{});
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
