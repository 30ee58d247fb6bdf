#include "outreach/mailgun_replies.h"

#include <boost/json/parse.hpp>
#include <cctype>

#include "core/log.h"
#include "outreach/outbox.h"
#include "outreach/records.h"
#include "outreach/sql_values.h"

namespace wharf::outreach {
namespace {

constexpr std::string_view kSource = "mailgun";

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// A field of the form, by name in any case; else the header of that name in `message-headers`
// (a JSON array of [name, value] pairs, as Mailgun sends it).
std::string field(const boost::json::object& form, std::string_view name) {
  for (const auto& [k, v] : form) {
    if (iequals(k, name) && v.is_string()) return std::string(v.as_string());
  }
  const auto* headers = form.if_contains("message-headers");
  if (headers == nullptr || !headers->is_string()) return {};
  boost::system::error_code ec;
  auto pairs = boost::json::parse(headers->as_string(), ec);
  if (ec || !pairs.is_array()) return {};
  for (const auto& p : pairs.as_array()) {
    if (!p.is_array() || p.as_array().size() != 2) continue;
    const auto& n = p.as_array()[0];
    const auto& v = p.as_array()[1];
    if (n.is_string() && v.is_string() && iequals(n.as_string(), name)) {
      return std::string(v.as_string());
    }
  }
  return {};
}

Result<std::string> first_id(store::Transaction& txn, std::string_view sql,
                             std::initializer_list<store::SqlValue> params) {
  auto rows = txn.query(sql, params);
  if (!rows) return rows.error();
  return rows->empty() ? std::string() : text_of((*rows)[0][0]);
}

// The outreach this reply answers (see the header), or "".
Result<std::string> match(store::Transaction& txn, const boost::json::object& form,
                          std::string& how) {
  std::vector<std::string> ids = message_ids(field(form, "In-Reply-To"));
  auto refs = message_ids(field(form, "References"));
  // The newest reference is the last one.
  ids.insert(ids.end(), refs.rbegin(), refs.rend());
  for (const auto& id : ids) {
    auto found = first_id(txn, "SELECT id FROM outreach WHERE message_id = ?1", {id});
    if (!found || !found->empty()) {
      how = "message_id";
      return found;
    }
  }
  std::string mailbox = email_address(field(form, "recipient"));
  if (mailbox.empty()) return std::string();
  std::string sender = email_address(field(form, "sender"));
  if (sender.empty()) sender = email_address(field(form, "from"));
  constexpr std::string_view kLatest =
      "SELECT o.id FROM outreach o JOIN outreach_contacts c ON c.id = o.contact_id "
      "WHERE o.from_mailbox = ?1 AND o.status IN ('sent', 'delivered') AND (?2 = '' OR c.email "
      "= ?2) ORDER BY o.sent_at DESC, o.id DESC LIMIT 1";
  if (!sender.empty()) {
    auto found = first_id(txn, kLatest, {mailbox, sender});
    if (!found || !found->empty()) {
      how = "mailbox_and_sender";
      return found;
    }
  }
  how = "mailbox";
  return first_id(txn, kLatest, {mailbox, std::string()});
}

}  // namespace

std::vector<std::string> message_ids(std::string_view header) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while ((i = header.find('<', i)) != std::string_view::npos) {
    auto end = header.find('>', i);
    if (end == std::string_view::npos) break;
    if (end > i + 1) out.emplace_back(header.substr(i + 1, end - i - 1));
    i = end + 1;
  }
  if (out.empty()) {
    // A bare id without brackets (some clients).
    std::string bare;
    for (char c : header) {
      if (!std::isspace(static_cast<unsigned char>(c))) bare += c;
    }
    if (bare.find('@') != std::string::npos) out.push_back(bare);
  }
  return out;
}

Result<void> MailgunRepliesHandler::handle(const store::StoredEvent& event,
                                           store::Transaction& txn) {
  if (event.type != "inbound") return {};  // delivery events of the Mailgun form webhook
  boost::system::error_code ec;
  auto doc = boost::json::parse(event.payload, ec);
  if (ec || !doc.is_object()) {
    log::warn("mailgun message is not a JSON object", {{"event_id", event.id}});
    context_.metrics.unmatched(kSource, "malformed");
    return {};
  }
  const auto& form = doc.as_object();
  std::string how;
  auto id = match(txn, form, how);
  if (!id) return id.error();
  if (id->empty()) {
    log::info("inbound message matches no outreach", {{"event_id", event.id}});
    context_.metrics.unmatched(kSource, "no_match");
    return {};
  }
  auto first = first_application(txn, event);
  if (!first) return first.error();
  if (!*first) return {};

  auto rows = txn.query(
      "SELECT o.status, o.application_id, a.status, a.company, c.first_name, u.email "
      "FROM outreach o JOIN outreach_applications a ON a.id = o.application_id "
      "JOIN outreach_contacts c ON c.id = o.contact_id JOIN outreach_users u ON u.id = a.user_id "
      "WHERE o.id = ?1",
      {*id});
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "outreach without its application");
  const auto& r = (*rows)[0];
  std::string status = text_of(r[0]), application = text_of(r[1]);
  std::string application_status = text_of(r[2]), company = text_of(r[3]);
  std::string first_name = text_of(r[4]), user_email = text_of(r[5]);
  const std::int64_t at = event.received_at_ms;
  bool first_reply = advances(status, "replied");

  // Stopping the sequence does not depend on the status: a reply to a bounced outreach (a
  // soft bounce) still means the person answered.
  auto u = txn.execute(
      "UPDATE outreach SET status = CASE WHEN ?3 THEN 'replied' ELSE status END, "
      "replied_at = coalesce(replied_at, ?2), sequence_stopped = 1, updated_at = ?2 "
      "WHERE id = ?1",
      {*id, at, std::int64_t{first_reply}});
  if (!u) return u.error();
  u = txn.execute(
      "UPDATE outreach_applications SET reply_status = 'replied', status = CASE WHEN status = "
      "'applied' THEN 'interviewing' ELSE status END, updated_at = ?2 WHERE id = ?1",
      {application, at});
  if (!u) return u.error();
  log::info("reply detected", {{"outreach_id", *id}, {"matched_by", how}});
  if (!first_reply) return {};
  std::string who = first_name.empty() ? "Your contact" : first_name;
  auto q = enqueue(txn,
                   notification(context_.settings, event.id + ":reply", user_email,
                                "Reply received!", who + " at " + company + " replied"),
                   at, context_.outbox);
  if (!q) return q.error();
  return {};
}

}  // namespace wharf::outreach
