#include "outreach/sendgrid_events.h"

#include <boost/json/parse.hpp>

#include "core/log.h"
#include "outreach/outbox.h"
#include "outreach/records.h"
#include "outreach/sql_values.h"

namespace wharf::outreach {
namespace {

constexpr std::string_view kSource = "sendgrid";

std::string string_field(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr) return {};
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return std::to_string(v->as_int64());
  if (v->is_uint64()) return std::to_string(v->as_uint64());
  return {};
}

std::string without_angle_brackets(std::string s) {
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
  return s;
}

// The outreach an event is about: the `outreach_id` custom argument; else its smtp-id, as the
// Message-ID wharf recorded when sending, or in the seed's form "<outreach_ID@host>"; else the
// SendGrid message id ("<X-Message-Id>.filter..."). Empty when nothing matches; `tried` tells
// whether the event carried any reference at all.
Result<std::string> find_outreach(store::Transaction& txn, const boost::json::object& e,
                                  bool& tried) {
  auto existing = [&](std::string_view sql, std::string key) -> Result<std::string> {
    tried = true;
    auto rows = txn.query(sql, {std::move(key)});
    if (!rows) return rows.error();
    return rows->empty() ? std::string() : text_of((*rows)[0][0]);
  };
  if (auto id = string_field(e, "outreach_id"); !id.empty()) {
    return existing("SELECT id FROM outreach WHERE id = ?1", id);
  }
  if (auto smtp = without_angle_brackets(string_field(e, "smtp-id")); !smtp.empty()) {
    auto by_message_id = existing("SELECT id FROM outreach WHERE message_id = ?1", smtp);
    if (!by_message_id || !by_message_id->empty()) return by_message_id;
    constexpr std::string_view kPrefix = "outreach_";
    if (smtp.starts_with(kPrefix) && smtp.find('@') != std::string::npos) {
      auto id = smtp.substr(kPrefix.size(), smtp.find('@') - kPrefix.size());
      if (!id.empty()) return existing("SELECT id FROM outreach WHERE id = ?1", id);
    }
    return std::string();
  }
  if (auto sg = string_field(e, "sg_message_id"); !sg.empty()) {
    return existing("SELECT id FROM outreach WHERE sendgrid_message_id = ?1",
                    sg.substr(0, sg.find('.')));
  }
  return std::string();
}

struct OutreachRow {
  std::string id, status, contact_id, from_mailbox, application_id;
  std::optional<std::int64_t> bounced_at, spam_reported_at, clicked_at;
};

Result<OutreachRow> load(store::Transaction& txn, const std::string& id) {
  auto rows = txn.query(
      "SELECT id, status, contact_id, from_mailbox, application_id, bounced_at, "
      "spam_reported_at, clicked_at FROM outreach WHERE id = ?1",
      {id});
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "outreach vanished");
  const auto& r = (*rows)[0];
  return OutreachRow{text_of(r[0]), text_of(r[1]),      text_of(r[2]),      text_of(r[3]),
                     text_of(r[4]), optional_int(r[5]), optional_int(r[6]), optional_int(r[7])};
}

Result<void> set_status_if_forward(store::Transaction& txn, const OutreachRow& o,
                                   std::string_view next, std::int64_t at) {
  if (!advances(o.status, next)) return {};
  auto r = txn.execute("UPDATE outreach SET status = ?2, updated_at = ?3 WHERE id = ?1",
                       {o.id, std::string(next), at});
  if (!r) return r.error();
  return {};
}

Result<void> delivered(store::Transaction& txn, const OutreachRow& o, std::int64_t at) {
  if (auto s = set_status_if_forward(txn, o, "delivered", at); !s) return s;
  auto r = txn.execute(
      "UPDATE outreach SET delivered_at = coalesce(delivered_at, ?2) WHERE id = ?1", {o.id, at});
  if (!r) return r.error();
  r = txn.execute(
      "UPDATE outreach_contacts SET last_contacted_at = max(coalesce(last_contacted_at, 0), ?2), "
      "updated_at = ?2 WHERE id = ?1",
      {o.contact_id, at});
  if (!r) return r.error();
  return {};
}

Result<void> bounced(store::Transaction& txn, const OutreachRow& o, std::int64_t at) {
  if (auto s = set_status_if_forward(txn, o, "bounced", at); !s) return s;
  // A contact's count is of its outreach that bounced: SendGrid may report one message's
  // bounce more than once (different event ids), which must not count twice.
  if (o.bounced_at) return {};
  auto r = txn.execute("UPDATE outreach SET bounced_at = ?2 WHERE id = ?1", {o.id, at});
  if (!r) return r.error();
  r = txn.execute(
      "UPDATE outreach_contacts SET bounce_count = bounce_count + 1, "
      "suppressed = (suppressed OR bounce_count + 1 >= 3), updated_at = ?2 WHERE id = ?1",
      {o.contact_id, at});
  if (!r) return r.error();
  auto c = txn.query("SELECT bounce_count FROM outreach_contacts WHERE id = ?1", {o.contact_id});
  if (!c) return c.error();
  if (!c->empty() && int_of((*c)[0][0]) == 3) {
    log::warn("contact suppressed after 3 bounces",
              {{"contact_id", o.contact_id}, {"outreach_id", o.id}});
  }
  if (auto m = record_mailbox_incident(txn, o.from_mailbox, "bounce", o.id, at); !m) {
    return m.error();
  }
  return {};
}

Result<void> spam_reported(store::Transaction& txn, const Context& ctx,
                           const store::StoredEvent& event, const OutreachRow& o, std::int64_t at) {
  if (auto s = set_status_if_forward(txn, o, "spam", at); !s) return s;
  if (o.spam_reported_at) return {};
  auto r = txn.execute("UPDATE outreach SET spam_reported_at = ?2 WHERE id = ?1", {o.id, at});
  if (!r) return r.error();
  r = txn.execute(
      "UPDATE outreach_contacts SET opted_out = 1, spam_reports = spam_reports + 1, "
      "updated_at = ?2 WHERE id = ?1",
      {o.contact_id, at});
  if (!r) return r.error();
  if (auto m = record_mailbox_incident(txn, o.from_mailbox, "spam", o.id, at); !m) {
    return m.error();
  }
  auto user = txn.query(
      "SELECT u.email FROM outreach_applications a JOIN outreach_users u ON u.id = a.user_id "
      "WHERE a.id = ?1",
      {o.application_id});
  if (!user) return user.error();
  std::string email = user->empty() ? "(unknown)" : text_of((*user)[0][0]);
  log::error("spam report", {{"outreach_id", o.id}, {"contact_id", o.contact_id}});
  auto queued =
      enqueue(txn,
              slack_alert(ctx.settings, event.id + ":spam_alert",
                          "\xF0\x9F\x9A\xA8 Spam report for outreach " + o.id + ". User: " + email),
              event.received_at_ms, ctx.outbox);
  if (!queued) return queued.error();
  return {};
}

Result<void> clicked(store::Transaction& txn, const OutreachRow& o, std::int64_t at) {
  // The first click is the earliest one, whatever order the clicks arrive in.
  auto r = txn.execute(
      "UPDATE outreach SET link_clicks = link_clicks + 1, clicked_at = min(coalesce(clicked_at, "
      "?2), ?2), updated_at = ?2 WHERE id = ?1",
      {o.id, at});
  if (!r) return r.error();
  return {};
}

}  // namespace

Result<void> SendGridEventsHandler::handle(const store::StoredEvent& event,
                                           store::Transaction& txn) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(event.payload, ec);
  if (ec || !doc.is_object()) {
    log::warn("sendgrid event is not a JSON object", {{"event_id", event.id}});
    context_.metrics.unmatched(kSource, "malformed");
    return {};
  }
  const auto& e = doc.as_object();
  std::string type = string_field(e, "event");
  if (type != "delivered" && type != "bounce" && type != "spamreport" && type != "click") {
    return {};  // processed, open, deferred, dropped, ...: nothing in the records depends on them
  }
  bool tried = false;
  auto id = find_outreach(txn, e, tried);
  if (!id) return id.error();
  if (id->empty()) {
    std::string_view reason = tried ? "unknown_outreach" : "no_outreach_id";
    log::warn("sendgrid event matches no outreach",
              {{"event_id", event.id},
               {"type", type},
               {"reason", reason},
               {"outreach_id", string_field(e, "outreach_id")}});
    context_.metrics.unmatched(kSource, reason);
    return {};
  }
  auto first = first_application(txn, event);
  if (!first) return first.error();
  if (!*first) return {};
  auto o = load(txn, *id);
  if (!o) return o.error();
  std::int64_t at = event.received_at_ms;
  if (const auto* ts = e.if_contains("timestamp"); ts && ts->is_int64() && ts->as_int64() > 0) {
    at = ts->as_int64() * 1000;
  }
  if (type == "delivered") return delivered(txn, *o, at);
  if (type == "bounce") return bounced(txn, *o, at);
  if (type == "spamreport") return spam_reported(txn, context_, event, *o, at);
  return clicked(txn, *o, at);
}

}  // namespace wharf::outreach
