// NeverBounce v4: verifying email addresses, one at a time or as a bulk job (create the job,
// poll its status until complete, page through its results): the enrichment job's "verify"
// step. The API key (`key`) is added by the pipeline. NeverBounce answers its errors with HTTP
// 200 and a `status` other than "success" (auth_failure, throttle_triggered, ...): they come back
// as kRejected. Pure functions apart from bulk_verify (a coroutine on the caller's executor);
// kind() is registered in provider_kind.cc.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "outbound/call.h"
#include "providers/action_support.h"

namespace wharf::providers::neverbounce {

inline constexpr std::string_view kName = "neverbounce";

struct Verification {
  std::string email;
  std::string result;  // valid, invalid, disposable, catchall, unknown
};

// GET /single/check?email=.
outbound::Call single_check_call(std::string_view email);
Outcome<Verification> parse_single_check(const outbound::HttpResponse& response,
                                         std::string_view email);

struct BulkVerify {
  std::vector<std::string> emails;
  std::chrono::milliseconds poll_interval{2000};  // between status polls
  int max_polls = 30;                             // status polls before giving up waiting
  int max_result_pages = 100;                     // pages of results read at most
  int items_per_page = 1000;
};

struct JobStatus {
  std::string job_status;  // "queued", "running", "complete", "failed", ...
  bool complete() const { return job_status == "complete"; }
};

struct ResultsPage {
  std::vector<Verification> items;
  std::int64_t total_pages = 0;
};

struct BulkVerifyResult {
  std::int64_t job_id = 0;
  std::string job_status;  // the last status seen
  bool complete = false;   // false: polls ran out; `results` is then empty (poll the job later)
  std::vector<Verification> results;
};

// POST /jobs/create with the emails supplied inline, auto_parse and auto_start.
outbound::Call jobs_create_call(const BulkVerify& verify);
Outcome<std::int64_t> parse_jobs_create(const outbound::HttpResponse& response);  // the job id
// GET /jobs/status?job_id=.
outbound::Call job_status_call(std::int64_t job_id);
Outcome<JobStatus> parse_job_status(const outbound::HttpResponse& response);
// GET /jobs/results?job_id=&page=&items_per_page=.
outbound::Call job_results_call(std::int64_t job_id, std::int64_t page, int items_per_page);
Outcome<ResultsPage> parse_job_results(const outbound::HttpResponse& response);

// The whole bulk flow. A job that "failed" is kRejected.
boost::asio::awaitable<Outcome<BulkVerifyResult>> bulk_verify(outbound::Caller& caller,
                                                              BulkVerify&& verify);
boost::json::value to_json(const BulkVerifyResult& result);

ProviderKind kind();

}  // namespace wharf::providers::neverbounce
