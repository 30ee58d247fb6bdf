#include "outreach/settings.h"

namespace wharf::outreach {

std::optional<std::string> Settings::tier_of_price(std::string_view price_id) const {
  auto it = price_tiers.find(price_id);
  if (it == price_tiers.end()) return std::nullopt;
  return it->second;
}

std::int64_t Settings::credits_of(std::string_view tier) const {
  if (tier == kTierPro) return credits_pro;
  if (tier == kTierTeams) return credits_teams;
  return credits_free;
}

namespace {

// The notifier's provider, when not given: the one of its kind's channel.
Settings with_defaults(Settings s) {
  if (s.notifier_provider.empty()) {
    s.notifier_provider =
        s.notifier == Settings::Notifier::kSlack ? s.alert_provider : s.email_provider;
  }
  return s;
}

}  // namespace

Settings read_settings(const ConfigNode& n) {
  Settings s;
  if (!n.present()) return with_defaults(std::move(s));
  if (!n.is_map()) {
    n.error("expected a map (stripe_prices, credits, alerts, email, notifier, drafts)");
    return with_defaults(std::move(s));
  }
  n.allow_only_keys({"stripe_prices", "credits", "alerts", "email", "notifier", "drafts",
                     "enrichment", "billing"});
  if (auto prices = n["stripe_prices"]; prices.present()) {
    if (!prices.is_map()) prices.error("expected a map of price id: pro | teams");
    for (auto& [price, tier] : prices.entries()) {
      s.price_tiers[price] = tier.choice_or("pro", {kTierPro, kTierTeams});
    }
  }
  if (auto credits = n["credits"]; credits.present()) {
    credits.allow_only_keys({"free", "pro", "teams"});
    s.credits_free = credits["free"].int_or(s.credits_free, 0, 1'000'000'000);
    s.credits_pro = credits["pro"].int_or(s.credits_pro, 0, 1'000'000'000);
    s.credits_teams = credits["teams"].int_or(s.credits_teams, 0, 1'000'000'000);
  }
  if (auto alerts = n["alerts"]; alerts.present()) {
    alerts.allow_only_keys({"provider", "channel"});
    s.alert_provider = alerts["provider"].str_or(s.alert_provider);
    s.alert_channel = alerts["channel"].str_or(s.alert_channel);
  }
  if (auto email = n["email"]; email.present()) {
    email.allow_only_keys({"provider", "from", "from_name"});
    s.email_provider = email["provider"].str_or(s.email_provider);
    s.email_from = email["from"].str_or(s.email_from);
    s.email_from_name = email["from_name"].str_or(s.email_from_name);
  }
  if (auto notifier = n["notifier"]; notifier.present()) {
    notifier.allow_only_keys({"kind", "provider", "channel"});
    auto kind = notifier["kind"].choice_or("email", {"email", "slack"});
    s.notifier = kind == "slack" ? Settings::Notifier::kSlack : Settings::Notifier::kEmail;
    s.notifier_provider = notifier["provider"].str_or("");
    s.notifier_channel = notifier["channel"].str_or("");
    if (s.notifier == Settings::Notifier::kSlack && s.notifier_channel.empty()) {
      notifier["channel"].error("a slack notifier needs a channel");
    }
  }
  if (auto drafts = n["drafts"]; drafts.present()) {
    drafts.allow_only_keys({"provider", "model", "max_tokens"});
    s.draft_provider = drafts["provider"].str_or(s.draft_provider);
    s.draft_model = drafts["model"].str_or(s.draft_model);
    s.draft_max_tokens = drafts["max_tokens"].int_or(s.draft_max_tokens, 1, 100'000);
  }
  if (auto e = n["enrichment"]; e.present()) {
    e.allow_only_keys({"search_provider", "verify_provider"});
    s.search_provider = e["search_provider"].str_or(s.search_provider);
    s.verify_provider = e["verify_provider"].str_or(s.verify_provider);
  }
  if (auto b = n["billing"]; b.present()) {
    b.allow_only_keys({"provider"});
    s.billing_provider = b["provider"].str_or(s.billing_provider);
  }
  return with_defaults(std::move(s));
}

}  // namespace wharf::outreach
