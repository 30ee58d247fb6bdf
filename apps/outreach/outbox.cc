#include "outreach/outbox.h"

#include <boost/json/serialize.hpp>

namespace wharf::outreach {

Result<bool> enqueue(store::Transaction& txn, const OutboxMessage& m, std::int64_t now_ms,
                     const OutboxSignal& signal) {
  auto changed = txn.execute(
      "INSERT INTO outreach_outbox(dedup_key, provider, action, payload, next_attempt_at, "
      "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT(dedup_key) DO NOTHING",
      {m.dedup_key, m.provider, m.action, boost::json::serialize(m.input), now_ms});
  if (!changed) return changed.error();
  if (*changed > 0) signal.notify();
  return *changed > 0;
}

OutboxMessage slack_alert(const Settings& settings, std::string dedup_key, std::string text) {
  return OutboxMessage{
      std::move(dedup_key), settings.alert_provider, "chat_post_message",
      boost::json::object{{"channel", settings.alert_channel}, {"text", std::move(text)}}};
}

OutboxMessage email(const Settings& settings, std::string dedup_key, std::string to,
                    std::string subject, std::string text) {
  boost::json::object from{{"email", settings.email_from}};
  if (!settings.email_from_name.empty()) from["name"] = settings.email_from_name;
  return OutboxMessage{
      std::move(dedup_key), settings.email_provider, "mail_send",
      boost::json::object{{"from", std::move(from)},
                          {"to", boost::json::array{boost::json::object{{"email", std::move(to)}}}},
                          {"subject", std::move(subject)},
                          {"text", std::move(text)}}};
}

OutboxMessage notification(const Settings& settings, std::string dedup_key, std::string user_email,
                           std::string title, std::string body) {
  if (settings.notifier == Settings::Notifier::kSlack) {
    return OutboxMessage{std::move(dedup_key), settings.notifier_provider, "chat_post_message",
                         boost::json::object{{"channel", settings.notifier_channel},
                                             {"text", title + " (" + user_email + "): " + body}}};
  }
  auto m = email(settings, std::move(dedup_key), std::move(user_email), std::move(title),
                 std::move(body));
  m.provider = settings.notifier_provider;
  return m;
}

}  // namespace wharf::outreach
