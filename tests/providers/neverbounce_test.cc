#include "providers/neverbounce.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "provider_test_support.h"

namespace wharf::providers {
namespace {

using testing::run_action;
using testing::ScriptedCaller;

std::string status_body(std::string_view job_status) {
  return R"({"status":"success","id":150970,"job_status":")" + std::string(job_status) +
         R"(","total":{"records":3},"percent_complete":50,"execution_time":12})";
}

std::string results_body(int page, int total_pages,
                         std::vector<std::pair<std::string, std::string>> rows) {
  json::array results;
  for (auto& [email, result] : rows) {
    results.push_back(
        json::object{{"data", {{"email", email}, {"id", "1"}}},
                     {"verification", {{"result", result}, {"flags", json::array{}}}}});
  }
  return json::serialize(json::object{{"status", "success"},
                                      {"total_results", 3},
                                      {"total_pages", total_pages},
                                      {"query", {{"job_id", 150970}, {"page", page}}},
                                      {"results", results},
                                      {"execution_time", 5}});
}

TEST(NeverBounceActions, BulkVerifyCreatesPollsAndPagesThroughResults) {
  ScriptedCaller caller;
  caller.answer(200, R"({"status":"success","job_id":150970,"execution_time":712})");
  caller.answer(200, status_body("running"));
  caller.answer(200, status_body("complete"));
  caller.answer(200, results_body(1, 2, {{"a@x.co", "valid"}, {"b@x.co", "invalid"}}));
  caller.answer(200, results_body(2, 2, {{"c@x.co", "catchall"}}));
  auto r = run_action("neverbounce", "bulk_verify", caller,
                      R"({"emails":["a@x.co","b@x.co","c@x.co"],"poll_interval_ms":1,
                          "items_per_page":2})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, json::parse(R"({"job_id":150970,"job_status":"complete","complete":true,
      "results":[{"email":"a@x.co","result":"valid"},{"email":"b@x.co","result":"invalid"},
                 {"email":"c@x.co","result":"catchall"}]})"));
  ASSERT_EQ(caller.calls.size(), 5u);
  EXPECT_EQ(caller.calls[0].method, "POST");
  EXPECT_EQ(caller.calls[0].target, "/jobs/create");
  EXPECT_EQ(
      json::parse(caller.calls[0].body),
      json::parse(
          R"({"input_location":"supplied","input":[{"email":"a@x.co"},{"email":"b@x.co"},{"email":"c@x.co"}],
                            "auto_parse":true,"auto_start":true})"));
  EXPECT_EQ(caller.calls[1].method, "GET");
  EXPECT_EQ(caller.calls[1].target, "/jobs/status?job_id=150970");
  EXPECT_EQ(caller.calls[2].target, "/jobs/status?job_id=150970");
  EXPECT_EQ(caller.calls[3].target, "/jobs/results?job_id=150970&page=1&items_per_page=2");
  EXPECT_EQ(caller.calls[4].target, "/jobs/results?job_id=150970&page=2&items_per_page=2");
}

TEST(NeverBounceActions, BulkVerifyStopsPollingAfterMaxPolls) {
  ScriptedCaller caller;
  caller.answer(200, R"({"status":"success","job_id":7})");
  for (int i = 0; i < 3; ++i) caller.answer(200, status_body("running"));
  auto r = run_action("neverbounce", "bulk_verify", caller,
                      R"({"emails":["a@x.co"],"poll_interval_ms":0,"max_polls":3})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r,
            json::parse(R"({"job_id":7,"job_status":"running","complete":false,"results":[]})"));
  EXPECT_EQ(caller.calls.size(), 4u);  // create + 3 polls, no results
}

TEST(NeverBounceActions, AuthFailureIsRejectedWithoutQuotingTheKey) {
  ScriptedCaller caller;
  caller.answer(200, R"({"status":"auth_failure",
      "message":"Invalid API key 'secret_abcdef123456'","execution_time":1})");
  auto r = run_action("neverbounce", "bulk_verify", caller, R"({"emails":["a@x.co"]})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ActionError::Kind::kRejected);
  EXPECT_EQ(r.error().status, 200);
  EXPECT_EQ(r.error().message, "neverbounce rejected the request: auth_failure");
  EXPECT_EQ(caller.calls.size(), 1u);

  caller.answer(200, R"({"status":"throttle_triggered","message":"Too many requests"})");
  r = run_action("neverbounce", "single_check", caller, R"({"email":"a@x.co"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "neverbounce rejected the request: throttle_triggered: Too many requests");
}

TEST(NeverBounceActions, FailedJobIsRejected) {
  ScriptedCaller caller;
  caller.answer(200, R"({"status":"success","job_id":9})");
  caller.answer(200, status_body("failed"));
  auto r = run_action("neverbounce", "bulk_verify", caller, R"({"emails":["a@x.co"]})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ActionError::Kind::kRejected);
  EXPECT_EQ(r.error().message, "neverbounce job 9 failed");
}

TEST(NeverBounceActions, SingleCheck) {
  ScriptedCaller caller;
  caller.answer(200, R"({"status":"success","result":"valid","flags":["has_dns"],
                         "suggested_correction":"","execution_time":499})");
  auto r = run_action("neverbounce", "single_check", caller, R"({"email":"a+b@x.co"})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, json::parse(R"({"email":"a+b@x.co","result":"valid"})"));
  EXPECT_EQ(caller.calls.at(0).method, "GET");
  EXPECT_EQ(caller.calls.at(0).target, "/single/check?email=a%2Bb%40x.co");
}

TEST(NeverBounceActions, RefusesBadInputNamingTheField) {
  ScriptedCaller caller;
  struct Case {
    std::string_view action, input, message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"bulk_verify", R"({})", "emails: required (an array of non-empty strings)"},
           {"bulk_verify", R"({"emails":[]})",
            "emails: must be a non-empty array of non-empty strings"},
           {"bulk_verify", R"({"emails":["a@x.co",""]})", "emails[1]: must be a non-empty string"},
           {"bulk_verify", R"({"emails":["a@x.co"],"poll_interval_ms":-1})",
            "poll_interval_ms: must be an integer from 0 to 60000"},
           {"bulk_verify", R"({"emails":["a@x.co"],"max_polls":0})",
            "max_polls: must be an integer from 1 to 1000"},
           {"single_check", R"({"mail":"a@x.co"})", "email: required (a non-empty string)"},
       }) {
    auto r = run_action("neverbounce", c.action, caller, c.input);
    ASSERT_FALSE(r) << c.input;
    EXPECT_EQ(r.error().kind, ActionError::Kind::kInvalidInput);
    EXPECT_EQ(r.error().message, c.message);
  }
  EXPECT_TRUE(caller.calls.empty());
}

}  // namespace
}  // namespace wharf::providers
