#include "providers/neverbounce.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include "core/encoding.h"

namespace wharf::providers::neverbounce {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

outbound::Call get(std::string target, std::string endpoint) {
  outbound::Call call;
  call.method = "GET";
  call.target = std::move(target);
  call.endpoint = std::move(endpoint);
  return call;
}

// A 2xx answer whose `status` is "success"; NeverBounce's failures (HTTP 200 with another
// status) and non-2xx answers are kRejected.
Outcome<json::object> success_answer(const outbound::HttpResponse& response) {
  auto answer = json_answer(kName, response);
  if (!answer) return answer.error();
  std::string status = text_of(*answer, "status");
  if (status == "success") return answer;
  std::string message =
      "neverbounce rejected the request: " + (status.empty() ? "no status" : status);
  // An auth_failure's message quotes the key that was sent: it is never passed on.
  if (status != "auth_failure") {
    if (std::string own = text_of(*answer, "message"); !own.empty()) {
      message += ": " + encoding::to_valid_utf8(own.substr(0, 300));
    }
  }
  return ActionError{ActionError::Kind::kRejected, std::move(message), response.status,
                     std::nullopt};
}

}  // namespace

outbound::Call single_check_call(std::string_view email) {
  return get("/single/check?email=" + encoding::url_encode(email), "single.check");
}

Outcome<Verification> parse_single_check(const outbound::HttpResponse& response,
                                         std::string_view email) {
  auto answer = success_answer(response);
  if (!answer) return answer.error();
  return Verification{std::string(email), text_of(*answer, "result")};
}

outbound::Call jobs_create_call(const BulkVerify& verify) {
  json::array input;
  for (const std::string& e : verify.emails) input.push_back(json::object{{"email", e}});
  json::object body{{"input_location", "supplied"},
                    {"input", std::move(input)},
                    {"auto_parse", true},
                    {"auto_start", true}};
  outbound::Call call;
  call.method = "POST";
  call.target = "/jobs/create";
  call.headers = {{"Content-Type", "application/json"}};
  call.body = json::serialize(body);
  call.endpoint = "jobs.create";
  return call;
}

Outcome<std::int64_t> parse_jobs_create(const outbound::HttpResponse& response) {
  auto answer = success_answer(response);
  if (!answer) return answer.error();
  std::int64_t id = int_of(*answer, "job_id", 0);
  if (id <= 0) {
    return ActionError{ActionError::Kind::kBadResponse, "neverbounce answered without a job_id",
                       response.status, std::nullopt};
  }
  return id;
}

outbound::Call job_status_call(std::int64_t job_id) {
  return get("/jobs/status?job_id=" + std::to_string(job_id), "jobs.status");
}

Outcome<JobStatus> parse_job_status(const outbound::HttpResponse& response) {
  auto answer = success_answer(response);
  if (!answer) return answer.error();
  return JobStatus{text_of(*answer, "job_status")};
}

outbound::Call job_results_call(std::int64_t job_id, std::int64_t page, int items_per_page) {
  return get("/jobs/results?job_id=" + std::to_string(job_id) + "&page=" + std::to_string(page) +
                 "&items_per_page=" + std::to_string(items_per_page),
             "jobs.results");
}

Outcome<ResultsPage> parse_job_results(const outbound::HttpResponse& response) {
  auto answer = success_answer(response);
  if (!answer) return answer.error();
  const json::value* results = answer->if_contains("results");
  if (!results || !results->is_array()) {
    return ActionError{ActionError::Kind::kBadResponse, "neverbounce answered without results",
                       response.status, std::nullopt};
  }
  ResultsPage page;
  page.total_pages = int_of(*answer, "total_pages", 1);
  for (const json::value& item : results->as_array()) {
    if (!item.is_object()) continue;
    const json::object& o = item.as_object();
    std::string email;
    if (const json::value* data = o.if_contains("data")) email = text_of(*data, "email");
    std::string result;
    if (const json::value* v = o.if_contains("verification")) result = text_of(*v, "result");
    page.items.push_back(Verification{std::move(email), std::move(result)});
  }
  return page;
}

asio::awaitable<Outcome<BulkVerifyResult>> bulk_verify(outbound::Caller& caller,
                                                       BulkVerify&& verify) {
  BulkVerifyResult out;
  outbound::Call create = jobs_create_call(verify);
  Outcome<std::int64_t> job =
      co_await call_and_parse<std::int64_t>(caller, std::move(create), parse_jobs_create);
  if (!job) co_return job.error();
  out.job_id = *job;

  auto executor = co_await asio::this_coro::executor;
  for (int poll = 0; poll < verify.max_polls; ++poll) {
    if (poll > 0) {
      asio::steady_timer timer(executor, verify.poll_interval);
      co_await timer.async_wait(asio::use_awaitable);
    }
    outbound::Call status_call = job_status_call(out.job_id);
    Outcome<JobStatus> status =
        co_await call_and_parse<JobStatus>(caller, std::move(status_call), parse_job_status);
    if (!status) co_return status.error();
    out.job_status = status->job_status;
    if (status->job_status == "failed") {
      co_return ActionError{ActionError::Kind::kRejected,
                            "neverbounce job " + std::to_string(out.job_id) + " failed", 200,
                            std::nullopt};
    }
    if (status->complete()) break;
  }
  if (out.job_status != "complete") co_return out;

  out.complete = true;
  for (std::int64_t page = 1; page <= verify.max_result_pages; ++page) {
    outbound::Call results_call = job_results_call(out.job_id, page, verify.items_per_page);
    Outcome<ResultsPage> results =
        co_await call_and_parse<ResultsPage>(caller, std::move(results_call), parse_job_results);
    if (!results) co_return results.error();
    for (Verification& v : results->items) out.results.push_back(std::move(v));
    if (page >= results->total_pages) break;
  }
  co_return out;
}

json::value to_json(const BulkVerifyResult& r) {
  json::array results;
  for (const Verification& v : r.results) {
    results.push_back(json::object{{"email", v.email}, {"result", v.result}});
  }
  return json::object{{"job_id", r.job_id},
                      {"job_status", r.job_status},
                      {"complete", r.complete},
                      {"results", std::move(results)}};
}

namespace {

asio::awaitable<ActionResult> run_single_check(outbound::Caller& caller, const json::object& input,
                                               const ChunkSink*) {
  InputReader in(input);
  std::string email = in.text("email");
  if (auto error = in.error()) co_return *error;
  outbound::Call call = single_check_call(email);
  outbound::CallResult answer = co_await caller.call(std::move(call));
  if (!answer) co_return call_failed(std::move(answer.error()));
  Outcome<Verification> v = parse_single_check(*answer, email);
  if (!v) co_return v.error();
  co_return json::object{{"email", v->email}, {"result", v->result}};
}

asio::awaitable<ActionResult> run_bulk_verify(outbound::Caller& caller, const json::object& input,
                                              const ChunkSink*) {
  InputReader in(input);
  BulkVerify verify;
  verify.emails = in.texts("emails", true);
  verify.poll_interval = std::chrono::milliseconds(in.integer("poll_interval_ms", 2000, 0, 60'000));
  verify.max_polls = static_cast<int>(in.integer("max_polls", 30, 1, 1000));
  verify.max_result_pages = static_cast<int>(in.integer("max_result_pages", 100, 1, 1000));
  verify.items_per_page = static_cast<int>(in.integer("items_per_page", 1000, 1, 1000));
  if (verify.emails.size() > 100'000) in.fail("emails", "at most 100000 addresses");
  if (auto error = in.error()) co_return *error;
  Outcome<BulkVerifyResult> result = co_await bulk_verify(caller, std::move(verify));
  if (!result) co_return result.error();
  co_return to_json(*result);
}

}  // namespace

ProviderKind kind() {
  return ProviderKind{
      kName,
      "https://api.neverbounce.com/v4",
      "",
      {Action{"bulk_verify",
              "Verify a list of emails as one job: create, poll until complete, read the results",
              false, run_bulk_verify},
       Action{"single_check", "Verify one email address", false, run_single_check}}};
}

}  // namespace wharf::providers::neverbounce
