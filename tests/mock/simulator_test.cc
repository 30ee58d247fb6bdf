// The simulator's fault rules, rate limits, journal and control API, through its handler.
#include "mock/simulator.h"

#include <gtest/gtest.h>

#include <chrono>

#include "simulator_driver.h"

namespace wharf::mock {
namespace {

using http::Status;
using http::Verb;
using testing::SimulatorDriver;

constexpr auto kMail =
    R"({"personalizations":[{"to":[{"email":"t@x.com"}]}],"from":{"email":"f@x.com"}})";

class SimulatorTest : public ::testing::Test {
 protected:
  http::Response mail(std::string key = "k1") {
    return d_.send(Verb::post, "/v3/mail/send", kMail, "application/json",
                   {{"Authorization", "Bearer SG.x"}, {"X-Request-Key", key}});
  }
  http::Response add_fault(const std::string& json) {
    return d_.control(Verb::post, "/_mock/faults", json);
  }
  boost::json::array journal(std::string query = {}) {
    auto res = d_.control(Verb::get, "/_mock/requests" + query);
    return SimulatorDriver::json_of(res).as_object()["requests"].as_array();
  }
  SimulatorDriver d_;
};

TEST_F(SimulatorTest, StatusFaultAnswersItsTimesThenIsUsedUp) {
  auto added =
      add_fault(R"({"route":"POST /v3/mail/send","status":503,"retry_after":"2","times":2})");
  ASSERT_EQ(added.result(), Status::created) << added.body();
  for (int i = 0; i < 2; ++i) {
    auto res = mail();
    EXPECT_EQ(res.result(), Status::service_unavailable);
    EXPECT_EQ(res[boost::beast::http::field::retry_after], "2");
  }
  EXPECT_EQ(mail().result(), Status::accepted);
  auto entries = journal();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].as_object()["status"], 503);
  EXPECT_EQ(entries[0].as_object()["fault"], 1);
  EXPECT_EQ(entries[2].as_object()["status"], 202);
}

TEST_F(SimulatorTest, FaultWithoutTimesLastsUntilDeleted) {
  add_fault(R"({"route":"/v3/*","status":500})");
  EXPECT_EQ(mail().result(), Status::internal_server_error);
  EXPECT_EQ(mail().result(), Status::internal_server_error);
  auto deleted = d_.control(Verb::delete_, "/_mock/faults");
  EXPECT_EQ(SimulatorDriver::json_of(deleted).as_object()["deleted"], 1);
  EXPECT_EQ(mail().result(), Status::accepted);
}

TEST_F(SimulatorTest, FaultOnlyMatchesItsRoute) {
  add_fault(R"({"route":"POST /v1/customers","status":503})");
  EXPECT_EQ(mail().result(), Status::accepted);
  add_fault(R"({"route":"GET /v3/mail/send","status":503})");
  EXPECT_EQ(mail().result(), Status::accepted) << "method must match too";
}

TEST_F(SimulatorTest, LatencyDelaysTheAnswer) {
  add_fault(R"({"route":"POST /v3/mail/send","latency_ms":60,"times":1})");
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(mail().result(), Status::accepted);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(60));
  start = std::chrono::steady_clock::now();
  mail();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(60));
}

constexpr auto kStreamingMessage =
    R"({"stream":true,"model":"m","max_tokens":10,"messages":[{"role":"user","content":"Hi"}]})";

TEST_F(SimulatorTest, StreamDelayRuleSetsThePauseBetweenEvents) {
  auto rule = add_fault(R"({"route":"POST /v1/messages","stream_delay_ms":70,"times":1})");
  ASSERT_EQ(rule.result(), Status::created) << rule.body();
  EXPECT_EQ(SimulatorDriver::json_of(rule).as_object()["stream_delay_ms"], 70);
  testing::RecordingStream slow;
  d_.set_stream(&slow);
  d_.send(Verb::post, "/v1/messages", kStreamingMessage, "application/json", {{"x-api-key", "k"}});
  ASSERT_GE(slow.times.size(), 3u);
  EXPECT_GE(slow.times[2] - slow.times[1], std::chrono::milliseconds(70));

  // The rule is used up: the default pause again, well under the rule's.
  testing::RecordingStream fast;
  d_.set_stream(&fast);
  d_.send(Verb::post, "/v1/messages", kStreamingMessage, "application/json", {{"x-api-key", "k"}});
  ASSERT_EQ(fast.chunks.size(), slow.chunks.size());
  EXPECT_LT(fast.times.back() - fast.times.front(), slow.times.back() - slow.times.front());
}

TEST_F(SimulatorTest, StreamingStopsWhenTheClientIsGone) {
  testing::RecordingStream stream;
  stream.fail_after = 2;
  d_.set_stream(&stream);
  auto start = std::chrono::steady_clock::now();
  d_.send(Verb::post, "/v1/messages", kStreamingMessage, "application/json", {{"x-api-key", "k"}});
  EXPECT_EQ(stream.chunks.size(), 2u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100))
      << "no pauses after a failed write";
  EXPECT_EQ(journal()[0].as_object()["status"], 200);
}

TEST_F(SimulatorTest, ResetFaultAbortsTheConnection) {
  add_fault(R"({"route":"/v3/mail/send","reset":true,"times":1})");
  EXPECT_THROW(mail(), http::ConnectionAbort);
  EXPECT_EQ(mail().result(), Status::accepted);
  EXPECT_EQ(journal()[0].as_object()["reset"], true);
}

TEST_F(SimulatorTest, InvalidFaultRulesAreRefusedNamingTheField) {
  EXPECT_EQ(add_fault(R"({"status":503})").result(), Status::bad_request);
  EXPECT_EQ(add_fault(R"({"route":"/x","status":99})").result(), Status::bad_request);
  EXPECT_EQ(add_fault(R"({"route":"/x","status":503,"times":0})").result(), Status::bad_request);
  EXPECT_EQ(add_fault(R"({"route":"/x"})").result(), Status::bad_request);
  EXPECT_EQ(add_fault(R"({"route":"/x","status":503,"colour":1})").result(), Status::bad_request);
  EXPECT_EQ(add_fault("not json").result(), Status::bad_request);
  EXPECT_EQ(add_fault(R"({"route":"/x","stream_delay_ms":-1})").result(), Status::bad_request);
}

TEST_F(SimulatorTest, RateLimitAnswers429WithRetryAfterUntilTheWindowEnds) {
  auto added = d_.control(Verb::post, "/_mock/rate_limits",
                          R"({"route":"POST /v3/mail/send","limit":2,"per_ms":10000})");
  ASSERT_EQ(added.result(), Status::created) << added.body();
  EXPECT_EQ(mail().result(), Status::accepted);
  d_.clock().advance_ms(1000);
  EXPECT_EQ(mail().result(), Status::accepted);
  auto limited = mail();
  EXPECT_EQ(limited.result(), Status::too_many_requests);
  EXPECT_EQ(limited[boost::beast::http::field::retry_after], "9");
  d_.clock().advance_ms(9000);
  EXPECT_EQ(mail().result(), Status::accepted);
  EXPECT_EQ(journal("?route=POST%20/v3/mail/send")[2].as_object()["status"], 429);
}

TEST_F(SimulatorTest, JournalRecordsWhatArrivedAndFiltersByRoute) {
  mail("abc");
  d_.send(Verb::post, "/api/chat.postMessage?x=1", R"({"channel":"C1","text":"t"})");
  auto all = journal();
  ASSERT_EQ(all.size(), 2u);
  auto& first = all[0].as_object();
  EXPECT_EQ(first["method"], "POST");
  EXPECT_EQ(first["path"], "/v3/mail/send");
  EXPECT_EQ(first["headers"].as_object()["x-request-key"], "abc");
  EXPECT_EQ(first["body"], kMail);
  EXPECT_EQ(first["time_ms"], d_.clock().now_ms());
  EXPECT_EQ(first["provider"], "sendgrid");
  EXPECT_EQ(all[1].as_object()["query"], "x=1");

  auto slack = journal("?route=/api/*");
  ASSERT_EQ(slack.size(), 1u);
  EXPECT_EQ(slack[0].as_object()["path"], "/api/chat.postMessage");

  d_.control(Verb::delete_, "/_mock/requests");
  EXPECT_TRUE(journal().empty());
}

TEST_F(SimulatorTest, ControlApiRejectsUnknownEndpointsAndMethods) {
  EXPECT_EQ(d_.control(Verb::get, "/_mock/nope").result(), Status::not_found);
  EXPECT_EQ(d_.control(Verb::put, "/_mock/faults").result(), Status::method_not_allowed);
}

}  // namespace
}  // namespace wharf::mock
