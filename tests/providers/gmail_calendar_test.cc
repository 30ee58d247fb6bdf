// Gmail send (the RFC 2822 message it builds) and Google Calendar events list (paging).
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "core/encoding.h"
#include "provider_test_support.h"
#include "providers/gmail.h"

namespace wharf::providers {
namespace {

using testing::run_action;
using testing::ScriptedCaller;

// The message in a Gmail send Call's body.
std::string raw_message(const outbound::Call& call) {
  json::value body = json::parse(call.body);
  std::string raw(body.at("raw").as_string());
  EXPECT_EQ(raw.find_first_of("+/="), std::string::npos) << "base64url without padding";
  return encoding::base64url_decode(raw).value();
}

// The decoded base64 lines between `start` and the next blank line or boundary.
std::string base64_part(const std::string& message, std::string_view after) {
  std::size_t at = message.find(after);
  EXPECT_NE(at, std::string::npos) << after;
  std::size_t begin = message.find("\r\n\r\n", at) + 4;
  std::size_t end = message.find("\r\n--", begin);
  std::string lines =
      message.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  std::string joined;
  for (char c : lines) {
    if (c != '\r' && c != '\n') joined += c;
  }
  return encoding::base64_decode(joined).value_or("<bad base64>");
}

TEST(GmailActions, SendBuildsAnRfc2822MessageThatDecodesBack) {
  ScriptedCaller caller;
  caller.answer(200, R"({"id":"18c1f2","threadId":"18c1a0","labelIds":["SENT"]})");
  auto r = run_action("gmail", "send", caller, R"({
      "from": "Ada <ada@roleferry.com>", "to": ["grace@acme.com", "alan@acme.com"],
      "subject": "Re: Interview", "text": "Thanks!\nAda", "in_reply_to": "<abc@mail.acme.com>",
      "references": "<abc@mail.acme.com>", "thread_id": "18c1a0"})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, json::parse(R"({"id":"18c1f2","thread_id":"18c1a0","label_ids":["SENT"]})"));
  const outbound::Call& c = caller.calls.at(0);
  EXPECT_EQ(c.method, "POST");
  EXPECT_EQ(c.target, "/users/me/messages/send");
  EXPECT_EQ(json::parse(c.body).at("threadId"), "18c1a0");
  std::string m = raw_message(c);
  EXPECT_TRUE(m.starts_with(
      "From: Ada <ada@roleferry.com>\r\nTo: grace@acme.com, alan@acme.com\r\n"
      "Subject: Re: Interview\r\nIn-Reply-To: <abc@mail.acme.com>\r\n"
      "References: <abc@mail.acme.com>\r\nMIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"))
      << m;
  EXPECT_EQ(base64_part(m, "Content-Transfer-Encoding"), "Thanks!\nAda");
}

TEST(GmailActions, TextAndHtmlMakeAMultipartAlternativeAndUnicodeSubjectsAreEncoded) {
  gmail::SendMessage message{"a@b.co", {"c@d.co"}, "Café ☕", "plain", "<p>html</p>", "", "", ""};
  auto m = gmail::rfc2822_message(message);
  ASSERT_TRUE(m);
  EXPECT_NE(m->find("Subject: =?UTF-8?B?" + encoding::base64_encode("Café ☕") + "?=\r\n"),
            std::string::npos)
      << *m;
  EXPECT_NE(m->find("Content-Type: multipart/alternative; boundary=\"wharf_alt_7c1e\"\r\n"),
            std::string::npos);
  EXPECT_EQ(base64_part(*m, "text/plain"), "plain");
  EXPECT_EQ(base64_part(*m, "text/html"), "<p>html</p>");
  EXPECT_TRUE(m->ends_with("--wharf_alt_7c1e--\r\n"));
}

TEST(GmailActions, RefusesHeaderInjectionAndMissingFields) {
  ScriptedCaller caller;
  struct Case {
    std::string_view input, message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {R"({"from":"a@b.co","to":"c@d.co","subject":"Hi\r\nBcc: x@evil.co","text":"t"})",
            "subject: must not contain CR, LF or control characters"},
           {R"({"from":"a@b.co\nX: y","to":"c@d.co","subject":"s","text":"t"})",
            "from: must not contain CR, LF or control characters"},
           {R"({"from":"a@b.co","to":["c@d.co","e@f.co\r\nBcc: x"],"subject":"s","text":"t"})",
            "to[1]: must not contain CR, LF or control characters"},
           {R"({"from":"a@b.co","to":"c@d.co","subject":"s","text":"t","in_reply_to":"<a>\n"})",
            "in_reply_to: must not contain CR, LF or control characters"},
           {R"({"from":"a@b.co","subject":"s","text":"t"})",
            "to: required (an address or a non-empty array of addresses)"},
           {R"({"from":"a@b.co","to":"c@d.co","subject":"s"})", "text: text or html is required"},
       }) {
    auto r = run_action("gmail", "send", caller, c.input);
    ASSERT_FALSE(r) << c.input;
    EXPECT_EQ(r.error().kind, ActionError::Kind::kInvalidInput);
    EXPECT_EQ(r.error().message, c.message);
  }
  EXPECT_TRUE(caller.calls.empty());
}

TEST(GmailActions, MapsGoogleErrors) {
  ScriptedCaller caller;
  caller.answer(403, R"({"error":{"code":403,"message":"Insufficient Permission",
                          "errors":[{"reason":"insufficientPermissions"}],"status":"PERMISSION_DENIED"}})");
  auto r = run_action("gmail", "send", caller,
                      R"({"from":"a@b.co","to":"c@d.co","subject":"s","text":"t"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ActionError::Kind::kRejected);
  EXPECT_EQ(r.error().message, "gmail rejected the request (HTTP 403): Insufficient Permission");
}

std::string events_page(std::vector<std::string> ids, std::string next_page,
                        std::string next_sync) {
  json::array items;
  for (const auto& id : ids) {
    items.push_back(json::object{{"kind", "calendar#event"},
                                 {"id", id},
                                 {"status", "confirmed"},
                                 {"summary", "Interview " + id},
                                 {"start", {{"dateTime", "2025-12-01T10:00:00Z"}}},
                                 {"end", {{"dateTime", "2025-12-01T11:00:00Z"}}}});
  }
  json::object page{{"kind", "calendar#events"}, {"items", items}};
  if (!next_page.empty()) page["nextPageToken"] = next_page;
  if (!next_sync.empty()) page["nextSyncToken"] = next_sync;
  return json::serialize(page);
}

TEST(GoogleCalendarActions, EventsListFollowsPagesToTheSyncToken) {
  ScriptedCaller caller;
  caller.answer(200, events_page({"e1", "e2"}, "p2", ""));
  caller.answer(200, events_page({"e3"}, "", "sync_9"));
  auto r = run_action("google_calendar", "events_list", caller,
                      R"({"calendar_id":"team@group.calendar.google.com",
                          "time_min":"2025-12-01T00:00:00Z","max_results":2})");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(caller.calls.size(), 2u);
  EXPECT_EQ(caller.calls[0].method, "GET");
  EXPECT_EQ(caller.calls[0].target,
            "/calendars/team%40group.calendar.google.com/events?timeMin=2025-12-01T00%3A00%3A00Z"
            "&maxResults=2");
  EXPECT_EQ(caller.calls[1].target,
            "/calendars/team%40group.calendar.google.com/events?timeMin=2025-12-01T00%3A00%3A00Z"
            "&maxResults=2&pageToken=p2");
  EXPECT_EQ(r->at("items").as_array().size(), 3u);
  EXPECT_EQ(r->at("items").at(2), json::parse(R"({"id":"e3","summary":"Interview e3",
      "status":"confirmed","start":{"dateTime":"2025-12-01T10:00:00Z"},
      "end":{"dateTime":"2025-12-01T11:00:00Z"}})"));
  EXPECT_EQ(r->at("next_sync_token"), "sync_9");
  EXPECT_EQ(r->at("next_page_token"), nullptr);
}

TEST(GoogleCalendarActions, EventsListStopsAtMaxPages) {
  ScriptedCaller caller;
  caller.answer(200, events_page({"e1"}, "p2", ""));
  caller.answer(200, events_page({"e2"}, "p3", ""));
  auto r = run_action("google_calendar", "events_list", caller, R"({"max_pages":2})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(caller.calls.size(), 2u);
  EXPECT_EQ(caller.calls[0].target, "/calendars/primary/events");
  EXPECT_EQ(r->at("next_page_token"), "p3");
  EXPECT_EQ(r->at("next_sync_token"), nullptr);
}

TEST(GoogleCalendarActions, RefusesBadInputAndMapsErrors) {
  ScriptedCaller caller;
  auto r = run_action("google_calendar", "events_list", caller, R"({"max_pages":0})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "max_pages: must be an integer from 1 to 100");
  r = run_action("google_calendar", "events_list", caller,
                 R"({"time_min":"2025-01-01T00:00:00Z","sync_token":"s"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "time_min: cannot be combined with sync_token");
  EXPECT_TRUE(caller.calls.empty());

  caller.answer(200, events_page({"e1"}, "p2", ""));
  caller.answer(
      410,
      R"({"error":{"code":410,"message":"Sync token is no longer valid, a full sync is required."}})");
  r = run_action("google_calendar", "events_list", caller, R"({"sync_token":"old"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ActionError::Kind::kRejected);
  EXPECT_EQ(r.error().status, 410);
  EXPECT_EQ(r.error().message,
            "google_calendar rejected the request (HTTP 410): Sync token is no longer valid, a "
            "full sync is required.");
}

}  // namespace
}  // namespace wharf::providers
