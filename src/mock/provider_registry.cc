#include "mock/provider_registry.h"

#include "mock/providers/anthropic.h"
#include "mock/providers/apollo.h"
#include "mock/providers/gmail.h"
#include "mock/providers/google_calendar.h"
#include "mock/providers/neverbounce.h"
#include "mock/providers/oauth_server.h"
#include "mock/providers/sendgrid.h"
#include "mock/providers/slack.h"
#include "mock/providers/stripe.h"

namespace wharf::mock {

std::vector<NamedProvider> make_providers(IdSource& ids) {
  std::vector<NamedProvider> out;
  out.push_back({"stripe", make_stripe_provider(ids)});
  out.push_back({"sendgrid", make_sendgrid_provider(ids)});
  out.push_back({"apollo", make_apollo_provider(ids)});
  out.push_back({"anthropic", make_anthropic_provider(ids)});
  out.push_back({"slack", make_slack_provider(ids)});
  out.push_back({"neverbounce", make_neverbounce_provider(ids)});
  out.push_back({"gmail", make_gmail_provider(ids)});
  out.push_back({"google_calendar", make_google_calendar_provider(ids)});
  out.push_back({"oauth", make_oauth_server_provider(ids)});
  return out;
}

}  // namespace wharf::mock
