#include "outreach/mailgun_replies.h"

#include <boost/json.hpp>

#include "outreach_fixture.h"

namespace wharf::outreach::testing {
namespace {

// An inbound message as the inbox stores it: its form fields as a JSON object.
std::string inbound(boost::json::object fields) {
  boost::json::object form{{"recipient", "me@rf-send-01.com"},
                           {"sender", "ada@acme.com"},
                           {"from", "Ada Lovelace <Ada@Acme.com>"},
                           {"subject", "Re: Hello"},
                           {"body-plain", "Happy to chat."}};
  for (auto& [k, v] : fields) form[k] = v;
  return boost::json::serialize(form);
}

class MailgunRepliesTest : public OutreachTest {
 protected:
  void SetUp() override {
    OutreachTest::SetUp();
    seed();
    // A second contact, whose outreach o4 from the same mailbox is the latest sent.
    exec(R"sql(
INSERT INTO outreach_contacts(id, first_name, email, created_at, updated_at)
  VALUES ('c2', 'Grace', 'grace@other.com', 0, 0);
INSERT INTO outreach(id, application_id, contact_id, from_mailbox, message_id, status, sent_at,
                     created_at, updated_at)
  VALUES ('o4', 'a1', 'c2', 'me@rf-send-01.com', 'o4.msg@rf-send-01.com', 'delivered',
          1700000009000, 0, 0);
)sql");
  }
  std::string reply(std::string message_id, boost::json::object fields) {
    return deliver("mailgun", std::move(message_id), "inbound", inbound(std::move(fields)));
  }
  std::string outreach(const std::string& id) {
    return value(
        "SELECT status || ',' || sequence_stopped || ',' || (replied_at IS NOT NULL) "
        "FROM outreach WHERE id = '" +
        id + "'");
  }
};

TEST(MessageIds, ReadsBracketedListsAndBareIds) {
  EXPECT_EQ(message_ids("<a@x> <b@y>\r\n <c@z>"), (std::vector<std::string>{"a@x", "b@y", "c@z"}));
  EXPECT_EQ(message_ids(" a@x "), (std::vector<std::string>{"a@x"}));
  EXPECT_TRUE(message_ids("").empty());
  EXPECT_TRUE(message_ids("no id here").empty());
}

TEST_F(MailgunRepliesTest, InReplyToMatchesTheOutreachItAnswersBeforeAnyFallback) {
  // o4 is the latest from this mailbox, but the reply says it answers o1.
  EXPECT_EQ(reply("<r1@acme.com>", {{"In-Reply-To", "<o1.msg@rf-send-01.com>"}}), "done");
  EXPECT_EQ(outreach("o1"), "replied,1,1");
  EXPECT_EQ(outreach("o4"), "delivered,0,0");
  EXPECT_EQ(value("SELECT status || ',' || reply_status FROM outreach_applications"),
            "interviewing,replied");
}

TEST_F(MailgunRepliesTest, ReferencesMatchWhenInReplyToIsMissingNewestFirst) {
  reply("<r1@acme.com>", {{"References", "<unknown@x> <o2.msg@rf-send-01.com> <other@y>"}});
  EXPECT_EQ(outreach("o2"), "replied,1,1");
}

TEST_F(MailgunRepliesTest, HeadersAreAlsoReadFromMessageHeaders) {
  boost::json::array headers{boost::json::array{"In-Reply-To", "<o3.msg@rf-send-01.com>"}};
  reply("<r1@acme.com>", {{"message-headers", boost::json::serialize(headers)}});
  EXPECT_EQ(outreach("o3"), "replied,1,1");
}

TEST_F(MailgunRepliesTest, WithoutThreadHeadersTheLatestOutreachToTheSenderMatches) {
  // o3 is Ada's latest; o4 (Grace) is later but not to this sender.
  reply("<r1@acme.com>", {});
  EXPECT_EQ(outreach("o3"), "replied,1,1");
  EXPECT_EQ(outreach("o4"), "delivered,0,0");
}

TEST_F(MailgunRepliesTest, AnUnknownSenderFallsBackToTheSeedsRule) {
  // The latest sent or delivered outreach from the mailbox, whoever it was to.
  reply("<r1@elsewhere.com>", {{"sender", "someone@elsewhere.com"}, {"from", "x@elsewhere.com"}});
  EXPECT_EQ(outreach("o4"), "replied,1,1");
}

TEST_F(MailgunRepliesTest, AReplyMatchingNothingIsCountedAndChangesNothing) {
  EXPECT_EQ(reply("<r1@acme.com>", {{"recipient", "nobody@rf-send-02.com"},
                                    {"In-Reply-To", "<not-ours@example.com>"}}),
            "done");
  EXPECT_EQ(counter("wharf_outreach_unmatched_events_total",
                    {{"source", "mailgun"}, {"reason", "no_match"}}),
            1u);
  EXPECT_EQ(value("SELECT count(*) FROM outreach WHERE status = 'replied'"), "0");
  EXPECT_EQ(value("SELECT status FROM outreach_applications"), "applied");
  EXPECT_EQ(value("SELECT count(*) FROM outreach_outbox"), "0");
}

TEST_F(MailgunRepliesTest, TheUserIsNotifiedOnceEvenIfTheReplyArrivesTwice) {
  auto [id, d1] = submit("mailgun", "<r1@acme.com>", "inbound",
                         inbound({{"In-Reply-To", "<o1.msg@rf-send-01.com>"}}));
  auto [again, d2] = submit("mailgun", "<r1@acme.com>", "inbound",
                            inbound({{"In-Reply-To", "<o1.msg@rf-send-01.com>"}}));
  EXPECT_TRUE(d2);
  run("mailgun");
  replay(id, "mailgun");
  // A second, different reply in the same thread: no second notification.
  reply("<r2@acme.com>", {{"In-Reply-To", "<o1.msg@rf-send-01.com>"}});
  ASSERT_EQ(column("SELECT provider || ' ' || action || ' ' || dedup_key FROM outreach_outbox"),
            (std::vector<std::string>{"sendgrid mail_send " + id + ":reply"}));
  auto input = boost::json::parse(value("SELECT payload FROM outreach_outbox")).as_object();
  EXPECT_EQ(input["subject"], "Reply received!");
  EXPECT_EQ(input["text"], "Ada at Acme replied");
  EXPECT_EQ(input["to"].as_array()[0].as_object()["email"], "seeker@example.com");
}

TEST_F(MailgunRepliesTest, AnApplicationPastAppliedKeepsItsStatus) {
  exec("UPDATE outreach_applications SET status = 'offer'");
  reply("<r1@acme.com>", {{"In-Reply-To", "<o1.msg@rf-send-01.com>"}});
  EXPECT_EQ(value("SELECT status || ',' || reply_status FROM outreach_applications"),
            "offer,replied");
}

TEST_F(MailgunRepliesTest, OtherMailgunEventsAreIgnored) {
  EXPECT_EQ(deliver("mailgun", "tok1", "delivered", inbound({})), "done");
  EXPECT_EQ(value("SELECT count(*) FROM outreach WHERE status = 'replied'"), "0");
}

// Notifications through Slack instead of email.
class SlackNotifierTest : public MailgunRepliesTest {
 protected:
  std::string settings_yaml() const override {
    return "notifier: { kind: slack, channel: \"#replies\" }\n";
  }
};

TEST_F(SlackNotifierTest, ANotifierOfKindSlackPostsToItsChannel) {
  reply("<r1@acme.com>", {{"In-Reply-To", "<o1.msg@rf-send-01.com>"}});
  ASSERT_EQ(column("SELECT provider || ' ' || action FROM outreach_outbox"),
            (std::vector<std::string>{"slack chat_post_message"}));
  auto input = boost::json::parse(value("SELECT payload FROM outreach_outbox")).as_object();
  EXPECT_EQ(input["channel"], "#replies");
  EXPECT_EQ(input["text"], "Reply received! (seeker@example.com): Ada at Acme replied");
}

}  // namespace
}  // namespace wharf::outreach::testing
