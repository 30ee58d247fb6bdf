#include "providers/sendgrid.h"

#include <gtest/gtest.h>

#include "provider_test_support.h"

namespace wharf::providers {
namespace {

using testing::header_of;
using testing::run_action;
using testing::ScriptedCaller;

TEST(SendGridActions, MailSendCarriesTheOutreachIdInCustomArgsAndHeaders) {
  ScriptedCaller caller;
  caller.answer(202, "", {{"X-Message-Id", "W86EgYT6SQKk0lRflfLRsA"}});
  auto r = run_action("sendgrid", "mail_send", caller, R"({
      "from": {"email": "ada@roleferry.com", "name": "Ada"}, "to": "grace@acme.com",
      "subject": "Quick question", "html": "<p>Hi</p>", "reply_to": "reply+o42@roleferry.com",
      "outreach_id": "o42"})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, json::parse(R"({"message_id":"W86EgYT6SQKk0lRflfLRsA"})"));
  ASSERT_EQ(caller.calls.size(), 1u);
  const outbound::Call& c = caller.calls[0];
  EXPECT_EQ(c.method, "POST");
  EXPECT_EQ(c.target, "/mail/send");
  EXPECT_EQ(header_of(c, "X-Outreach-ID"), "o42");
  EXPECT_EQ(header_of(c, "Content-Type"), "application/json");
  EXPECT_EQ(json::parse(c.body), json::parse(R"({
      "personalizations": [{"to": [{"email": "grace@acme.com"}]}],
      "from": {"email": "ada@roleferry.com", "name": "Ada"},
      "subject": "Quick question",
      "content": [{"type": "text/html", "value": "<p>Hi</p>"}],
      "reply_to": {"email": "reply+o42@roleferry.com"},
      "custom_args": {"outreach_id": "o42"},
      "headers": {"X-Outreach-ID": "o42"}})"));
}

TEST(SendGridActions, TextComesBeforeHtmlAndNoOutreachIdMeansNoTag) {
  ScriptedCaller caller;
  caller.answer(202, "", {{"x-message-id", "m1"}});
  auto r = run_action("sendgrid", "mail_send", caller,
                      R"({"from":"a@b.co","to":["c@d.co",{"email":"e@f.co","name":"E"}],
                          "subject":"s","html":"<b>x</b>","text":"x"})");
  ASSERT_TRUE(r) << r.error().message;
  json::object body = json::parse(caller.calls[0].body).as_object();
  EXPECT_EQ(body.at("content"), json::parse(R"([{"type":"text/plain","value":"x"},
                                                {"type":"text/html","value":"<b>x</b>"}])"));
  EXPECT_EQ(body.at("personalizations").at(0).at("to"),
            json::parse(R"([{"email":"c@d.co"},{"email":"e@f.co","name":"E"}])"));
  EXPECT_FALSE(body.contains("custom_args"));
  EXPECT_EQ(header_of(caller.calls[0], "X-Outreach-ID"), "<absent>");
}

TEST(SendGridActions, MailSendSetsTheMailsOwnMessageIdWhenGiven) {
  ScriptedCaller caller;
  caller.answer(202, "", {{"X-Message-Id", "m1"}});
  auto r = run_action("sendgrid", "mail_send", caller,
                      R"({"from":"a@b.co","to":"c@d.co","subject":"s","text":"x",
                          "outreach_id":"o42","message_id":"o42.1a2b@rf-send-01.com"})");
  ASSERT_TRUE(r) << r.error().message;
  json::object body = json::parse(caller.calls[0].body).as_object();
  EXPECT_EQ(body.at("headers"), json::parse(R"({"X-Outreach-ID":"o42",
                                                "Message-ID":"<o42.1a2b@rf-send-01.com>"})"));
  // Without an outreach id too.
  caller.answer(202, "", {{"X-Message-Id", "m2"}});
  ASSERT_TRUE(run_action("sendgrid", "mail_send", caller,
                         R"({"from":"a@b.co","to":"c@d.co","subject":"s","text":"x",
                             "message_id":"x@y.z"})"));
  EXPECT_EQ(json::parse(caller.calls[1].body).at("headers"),
            json::parse(R"({"Message-ID":"<x@y.z>"})"));
  for (std::string_view bad : {"<x@y.z>", "no-at", "a@b@c", "sp ace@x.y", "@x.y", "x@"}) {
    auto refused = run_action("sendgrid", "mail_send", caller,
                              R"({"from":"a@b.co","to":"c@d.co","subject":"s","text":"x",
                                  "message_id":")" +
                                  std::string(bad) + "\"}");
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().kind, ActionError::Kind::kInvalidInput);
    EXPECT_EQ(refused.error().message.rfind("message_id:", 0), 0u) << refused.error().message;
  }
  EXPECT_EQ(caller.calls.size(), 2u);  // the refused ones made no call
}

TEST(SendGridActions, RefusesBadInputNamingTheField) {
  ScriptedCaller caller;
  struct Case {
    std::string_view input, message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {R"({"to":"a@b.co","subject":"s","html":"h"})",
            "from: required (an email address or {\"email\", \"name\"})"},
           {R"({"from":{"name":"A"},"to":"a@b.co","subject":"s","html":"h"})",
            "from.email: required (a non-empty string)"},
           {R"({"from":"a@b.co","to":["x@y.z",7],"subject":"s","html":"h"})",
            "to[1]: must be an email address or {\"email\", \"name\"}"},
           {R"({"from":"a@b.co","to":"x@y.z","subject":"s"})", "html: html or text is required"},
           {R"({"from":"a@b.co","to":"x@y.z","html":"h"})",
            "subject: required (a non-empty string)"},
       }) {
    auto r = run_action("sendgrid", "mail_send", caller, c.input);
    ASSERT_FALSE(r) << c.input;
    EXPECT_EQ(r.error().kind, ActionError::Kind::kInvalidInput);
    EXPECT_EQ(r.error().message, c.message);
  }
  auto r = run_action("sendgrid", "mail_send", caller,
                      R"({"from":"a@b.co","to":"x@y.z","subject":"s","html":"h",
                          "outreach_id":"o1\r\nBcc: evil@x.y"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "outreach_id: must not contain control characters");
  EXPECT_TRUE(caller.calls.empty());
}

TEST(SendGridActions, MapsSendGridErrors) {
  ScriptedCaller caller;
  caller.answer(400, R"({"errors":[{"message":"The from email does not contain a valid address.",
                                    "field":"from.email","help":null}]})");
  auto r = run_action("sendgrid", "mail_send", caller,
                      R"({"from":"nope","to":"x@y.z","subject":"s","text":"t"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ActionError::Kind::kRejected);
  EXPECT_EQ(r.error().message,
            "sendgrid rejected the request (HTTP 400): The from email does not contain a valid "
            "address.");
  caller.answer(202, "");  // no X-Message-Id
  r = run_action("sendgrid", "mail_send", caller,
                 R"({"from":"a@b.co","to":"x@y.z","subject":"s","text":"t"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ActionError::Kind::kBadResponse);
  caller.fail(outbound::CallErrorKind::kUpstream, "sendgrid answered 503 after 3 attempts");
  r = run_action("sendgrid", "mail_send", caller,
                 R"({"from":"a@b.co","to":"x@y.z","subject":"s","text":"t"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ActionError::Kind::kCall);
  EXPECT_EQ(r.error().message, "sendgrid answered 503 after 3 attempts");
}

}  // namespace
}  // namespace wharf::providers
