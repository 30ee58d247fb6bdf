// The outreach application's settings, read from `apps: outreach: {...}` (docs/outreach.md):
// which Stripe price is which plan, the credits of each plan, where deliverability alerts go,
// who sends the application's own emails, and how users are notified. Start-up only; read-only
// (hence thread-safe) afterwards.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/config_node.h"

namespace wharf::outreach {

inline constexpr std::string_view kTierFree = "free";
inline constexpr std::string_view kTierPro = "pro";
inline constexpr std::string_view kTierTeams = "teams";

struct Settings {
  // Stripe price id → tier ("pro" or "teams"). A price missing here changes no plan.
  std::map<std::string, std::string, std::less<>> price_tiers;
  std::int64_t credits_free = 0;
  std::int64_t credits_pro = 500;
  std::int64_t credits_teams = 2000;
  // Deliverability alerts (spam reports): a Slack message through this provider.
  std::string alert_provider = "slack";
  std::string alert_channel = "#deliverability";
  // The application's own emails (welcome, and notifications by email) through this provider.
  std::string email_provider = "sendgrid";
  std::string email_from = "hello@roleferry.com";
  std::string email_from_name = "RoleFerry";
  // User notifications (a reply arrived, a payment failed): an email to the user, or a Slack
  // message to a channel.
  enum class Notifier { kEmail, kSlack };
  Notifier notifier = Notifier::kEmail;
  std::string notifier_provider;  // empty: email_provider or alert_provider, by kind
  std::string notifier_channel;   // kSlack only
  // Drafts (POST /api/v1/outreach/drafts): the Anthropic provider, model and answer length.
  std::string draft_provider = "anthropic";
  std::string draft_model = "claude-3-5-sonnet-20241022";
  std::int64_t draft_max_tokens = 500;
  // Contact search and enrichment: Apollo finds people, NeverBounce verifies their addresses.
  std::string search_provider = "apollo";
  std::string verify_provider = "neverbounce";
  // Subscriptions (POST /api/v1/outreach/users/{id}/subscription).
  std::string billing_provider = "stripe";

  // The tier of `price_id`, or nullopt when it is not configured.
  std::optional<std::string> tier_of_price(std::string_view price_id) const;
  // The credits a plan starts each period with.
  std::int64_t credits_of(std::string_view tier) const;
};

// Reads `section` (absent: the defaults above), recording every problem on it.
Settings read_settings(const ConfigNode& section);

}  // namespace wharf::outreach
