#include "outreach/records.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "outreach/sql_values.h"

namespace wharf::outreach {

Result<bool> first_application(store::Transaction& txn, const store::StoredEvent& event) {
  auto changed = txn.execute(
      "INSERT INTO outreach_applied_events(event_key, applied_at) VALUES (?1, ?2) "
      "ON CONFLICT(event_key) DO NOTHING",
      {event.source + ":" + event.provider_event_id, event.received_at_ms});
  if (!changed) return changed.error();
  return *changed > 0;
}

int status_rank(std::string_view status) {
  static constexpr std::array<std::string_view, 6> kOrder = {"draft",   "sent",    "delivered",
                                                             "bounced", "replied", "spam"};
  auto it = std::find(kOrder.begin(), kOrder.end(), status);
  return it == kOrder.end() ? 0 : static_cast<int>(it - kOrder.begin());
}

int mailbox_health(std::int64_t bounces_7d, std::int64_t spam_reports_7d) {
  std::int64_t h = 100 - 10 * bounces_7d - 30 * spam_reports_7d;
  return static_cast<int>(std::clamp<std::int64_t>(h, 0, 100));
}

Result<bool> record_mailbox_incident(store::Transaction& txn, const std::string& address,
                                     std::string_view kind, const std::string& outreach_id,
                                     std::int64_t at_ms) {
  auto known = txn.query("SELECT 1 FROM outreach_mailboxes WHERE address = ?1", {address});
  if (!known) return known.error();
  if (known->empty()) return false;
  auto added = txn.execute(
      "INSERT INTO outreach_mailbox_incidents(mailbox, kind, outreach_id, at) "
      "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
      {address, std::string(kind), outreach_id, at_ms});
  if (!added) return added.error();
  auto counts = txn.query(
      "SELECT coalesce(sum(kind = 'bounce'), 0), coalesce(sum(kind = 'spam'), 0) "
      "FROM outreach_mailbox_incidents WHERE mailbox = ?1 AND at > ?2 AND at <= ?3",
      {address, at_ms - kMailboxWindowMs, at_ms});
  if (!counts) return counts.error();
  std::int64_t bounces = counts->empty() ? 0 : int_of((*counts)[0][0]);
  std::int64_t spam = counts->empty() ? 0 : int_of((*counts)[0][1]);
  auto updated = txn.execute(
      "UPDATE outreach_mailboxes SET bounces_7d = ?2, spam_reports_7d = ?3, health = ?4, "
      "updated_at = ?5 WHERE address = ?1",
      {address, bounces, spam, std::int64_t{mailbox_health(bounces, spam)}, at_ms});
  if (!updated) return updated.error();
  return true;
}

std::string email_address(std::string_view text) {
  auto open = text.rfind('<');
  if (open != std::string_view::npos) {
    auto close = text.find('>', open);
    text = text.substr(open + 1, close == std::string_view::npos ? close : close - open - 1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  if (text.find('@') == std::string_view::npos) return {};
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace wharf::outreach
