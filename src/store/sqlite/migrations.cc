#include "store/sqlite/migrations.h"

namespace wharf::store::sqlite {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, R"sql(
-- The primary key is the event id (core/ids.h: receipt time in ms << 20 | counter), so it
-- orders events, serves as the paging cursor, and needs no index of its own.
CREATE TABLE events (
  id                INTEGER PRIMARY KEY,
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
)sql"},
      {2, R"sql(
-- A signed nonce (Mailgun's token) may authenticate one event only. Partial: the other schemes
-- leave it NULL and pay nothing for it.
ALTER TABLE events ADD COLUMN replay_nonce TEXT;
CREATE UNIQUE INDEX events_by_replay_nonce ON events(source, replay_nonce)
  WHERE replay_nonce IS NOT NULL;
)sql"},
  };
  return all;
}

}  // namespace wharf::store::sqlite
