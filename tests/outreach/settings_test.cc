#include "outreach/settings.h"

#include <gtest/gtest.h>

#include "support/yaml_config.h"

namespace wharf::outreach {
namespace {

TEST(OutreachSettings, DefaultsFollowTheSeed) {
  wharf::testing::YamlConfig c("{}");
  auto s = read_settings(c.node()["outreach"]);
  EXPECT_TRUE(c.errors.empty());
  EXPECT_EQ(s.credits_of("pro"), 500);
  EXPECT_EQ(s.credits_of("teams"), 2000);
  EXPECT_EQ(s.credits_of("free"), 0);
  EXPECT_EQ(s.alert_channel, "#deliverability");
  EXPECT_EQ(s.notifier, Settings::Notifier::kEmail);
  EXPECT_EQ(s.notifier_provider, "sendgrid");
  EXPECT_FALSE(s.tier_of_price("price_pro"));
}

TEST(OutreachSettings, ReadsTheOutboundFlowsProviders) {
  wharf::testing::YamlConfig d("{}");
  auto defaults = read_settings(d.node()["outreach"]);
  EXPECT_EQ(defaults.draft_provider, "anthropic");
  EXPECT_EQ(defaults.draft_model, "claude-3-5-sonnet-20241022");
  EXPECT_EQ(defaults.draft_max_tokens, 500);
  EXPECT_EQ(defaults.search_provider, "apollo");
  EXPECT_EQ(defaults.verify_provider, "neverbounce");
  EXPECT_EQ(defaults.billing_provider, "stripe");
  wharf::testing::YamlConfig c(R"(outreach:
  drafts: { provider: claude, model: m1, max_tokens: 800 }
  enrichment: { search_provider: apollo2, verify_provider: nb }
  billing: { provider: stripe-live }
)");
  auto s = read_settings(c.node()["outreach"]);
  ASSERT_TRUE(c.errors.empty()) << c.errors.messages()[0];
  EXPECT_EQ(s.draft_provider, "claude");
  EXPECT_EQ(s.draft_model, "m1");
  EXPECT_EQ(s.draft_max_tokens, 800);
  EXPECT_EQ(s.search_provider, "apollo2");
  EXPECT_EQ(s.verify_provider, "nb");
  EXPECT_EQ(s.billing_provider, "stripe-live");
  wharf::testing::YamlConfig bad(R"(outreach:
  drafts: { max_tokens: 0, colour: red }
)");
  read_settings(bad.node()["outreach"]);
  EXPECT_EQ(bad.errors.messages().size(), 2u);
}

TEST(OutreachSettings, ReadsPricesCreditsAlertsEmailAndNotifier) {
  wharf::testing::YamlConfig c(R"(outreach:
  stripe_prices: { price_a: pro, price_b: teams }
  credits: { pro: 600, teams: 2500, free: 5 }
  alerts: { provider: ops-slack, channel: "#deliv" }
  email: { provider: sg, from: "${FROM}", from_name: RF }
  notifier: { kind: slack, channel: "#users" }
)",
                               {{"FROM", "team@roleferry.com"}});
  auto s = read_settings(c.node()["outreach"]);
  ASSERT_TRUE(c.errors.empty()) << c.errors.messages()[0];
  EXPECT_EQ(s.tier_of_price("price_a"), "pro");
  EXPECT_EQ(s.tier_of_price("price_b"), "teams");
  EXPECT_EQ(s.credits_of("teams"), 2500);
  EXPECT_EQ(s.credits_of("free"), 5);
  EXPECT_EQ(s.alert_provider, "ops-slack");
  EXPECT_EQ(s.email_from, "team@roleferry.com");
  EXPECT_EQ(s.notifier, Settings::Notifier::kSlack);
  EXPECT_EQ(s.notifier_provider, "ops-slack");  // a slack notifier defaults to the alerts' one
  EXPECT_EQ(s.notifier_channel, "#users");
}

TEST(OutreachSettings, ReportsEveryProblemWithItsLine) {
  wharf::testing::YamlConfig c(R"(outreach:
  stripe_prices: { price_a: gold }
  credits: { pro: -1 }
  notifier: { kind: slack }
  alert: {}
)");
  read_settings(c.node()["outreach"]);
  std::string all;
  for (const auto& m : c.errors.messages()) all += m + "\n";
  EXPECT_NE(all.find("c.yaml:2: outreach.stripe_prices.price_a:"), std::string::npos) << all;
  EXPECT_NE(all.find("c.yaml:3: outreach.credits.pro:"), std::string::npos) << all;
  EXPECT_NE(all.find("outreach.notifier.channel: a slack notifier needs a channel"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("c.yaml:5: outreach.alert: unknown key"), std::string::npos) << all;
}

}  // namespace
}  // namespace wharf::outreach
