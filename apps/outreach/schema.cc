#include "outreach/schema.h"

namespace wharf::outreach {

store::AppSchema schema() {
  store::AppSchema s;
  s.app = "outreach";
  s.migrations.push_back({1, R"sql(
-- Times are Unix milliseconds. Every table is prefixed, beside the engine's in one database.
CREATE TABLE outreach_users (
  id                 TEXT    PRIMARY KEY,
  email              TEXT    NOT NULL UNIQUE,
  subscription_tier  TEXT    NOT NULL DEFAULT 'free' CHECK (subscription_tier IN ('free', 'pro', 'teams')),
  credits_remaining  INTEGER NOT NULL DEFAULT 0,
  stripe_customer_id TEXT    UNIQUE,
  subscription_id    TEXT,                     -- the Stripe subscription the tier comes from
  payment_status     TEXT    NOT NULL DEFAULT 'ok' CHECK (payment_status IN ('ok', 'past_due')),
  last_payment_at    INTEGER,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);

CREATE TABLE outreach_applications (
  id           TEXT    PRIMARY KEY,
  user_id      TEXT    NOT NULL REFERENCES outreach_users(id),
  job_title    TEXT    NOT NULL,
  company      TEXT    NOT NULL,
  status       TEXT    NOT NULL DEFAULT 'applied',   -- applied | interviewing | offer | rejected | ...
  reply_status TEXT    NOT NULL DEFAULT 'none',      -- none | replied
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX outreach_applications_by_user ON outreach_applications(user_id);

CREATE TABLE outreach_contacts (
  id                TEXT    PRIMARY KEY,
  first_name        TEXT    NOT NULL DEFAULT '',
  last_name         TEXT    NOT NULL DEFAULT '',
  title             TEXT    NOT NULL DEFAULT '',
  email             TEXT    NOT NULL,              -- lower case
  domain            TEXT    NOT NULL DEFAULT '',
  bounce_count      INTEGER NOT NULL DEFAULT 0,    -- outreach to this contact that bounced
  spam_reports      INTEGER NOT NULL DEFAULT 0,
  opted_out         INTEGER NOT NULL DEFAULT 0,    -- the person said stop (a spam report)
  suppressed        INTEGER NOT NULL DEFAULT 0,    -- we stopped: 3 bounces
  last_contacted_at INTEGER,
  verified          INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX outreach_contacts_by_email ON outreach_contacts(email);

CREATE TABLE outreach_mailboxes (
  id               TEXT    PRIMARY KEY,
  address          TEXT    NOT NULL UNIQUE,        -- lower case
  bounces_7d       INTEGER NOT NULL DEFAULT 0,     -- as of the last incident (outreach_mailbox_incidents)
  spam_reports_7d  INTEGER NOT NULL DEFAULT 0,
  health           INTEGER NOT NULL DEFAULT 100,   -- 0..100, docs/outreach.md
  updated_at       INTEGER NOT NULL
);
-- What the 7-day counts are computed from: one row per bounced or spam-reported outreach.
CREATE TABLE outreach_mailbox_incidents (
  mailbox     TEXT    NOT NULL,                    -- the address
  kind        TEXT    NOT NULL CHECK (kind IN ('bounce', 'spam')),
  outreach_id TEXT    NOT NULL,
  at          INTEGER NOT NULL,
  PRIMARY KEY (mailbox, kind, outreach_id)
);

CREATE TABLE outreach (
  id                  TEXT    PRIMARY KEY,
  application_id      TEXT    NOT NULL REFERENCES outreach_applications(id),
  contact_id          TEXT    NOT NULL REFERENCES outreach_contacts(id),
  from_mailbox        TEXT    NOT NULL,            -- the sending address, lower case
  message_id          TEXT,                        -- the mail's Message-ID, without <>
  sendgrid_message_id TEXT,                        -- SendGrid's X-Message-Id of the send
  subject             TEXT    NOT NULL DEFAULT '',
  status              TEXT    NOT NULL DEFAULT 'draft',
      -- draft | sent | delivered | bounced | replied | spam (moves forward only: docs/outreach.md)
  sent_at             INTEGER,
  delivered_at        INTEGER,
  bounced_at          INTEGER,
  spam_reported_at    INTEGER,
  replied_at          INTEGER,
  clicked_at          INTEGER,                     -- the first click
  link_clicks         INTEGER NOT NULL DEFAULT 0,
  sequence_step       INTEGER NOT NULL DEFAULT 1,
  sequence_stopped    INTEGER NOT NULL DEFAULT 0,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL
);
CREATE INDEX outreach_by_message_id ON outreach(message_id) WHERE message_id IS NOT NULL;
CREATE INDEX outreach_by_sendgrid_id ON outreach(sendgrid_message_id)
  WHERE sendgrid_message_id IS NOT NULL;
CREATE INDEX outreach_by_mailbox ON outreach(from_mailbox, sent_at);

-- Events already applied, by (source, provider event id): a replayed event changes nothing twice.
CREATE TABLE outreach_applied_events (
  event_key  TEXT    PRIMARY KEY,
  applied_at INTEGER NOT NULL
);

-- Side effects recorded by handlers in their transaction (docs/outreach.md, "The outbox"): one
-- provider action each, sent later through the outbound pipeline.
CREATE TABLE outreach_outbox (
  id              INTEGER PRIMARY KEY,
  dedup_key       TEXT    NOT NULL UNIQUE,         -- one message per cause: "evt_x:spam_alert"
  provider        TEXT    NOT NULL,                -- a configured provider: "slack", "sendgrid"
  action          TEXT    NOT NULL,                -- chat_post_message | mail_send
  payload         TEXT    NOT NULL,                -- the action's JSON input
  status          TEXT    NOT NULL DEFAULT 'pending',  -- pending | sending | sent | dead
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  sent_at         INTEGER
);
CREATE INDEX outreach_outbox_due ON outreach_outbox(next_attempt_at)
  WHERE status NOT IN ('sent', 'dead');
)sql"});
  // The outbox sender's lease token (outbox_sender.h): a claim bumps it, and an outcome is
  // recorded only under the lease it was claimed with.
  s.migrations.push_back({2, R"sql(
ALTER TABLE outreach_outbox ADD COLUMN lease INTEGER NOT NULL DEFAULT 0;
)sql"});
  // The text the API sends (POST /api/v1/outreach/outreach/{id}/send).
  s.migrations.push_back({3, R"sql(
ALTER TABLE outreach ADD COLUMN body TEXT NOT NULL DEFAULT '';
)sql"});
  return s;
}

}  // namespace wharf::outreach
