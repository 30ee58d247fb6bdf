#include "providers/provider_kind.h"

#include <gtest/gtest.h>

#include "provider_test_support.h"

namespace wharf::providers {
namespace {

using outbound::HttpResponse;

TEST(ProviderKinds, AreRegisteredInNameOrderWithActions) {
  std::vector<std::string> names;
  for (const ProviderKind& k : provider_kinds()) names.emplace_back(k.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"anthropic", "apollo", "generic", "gmail", "google_calendar",
                                      "neverbounce", "sendgrid", "slack", "stripe"}));
  EXPECT_TRUE(find_provider_kind("generic")->actions.empty());
  EXPECT_EQ(find_provider_kind("nope"), nullptr);
  const ProviderKind* stripe = find_provider_kind("stripe");
  ASSERT_NE(stripe, nullptr);
  EXPECT_EQ(stripe->default_base_url, "https://api.stripe.com/v1");
  EXPECT_EQ(stripe->idempotency_header, "Idempotency-Key");
  EXPECT_NE(stripe->find_action("subscription_create"), nullptr);
  EXPECT_EQ(stripe->find_action("nope"), nullptr);
  EXPECT_TRUE(find_provider_kind("anthropic")->find_action("messages")->streams);
  for (const ProviderKind& k : provider_kinds()) {
    for (const Action& a : k.actions) {
      EXPECT_TRUE(a.run) << k.name << "." << a.name;
      EXPECT_FALSE(a.summary.empty()) << k.name << "." << a.name;
    }
  }
}

TEST(Rejected, QuotesEachProvidersOwnMessage) {
  auto message = [](int status, std::string body) {
    return rejected("p", HttpResponse{status, {}, std::move(body), {}});
  };
  EXPECT_EQ(
      message(400, R"({"error":{"type":"invalid_request_error","message":"No such customer"}})")
          .message,
      "p rejected the request (HTTP 400): No such customer");
  EXPECT_EQ(
      message(400, R"({"errors":[{"message":"from is required","field":"from.email"}]})").message,
      "p rejected the request (HTTP 400): from is required");
  EXPECT_EQ(message(200, R"({"ok":false,"error":"channel_not_found"})").message,
            "p rejected the request (HTTP 200): channel_not_found");
  EXPECT_EQ(message(502, "<html>bad gateway</html>").message, "p rejected the request (HTTP 502)");
  ActionError e = message(404, R"({"error":{"code":404,"message":"Not Found"}})");
  EXPECT_EQ(e.kind, ActionError::Kind::kRejected);
  EXPECT_EQ(e.status, 404);
  // Cut to 300 bytes, never inside a UTF-8 character.
  std::string long_text(299, 'a');
  long_text += "\xC3\xA9tail";
  ActionError cut = message(400, R"({"error":{"message":")" + long_text + R"("}})");
  EXPECT_EQ(cut.message, "p rejected the request (HTTP 400): " + std::string(299, 'a'));
}

TEST(CallFailed, KeepsTheCallError) {
  ActionError e = call_failed(outbound::CallError{outbound::CallErrorKind::kRateLimited, "stripe",
                                                  "stripe: rate limited, retry after 2 s",
                                                  std::chrono::milliseconds(2000), 0, 0});
  EXPECT_EQ(e.kind, ActionError::Kind::kCall);
  EXPECT_EQ(e.message, "stripe: rate limited, retry after 2 s");
  ASSERT_TRUE(e.call);
  EXPECT_EQ(e.call->kind, outbound::CallErrorKind::kRateLimited);
  EXPECT_EQ(invalid_input("x: bad").kind, ActionError::Kind::kInvalidInput);
}

}  // namespace
}  // namespace wharf::providers
