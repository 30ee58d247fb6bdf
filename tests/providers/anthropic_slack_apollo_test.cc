// Request building, input checks and error mapping of the Anthropic, Slack and Apollo actions
// (their round trips with the simulator are in simulator_e2e_test.cc).
#include <gtest/gtest.h>

#include "provider_test_support.h"
#include "providers/anthropic.h"

namespace wharf::providers {
namespace {

using testing::header_of;
using testing::run_action;
using testing::ScriptedCaller;

void expect_invalid(std::string_view kind, std::string_view action, std::string_view input,
                    std::string_view message, const ChunkSink* sink = nullptr) {
  ScriptedCaller caller;
  auto r = run_action(kind, action, caller, input, sink);
  ASSERT_FALSE(r) << input;
  EXPECT_EQ(r.error().kind, ActionError::Kind::kInvalidInput) << input;
  EXPECT_EQ(r.error().message, message) << input;
  EXPECT_TRUE(caller.calls.empty()) << input;
}

TEST(AnthropicActions, MessagesBuildsTheRequestAndParsesTextAndUsage) {
  ScriptedCaller caller;
  caller.answer(200, R"({"id":"msg_01X","type":"message","role":"assistant","model":"m",
      "content":[{"type":"text","text":"Hi "},{"type":"text","text":"there"}],
      "stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":3}})");
  auto r = run_action("anthropic", "messages", caller,
                      R"({"model":"m","max_tokens":50,"system":"S",
                          "messages":[{"role":"user","content":"Q"}]})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, json::parse(R"({"id":"msg_01X","model":"m","text":"Hi there",
      "stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":3}})"));
  const outbound::Call& c = caller.calls.at(0);
  EXPECT_EQ(c.method, "POST");
  EXPECT_EQ(c.target, "/messages");
  EXPECT_EQ(header_of(c, "anthropic-version"), "2023-06-01");
  EXPECT_FALSE(c.on_body_chunk);
  EXPECT_EQ(json::parse(c.body), json::parse(R"({"model":"m","max_tokens":50,"system":"S",
      "messages":[{"role":"user","content":"Q"}]})"));
}

TEST(AnthropicActions, StreamingRelaysEveryByteToTheSink) {
  ScriptedCaller caller;
  std::string events =
      "event: message_start\ndata: {\"type\":\"message_start\"}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":"
      "{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  caller.answer(200, events, {{"Content-Type", "text/event-stream"}});
  std::vector<std::string> chunks;
  ChunkSink sink = [&](std::string_view c) { chunks.emplace_back(c); };
  auto r = run_action("anthropic", "messages", caller,
                      R"({"model":"m","max_tokens":5,"stream":true,
                          "messages":[{"role":"user","content":"Q"}]})",
                      &sink);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GT(chunks.size(), 1u);
  std::string joined;
  for (const auto& c : chunks) joined += c;
  EXPECT_EQ(joined, events);
  EXPECT_EQ(*r, (json::object{{"streamed", true}, {"bytes", events.size()}}));
  EXPECT_EQ(json::parse(caller.calls.at(0).body).at("stream"), true);

  // An error answer is not streamed: it is the provider's message.
  caller.answer(529,
                R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  r = run_action("anthropic", "messages", caller,
                 R"({"model":"m","max_tokens":5,"stream":true,
                     "messages":[{"role":"user","content":"Q"}]})",
                 &sink);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ActionError::Kind::kRejected);
  EXPECT_EQ(r.error().message, "anthropic rejected the request (HTTP 529): Overloaded");
}

TEST(AnthropicActions, RefusesBadInputNamingTheField) {
  expect_invalid("anthropic", "messages",
                 R"({"max_tokens":5,"messages":[{"role":"user","content":"Q"}]})",
                 "model: required (a non-empty string)");
  expect_invalid("anthropic", "messages", R"({"model":"m","messages":[]})",
                 "messages: must be a non-empty array of objects");
  expect_invalid(
      "anthropic", "messages",
      R"({"model":"m","messages":[{"role":"user","content":"Q"},{"role":"bot","content":"A"}]})",
      "messages[1].role: must be \"user\" or \"assistant\"");
  expect_invalid("anthropic", "messages", R"({"model":"m","messages":[{"role":"user"}]})",
                 "messages[0].content: required (a non-empty string)");
  expect_invalid("anthropic", "messages",
                 R"({"model":"m","max_tokens":0,"messages":[{"role":"user","content":"Q"}]})",
                 "max_tokens: must be an integer from 1 to 1000000");
  expect_invalid("anthropic", "messages",
                 R"({"model":"m","stream":true,"messages":[{"role":"user","content":"Q"}]})",
                 "stream: this client cannot receive a stream");
}

TEST(AnthropicActions, MapsAnthropicErrorsAndCallErrors) {
  ScriptedCaller caller;
  caller.answer(400, R"({"type":"error","error":{"type":"invalid_request_error",
                          "message":"max_tokens: Field required"}})");
  auto r = run_action("anthropic", "messages", caller,
                      R"({"model":"m","messages":[{"role":"user","content":"Q"}]})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "anthropic rejected the request (HTTP 400): max_tokens: Field required");
  caller.fail(outbound::CallErrorKind::kTransport, "anthropic: timed out");
  r = run_action("anthropic", "messages", caller,
                 R"({"model":"m","messages":[{"role":"user","content":"Q"}]})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ActionError::Kind::kCall);
}

TEST(SlackActions, PostMessageBuildsJsonAndMapsOkFalse) {
  ScriptedCaller caller;
  caller.answer(200, R"({"ok":true,"channel":"C1","ts":"1503435956.000247","message":{}})");
  auto r = run_action("slack", "chat_post_message", caller,
                      R"({"channel":"C1","text":"t","blocks":[{"type":"divider"}],
                          "thread_ts":"1.2"})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, json::parse(R"({"channel":"C1","ts":"1503435956.000247"})"));
  const outbound::Call& c = caller.calls.at(0);
  EXPECT_EQ(c.method, "POST");
  EXPECT_EQ(c.target, "/chat.postMessage");
  EXPECT_EQ(header_of(c, "Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(json::parse(c.body), json::parse(R"({"channel":"C1","text":"t",
      "blocks":[{"type":"divider"}],"thread_ts":"1.2"})"));

  caller.answer(200, R"({"ok":false,"error":"channel_not_found"})");
  r = run_action("slack", "chat_post_message", caller, R"({"channel":"C9","text":"t"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ActionError::Kind::kRejected);
  EXPECT_EQ(r.error().message, "slack rejected the request (HTTP 200): channel_not_found");

  expect_invalid("slack", "chat_post_message", R"({"text":"t"})",
                 "channel: required (a non-empty string)");
  expect_invalid("slack", "chat_post_message", R"({"channel":"C1","text":"t","blocks":{}})",
                 "blocks: must be an array of Block Kit blocks");
}

TEST(ApolloActions, PeopleSearchBuildsTheBodyAndParsesPeople) {
  ScriptedCaller caller;
  caller.answer(200, R"({"people":[{"id":"p1","name":"Ada Lovelace","title":"VP Engineering",
      "email":"ada@acme.com","email_status":"verified","linkedin_url":"http://linkedin.com/in/ada",
      "organization":{"name":"Acme","primary_domain":"acme.com"}}],
      "pagination":{"page":1,"per_page":10,"total_entries":1,"total_pages":1}})");
  auto r = run_action("apollo", "people_search", caller,
                      R"({"domain":"acme.com","person_titles":["VP Engineering","CTO"]})");
  ASSERT_TRUE(r) << r.error().message;
  const outbound::Call& c = caller.calls.at(0);
  EXPECT_EQ(c.target, "/mixed_people/search");
  EXPECT_EQ(json::parse(c.body), json::parse(R"({"q_organization_domains":"acme.com",
      "person_titles":["VP Engineering","CTO"],"page":1,"per_page":10})"));
  EXPECT_EQ(r->at("people").at(0), json::parse(R"({"id":"p1","name":"Ada Lovelace",
      "title":"VP Engineering","email":"ada@acme.com","email_status":"verified",
      "linkedin_url":"http://linkedin.com/in/ada",
      "organization":{"name":"Acme","domain":"acme.com"}})"));
  EXPECT_EQ(r->at("pagination").at("total_entries"), 1);

  caller.answer(401, R"({"error":"Invalid access credentials.","error_code":"INVALID_API_KEY"})");
  r = run_action("apollo", "people_search", caller, R"({"domain":"acme.com"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "apollo rejected the request (HTTP 401): Invalid access credentials.");

  expect_invalid("apollo", "people_search", R"({"person_titles":["CTO"]})",
                 "domain: required (a non-empty string)");
  expect_invalid("apollo", "people_search", R"({"domain":"a.com","person_titles":"CTO"})",
                 "person_titles: must be an array of non-empty strings");
  expect_invalid("apollo", "people_search", R"({"domain":"a.com","per_page":1000})",
                 "per_page: must be an integer from 1 to 100");
}

}  // namespace
}  // namespace wharf::providers
