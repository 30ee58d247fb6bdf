#include "store/sqlite/migrations.h"

namespace wharf::store::sqlite {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, R"sql(
CREATE TABLE events (
  seq               INTEGER PRIMARY KEY,     -- insertion order; the paging cursor
  id                TEXT    NOT NULL UNIQUE, -- public id, evt_<ULID>
  source            TEXT    NOT NULL,
  provider_event_id TEXT    NOT NULL,
  type              TEXT    NOT NULL,
  status            TEXT    NOT NULL,
  attempts          INTEGER NOT NULL DEFAULT 0,
  received_at       INTEGER NOT NULL,        -- Unix milliseconds
  content_type      TEXT    NOT NULL,
  payload           BLOB    NOT NULL
);
-- Deduplication is this unique index, inside the ingest transaction, not a check before it.
CREATE UNIQUE INDEX events_by_provider_id ON events(source, provider_event_id);
CREATE INDEX events_by_status ON events(status, seq);
)sql"},
  };
  return all;
}

}  // namespace wharf::store::sqlite
