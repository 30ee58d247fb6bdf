#include <boost/json.hpp>

#include "outreach_fixture.h"

namespace wharf::outreach::testing {
namespace {

// One SendGrid event as the inbox stores it (one per array element).
std::string sg(std::string_view type, std::string_view outreach_id, std::int64_t ts_s,
               boost::json::object extra = {}) {
  boost::json::object e{{"event", type}, {"email", "ada@acme.com"}, {"timestamp", ts_s}};
  if (!outreach_id.empty()) e["outreach_id"] = outreach_id;
  for (auto& [k, v] : extra) e[k] = v;
  return boost::json::serialize(e);
}

constexpr std::int64_t kTs = kT0 / 1000;  // the events' own clock, in seconds

class SendGridEventsTest : public OutreachTest {
 protected:
  void SetUp() override {
    OutreachTest::SetUp();
    seed();
  }
  std::string event(std::string sg_id, std::string_view type, std::string_view outreach_id,
                    std::int64_t ts_s, boost::json::object extra = {}) {
    return deliver("sendgrid", std::move(sg_id), std::string(type),
                   sg(type, outreach_id, ts_s, std::move(extra)));
  }
  std::uint64_t unmatched(const std::string& reason) {
    return counter("wharf_outreach_unmatched_events_total",
                   {{"source", "sendgrid"}, {"reason", reason}});
  }
};

TEST_F(SendGridEventsTest, DeliveredSetsStatusTimeAndTheContactsLastContact) {
  EXPECT_EQ(event("sg1", "delivered", "o1", kTs + 10), "done");
  EXPECT_EQ(value("SELECT status FROM outreach WHERE id = 'o1'"), "delivered");
  EXPECT_EQ(value("SELECT delivered_at FROM outreach WHERE id = 'o1'"),
            std::to_string(kT0 + 10 * kSecond));
  EXPECT_EQ(value("SELECT last_contacted_at FROM outreach_contacts WHERE id = 'c1'"),
            std::to_string(kT0 + 10 * kSecond));
}

TEST_F(SendGridEventsTest, TheSameEventTwiceIsStoredOnceAndCountedOnce) {
  auto [first, dup1] = submit("sendgrid", "sg-click-1", "click", sg("click", "o1", kTs + 5));
  auto [second, dup2] = submit("sendgrid", "sg-click-1", "click", sg("click", "o1", kTs + 5));
  EXPECT_FALSE(dup1);
  EXPECT_TRUE(dup2);
  EXPECT_EQ(first, second);
  run("sendgrid");
  EXPECT_EQ(value("SELECT link_clicks FROM outreach WHERE id = 'o1'"), "1");
  // Dispatched again on purpose (an operator's replay): still counted once.
  replay(first, "sendgrid");
  EXPECT_EQ(value("SELECT link_clicks FROM outreach WHERE id = 'o1'"), "1");
}

TEST_F(SendGridEventsTest, ABounceReportedTwiceForOneMessageCountsOnce) {
  event("sg1", "bounce", "o1", kTs + 10);
  event("sg2", "bounce", "o1", kTs + 11);  // another event id, the same message
  EXPECT_EQ(value("SELECT bounce_count FROM outreach_contacts WHERE id = 'c1'"), "1");
  EXPECT_EQ(value("SELECT bounces_7d FROM outreach_mailboxes WHERE id = 'm1'"), "1");
}

TEST_F(SendGridEventsTest, DeliveredAfterBouncedNeverRegressesTheStatus) {
  event("sg1", "bounce", "o1", kTs + 20);
  event("sg2", "delivered", "o1", kTs + 10);  // older, arriving late
  EXPECT_EQ(value("SELECT status FROM outreach WHERE id = 'o1'"), "bounced");
  EXPECT_EQ(value("SELECT bounce_count FROM outreach_contacts WHERE id = 'c1'"), "1");
}

TEST_F(SendGridEventsTest, TheThirdBouncedOutreachSuppressesTheContact) {
  event("sg1", "bounce", "o1", kTs + 10);
  event("sg2", "bounce", "o2", kTs + 20);
  EXPECT_EQ(value("SELECT suppressed FROM outreach_contacts WHERE id = 'c1'"), "0");
  event("sg3", "bounce", "o3", kTs + 30);
  EXPECT_EQ(value("SELECT bounce_count FROM outreach_contacts WHERE id = 'c1'"), "3");
  EXPECT_EQ(value("SELECT suppressed FROM outreach_contacts WHERE id = 'c1'"), "1");
  // A bounce is not the person's choice: they did not opt out.
  EXPECT_EQ(value("SELECT opted_out FROM outreach_contacts WHERE id = 'c1'"), "0");
}

TEST_F(SendGridEventsTest, MailboxHealthCountsOnlyTheLastSevenDays) {
  const std::int64_t day = 24 * 3600;
  event("sg1", "bounce", "o1", kTs);
  event("sg2", "bounce", "o2", kTs + 2 * day);
  EXPECT_EQ(value("SELECT bounces_7d || ',' || health FROM outreach_mailboxes"), "2,80");
  event("sg3", "bounce", "o3", kTs + 8 * day);  // o1's bounce is 8 days old by now
  EXPECT_EQ(value("SELECT bounces_7d || ',' || health FROM outreach_mailboxes"), "2,80");
}

TEST_F(SendGridEventsTest, SpamReportOptsOutCountsAndQueuesOneSlackAlert) {
  auto [id, dup] = submit("sendgrid", "sg-spam", "spamreport", sg("spamreport", "o1", kTs + 30));
  run("sendgrid");
  EXPECT_EQ(value("SELECT status FROM outreach WHERE id = 'o1'"), "spam");
  EXPECT_EQ(value("SELECT opted_out || ',' || spam_reports FROM outreach_contacts"), "1,1");
  EXPECT_EQ(value("SELECT spam_reports_7d || ',' || health FROM outreach_mailboxes"), "1,70");
  ASSERT_EQ(column("SELECT provider || ' ' || action || ' ' || status FROM outreach_outbox"),
            (std::vector<std::string>{"slack chat_post_message pending"}));
  auto input = boost::json::parse(value("SELECT payload FROM outreach_outbox")).as_object();
  EXPECT_EQ(input["channel"], "#deliverability");
  std::string text(input["text"].as_string());
  EXPECT_NE(text.find("Spam report for outreach o1. User: seeker@example.com"), std::string::npos)
      << text;
  EXPECT_EQ(value("SELECT dedup_key FROM outreach_outbox"), id + ":spam_alert");
  replay(id, "sendgrid");
  EXPECT_EQ(value("SELECT count(*) FROM outreach_outbox"), "1");
  EXPECT_EQ(value("SELECT spam_reports FROM outreach_contacts"), "1");
}

TEST_F(SendGridEventsTest, SpamReportForAnUnknownOutreachIsLoggedCountedAndDone) {
  EXPECT_EQ(event("sg1", "spamreport", "nope", kTs), "done");
  EXPECT_EQ(unmatched("unknown_outreach"), 1u);
  EXPECT_EQ(value("SELECT count(*) FROM outreach_outbox"), "0");
  EXPECT_EQ(value("SELECT opted_out FROM outreach_contacts"), "0");
}

TEST_F(SendGridEventsTest, AnEventWithNoReferenceAtAllIsCountedApart) {
  EXPECT_EQ(event("sg1", "delivered", "", kTs), "done");
  EXPECT_EQ(unmatched("no_outreach_id"), 1u);
}

TEST_F(SendGridEventsTest, MalformedOrUninterestingEventsAreDoneWithoutEffect) {
  EXPECT_EQ(deliver("sendgrid", "sg1", "delivered", "[1,2]"), "done");
  EXPECT_EQ(unmatched("malformed"), 1u);
  EXPECT_EQ(event("sg2", "open", "o1", kTs), "done");
  EXPECT_EQ(value("SELECT status FROM outreach WHERE id = 'o1'"), "sent");
}

TEST_F(SendGridEventsTest, ClicksAreCountedAndTheFirstClickIsTheEarliest) {
  event("sg1", "click", "o1", kTs + 50);
  event("sg2", "click", "o1", kTs + 40);  // an earlier click, arriving late
  event("sg3", "click", "o1", kTs + 60);
  EXPECT_EQ(value("SELECT link_clicks FROM outreach WHERE id = 'o1'"), "3");
  EXPECT_EQ(value("SELECT clicked_at FROM outreach WHERE id = 'o1'"),
            std::to_string(kT0 + 40 * kSecond));
}

TEST_F(SendGridEventsTest, WithoutTheCustomArgTheSmtpIdCorrelates) {
  // The Message-ID wharf recorded when sending.
  event("sg1", "delivered", "", kTs, {{"smtp-id", "<o2.msg@rf-send-01.com>"}});
  EXPECT_EQ(value("SELECT status FROM outreach WHERE id = 'o2'"), "delivered");
  // The seed's own form: <outreach_ID@host>.
  event("sg2", "delivered", "", kTs, {{"smtp-id", "<outreach_o3@roleferry.com>"}});
  EXPECT_EQ(value("SELECT status FROM outreach WHERE id = 'o3'"), "delivered");
  // SendGrid's message id, when the send recorded it.
  exec("UPDATE outreach SET sendgrid_message_id = 'sgmsg1' WHERE id = 'o1'");
  event("sg3", "click", "", kTs, {{"sg_message_id", "sgmsg1.filter0001.1234.0"}});
  EXPECT_EQ(value("SELECT link_clicks FROM outreach WHERE id = 'o1'"), "1");
  event("sg4", "delivered", "", kTs, {{"smtp-id", "<someone-else@example.com>"}});
  EXPECT_EQ(unmatched("unknown_outreach"), 1u);
}

}  // namespace
}  // namespace wharf::outreach::testing
