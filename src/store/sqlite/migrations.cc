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
      {3, R"sql(
-- One row per (event, target): the delivery queue. While a delivery waits (pending, failed) its
-- next_attempt_at is when it is due; while it is leased (processing) it is when the lease
-- expires, so an expired lease is simply due again. Done and dead rows leave the due index.
CREATE TABLE deliveries (
  id              INTEGER PRIMARY KEY,
  event_id        INTEGER NOT NULL REFERENCES events(id),
  target          TEXT    NOT NULL,        -- handler:NAME | forward:NAME
  status          TEXT    NOT NULL,        -- pending | processing | done | failed | dead
  attempts        INTEGER NOT NULL DEFAULT 0,   -- in the current series
  series          INTEGER NOT NULL DEFAULT 1,   -- 1 + replays
  lease           INTEGER NOT NULL DEFAULT 0,   -- bumped by every claim and replay
  next_attempt_at INTEGER NOT NULL,        -- Unix ms
  last_error      TEXT,
  last_status     INTEGER,
  updated_at      INTEGER NOT NULL,
  done_at         INTEGER
);
CREATE UNIQUE INDEX deliveries_by_event ON deliveries(event_id, target);
-- (NOT IN of the two final states, not IN of the three active ones: SQLite checks a three-value
-- IN with a temporary b-tree on every write of the table.)
CREATE INDEX deliveries_due ON deliveries(target, next_attempt_at)
  WHERE status NOT IN ('done', 'dead');
CREATE INDEX deliveries_dead ON deliveries(target) WHERE status = 'dead';

-- Every attempt ever made, kept for the event's history.
CREATE TABLE attempts (
  id          INTEGER PRIMARY KEY,
  event_id    INTEGER NOT NULL,
  target      TEXT    NOT NULL,
  series      INTEGER NOT NULL,
  number      INTEGER NOT NULL,            -- 1-based within the series
  at          INTEGER NOT NULL,            -- Unix ms when the attempt started
  duration_ms INTEGER NOT NULL,
  outcome     TEXT    NOT NULL,
  status_code INTEGER,
  error       TEXT
);
CREATE INDEX attempts_by_event ON attempts(event_id);

-- Targets switched off (a destination answered 410 Gone) until an operator enables them again.
CREATE TABLE disabled_targets (
  target      TEXT PRIMARY KEY,
  disabled_at INTEGER NOT NULL,
  reason      TEXT NOT NULL
);

-- The ordering helper (dispatch/ordering.h): the newest event applied to each object.
CREATE TABLE object_versions (
  object_key TEXT PRIMARY KEY,
  event_time INTEGER NOT NULL,
  event_id   TEXT    NOT NULL
);
)sql"},
      {4, R"sql(
-- The vault's data keys, each wrapped under a master key (auth/key_ring.h): no secret in the clear.
CREATE TABLE vault_keys (
  id            TEXT    PRIMARY KEY,     -- "dk" + 16 hex
  generation    INTEGER NOT NULL,        -- the highest is the current data key
  master_key_id TEXT    NOT NULL,
  wrapped       BLOB    NOT NULL
);

-- Third-party accounts wharf acts for (store/connections.h). The secret columns hold vault
-- envelopes ("v1:<data key id>:<base64url>") sealed for "connections/<id>/<column>", never
-- plaintext; NULL when the connection has no such secret.
CREATE TABLE connections (
  id               TEXT    PRIMARY KEY,
  provider         TEXT    NOT NULL,
  type             TEXT    NOT NULL,     -- oauth | api_key
  status           TEXT    NOT NULL,     -- pending | connected | revoked | error
  scopes           TEXT    NOT NULL DEFAULT '',
  expires_at       INTEGER,              -- Unix ms
  last_refresh_at  INTEGER,
  last_error       TEXT    NOT NULL DEFAULT '',
  refresh_failures INTEGER NOT NULL DEFAULT 0,
  access_token     TEXT,
  refresh_token    TEXT,
  api_key          TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  version          INTEGER NOT NULL      -- compare-and-swap of every write
);
)sql"},
      {5, R"sql(
-- The connect link of a connection (SHA-256 of its token, never the token) and its expiry.
ALTER TABLE connections ADD COLUMN connect_token_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN connect_token_expires_at INTEGER;
)sql"},
  };
  return all;
}

}  // namespace wharf::store::sqlite
