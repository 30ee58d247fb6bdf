#include "mock/providers/neverbounce.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>
#include <map>
#include <vector>

#include "core/time_format.h"
#include "http/response.h"

namespace wharf::mock {
namespace {

namespace json = boost::json;
using http::Status;

constexpr std::int64_t kExecutionTimeMs = 12;  // a plausible, constant "execution_time"
constexpr std::int64_t kMaxItemsPerPage = 1000;

// NeverBounce reports every failure with HTTP 200 and a `status` other than "success".
http::Response nb_failure(std::string_view status, std::string_view message) {
  return http::json_response(
      Status::ok,
      json::object{{"status", status}, {"message", message}, {"execution_time", kExecutionTimeMs}});
}

http::Response nb_success(json::object fields) {
  json::object body{{"status", "success"}};
  for (auto& [k, v] : fields) body[k] = std::move(v);
  body["execution_time"] = kExecutionTimeMs;
  return http::json_response(Status::ok, body);
}

// The request's parameters: the query, then the body's fields (a JSON object or a form).
std::optional<json::object> params_of(const ProviderRequest& req) {
  json::object out;
  for (const auto& [k, v] : req.query) out[k] = v;
  if (req.http.body().empty()) return out;
  if (auto body = json_body(req.http)) {
    for (auto& [k, v] : *body) out[k] = v;
    return out;
  }
  auto form = form_body(req.http);
  if (!form) return std::nullopt;
  for (const auto& [k, v] : *form) out[k] = v;
  return out;
}

std::string string_param(const json::object& params, std::string_view name) {
  const json::value* v = params.if_contains(name);
  if (!v) return {};
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return std::to_string(v->as_int64());
  return {};
}

// A whole number given as JSON or as a string; `fallback` when absent, nullopt when malformed.
std::optional<std::int64_t> int_param(const json::object& params, std::string_view name,
                                      std::int64_t fallback) {
  const json::value* v = params.if_contains(name);
  if (!v) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (!v->is_string() || v->as_string().empty()) return std::nullopt;
  std::int64_t n = 0;
  for (char c : v->as_string()) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || n > 1'000'000'000) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

bool flag_param(const json::object& params, std::string_view name, bool fallback) {
  const json::value* v = params.if_contains(name);
  if (!v) return fallback;
  if (v->is_bool()) return v->as_bool();
  if (v->is_int64()) return v->as_int64() != 0;
  if (v->is_string()) return v->as_string() == "1" || v->as_string() == "true";
  return fallback;
}

struct Verdict {
  std::string result;  // valid, invalid, disposable, catchall, unknown
  json::array flags;
  std::string suggested_correction;
  json::object address_info;
  bool bad_syntax = false;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The simulated verification: deterministic in the address (see neverbounce.h).
Verdict verify(std::string_view email) {
  Verdict v;
  std::size_t at = email.find('@');
  std::string local(email.substr(0, at));
  std::string host = at == std::string_view::npos ? "" : lower(email.substr(at + 1));
  std::size_t dot = host.rfind('.');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string::npos ||
      dot == std::string::npos || dot == 0 || dot + 1 == host.size()) {
    v.result = "invalid";
    v.flags = {"bad_syntax"};
    v.bad_syntax = true;
    return v;
  }
  static const std::map<std::string, std::string> kMisspelled = {
      {"gmial.com", "gmail.com"}, {"gmal.com", "gmail.com"}, {"hotmial.com", "hotmail.com"}};
  std::string lower_local = lower(local);
  v.flags = {"has_dns", "has_dns_mx"};
  if (auto it = kMisspelled.find(host); it != kMisspelled.end()) {
    v.result = "invalid";
    v.flags.emplace_back("spelling_mistake");
    v.suggested_correction = local + "@" + it->second;
  } else if (lower_local.find("invalid") != std::string::npos) {
    v.result = "invalid";
  } else if (lower_local.find("disposable") != std::string::npos) {
    v.result = "disposable";
    v.flags.emplace_back("disposable_email");
  } else if (lower_local.find("catchall") != std::string::npos) {
    v.result = "catchall";
    v.flags.emplace_back("accepts_all");
  } else if (lower_local.find("unknown") != std::string::npos) {
    v.result = "unknown";
    v.flags.emplace_back("connect_fails");
  } else {
    v.result = "valid";
    v.flags.emplace_back("smtp_connectable");
  }
  std::size_t plus = local.find('+');
  std::string addr = local.substr(0, plus);
  std::string alias = plus == std::string::npos ? "" : local.substr(plus + 1);
  std::string labels = host.substr(0, dot);
  std::size_t sub = labels.rfind('.');
  v.address_info = {{"original_email", email},
                    {"normalized_email", lower(addr) + "@" + host},
                    {"addr", addr},
                    {"alias", alias},
                    {"host", host},
                    {"fqdn", host},
                    {"domain", sub == std::string::npos ? labels : labels.substr(sub + 1)},
                    {"subdomain", sub == std::string::npos ? "" : labels.substr(0, sub)},
                    {"tld", host.substr(dot + 1)}};
  return v;
}

// NeverBounce's timestamps: "2026-11-27 13:08:45" (UTC).
std::string nb_time(std::int64_t unix_ms) {
  std::string t = format_rfc3339_ms(unix_ms).substr(0, 19);
  t[10] = ' ';
  return t;
}

struct Row {
  json::object data;  // the row as supplied (a bare address becomes {"email": ...})
  Verdict verdict;
};

struct Job {
  std::int64_t id = 0;
  std::string filename;
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> started_ms;  // set when the job runs (it then completes at once)
  std::vector<Row> rows;
};

// One supplied input row: an object (its "email" field, or else its first value with an '@'),
// an array (its first element with an '@'; data keyed "0", "1", ...) or a bare address.
std::optional<Row> parse_row(const json::value& input) {
  Row row;
  std::string email;
  auto consider = [&](const json::value& v) {
    if (email.empty() && v.is_string() && v.as_string().find('@') != json::string::npos) {
      email = v.as_string();
    }
  };
  if (input.is_string()) {
    email = input.as_string();
    row.data = {{"email", email}};
  } else if (input.is_object()) {
    row.data = input.as_object();
    if (auto* e = row.data.if_contains("email"); e && e->is_string()) email = e->as_string();
    for (const auto& [k, v] : row.data) consider(v);
  } else if (input.is_array()) {
    std::size_t i = 0;
    for (const auto& v : input.as_array()) {
      consider(v);
      row.data[std::to_string(i++)] = v;
    }
  } else {
    return std::nullopt;
  }
  row.verdict = verify(email);
  return row;
}

class NeverBounceProvider final : public Provider {
 public:
  explicit NeverBounceProvider(IdSource&) {}

  std::optional<http::Response> handle(const ProviderRequest& req) override {
    std::string_view path = req.path;
    if (path.starts_with("/v4.2/")) {
      path.remove_prefix(5);
    } else if (path.starts_with("/v4/")) {
      path.remove_prefix(3);
    } else {
      return std::nullopt;
    }
    const http::Verb method = req.http.method();
    bool get_or_post = method == http::Verb::get || method == http::Verb::post;
    bool known = (get_or_post &&
                  (path == "/single/check" || path == "/jobs/status" || path == "/jobs/results")) ||
                 (method == http::Verb::post && (path == "/jobs/create" || path == "/jobs/start"));
    if (!known) return std::nullopt;
    auto params = params_of(req);
    if (!params) return nb_failure("general_failure", "The request body could not be parsed");
    if (string_param(*params, "key").empty()) {
      return nb_failure("auth_failure", "Invalid API key");
    }
    if (path == "/single/check") return single_check(*params);
    if (path == "/jobs/create") return create(*params, req.now_ms);
    auto job_id = int_param(*params, "job_id", 0);
    if (!job_id || *job_id == 0) {
      return nb_failure("general_failure", "Missing required parameter 'job_id'");
    }
    auto it = jobs_.find(*job_id);
    if (it == jobs_.end()) {
      return nb_failure("general_failure", "The job requested cannot be found");
    }
    Job& job = it->second;
    if (path == "/jobs/start") {
      if (!job.started_ms) job.started_ms = req.now_ms;
      return nb_success({{"queue_id", "NB-MOCK-" + std::to_string(job.id)}});
    }
    if (path == "/jobs/status") return status(job);
    return results(job, *params);
  }

 private:
  http::Response single_check(const json::object& params) {
    std::string email = string_param(params, "email");
    if (email.empty()) return nb_failure("general_failure", "Missing required parameter 'email'");
    Verdict v = verify(email);
    json::object body{{"result", v.result},
                      {"flags", v.flags},
                      {"suggested_correction", v.suggested_correction},
                      {"credits_info",
                       {{"paid_credits_used", 0},
                        {"free_credits_used", 1},
                        {"paid_credits_remaining", 0},
                        {"free_credits_remaining", 999}}}};
    if (flag_param(params, "address_info", false)) body["address_info"] = v.address_info;
    return nb_success(std::move(body));
  }

  http::Response create(const json::object& params, std::int64_t now_ms) {
    std::string location = string_param(params, "input_location");
    if (location != "supplied") {
      return nb_failure("general_failure",
                        location == "remote_url"
                            ? "input_location remote_url is not simulated (use supplied)"
                            : "input_location must be 'supplied' or 'remote_url'");
    }
    const json::value* input = params.if_contains("input");
    if (!input || !input->is_array() || input->as_array().empty()) {
      return nb_failure("general_failure", "input: a non-empty array of rows is required");
    }
    Job job;
    job.id = next_job_id_++;
    job.created_ms = now_ms;
    job.filename = string_param(params, "filename");
    if (job.filename.empty()) job.filename = "wharf-mock-" + std::to_string(job.id) + ".csv";
    for (const auto& entry : input->as_array()) {
      auto row = parse_row(entry);
      if (!row) {
        return nb_failure("general_failure",
                          "input: each row is an object, an array or an email address");
      }
      job.rows.push_back(std::move(*row));
    }
    // Parsing is instant here, and a started job completes at once.
    if (flag_param(params, "auto_start", false)) job.started_ms = now_ms;
    std::int64_t id = job.id;
    jobs_.emplace(id, std::move(job));
    return nb_success({{"job_id", id}});
  }

  http::Response status(const Job& job) {
    std::map<std::string, std::int64_t> counts;
    std::int64_t bad_syntax = 0;
    for (const auto& row : job.rows) {
      ++counts[row.verdict.result];
      bad_syntax += row.verdict.bad_syntax ? 1 : 0;
    }
    auto records = static_cast<std::int64_t>(job.rows.size());
    bool done = job.started_ms.has_value();
    auto count = [&](const char* result) { return done ? counts[result] : 0; };
    json::value started = done ? json::value(nb_time(*job.started_ms)) : json::value(nullptr);
    return nb_success({{"id", job.id},
                       {"job_id", job.id},
                       {"filename", job.filename},
                       {"created_at", nb_time(job.created_ms)},
                       {"started_at", started},
                       {"finished_at", started},
                       {"total",
                        {{"records", records},
                         {"billable", records},
                         {"processed", done ? records : 0},
                         {"valid", count("valid")},
                         {"invalid", count("invalid")},
                         {"catchall", count("catchall")},
                         {"disposable", count("disposable")},
                         {"unknown", count("unknown")},
                         {"duplicates", 0},
                         {"bad_syntax", done ? bad_syntax : 0}}},
                       {"bounce_estimate", done ? 100.0 * static_cast<double>(counts["invalid"]) /
                                                      static_cast<double>(records)
                                                : 0.0},
                       {"percent_complete", done ? 100 : 0},
                       {"job_status", done ? "complete" : "waiting"},
                       {"failure_reason", nullptr}});
  }

  http::Response results(const Job& job, const json::object& params) {
    if (!job.started_ms) {
      return nb_failure("general_failure", "The job is not complete yet (job_status: waiting)");
    }
    auto page = int_param(params, "page", 1);
    auto per_page = int_param(params, "items_per_page", 10);
    if (!page || *page < 1) return nb_failure("general_failure", "page: a number >= 1");
    if (!per_page || *per_page < 1 || *per_page > kMaxItemsPerPage) {
      return nb_failure("general_failure", "items_per_page: a number from 1 to 1000");
    }
    json::object query{{"job_id", job.id}};
    std::vector<const Row*> selected;
    for (const char* kind : {"valids", "invalids", "disposables", "catchalls", "unknowns"}) {
      query[kind] = flag_param(params, kind, true) ? 1 : 0;
    }
    for (const auto& row : job.rows) {
      if (query[row.verdict.result + "s"].as_int64() == 1) selected.push_back(&row);
    }
    query["page"] = *page;
    query["items_per_page"] = *per_page;
    auto total = static_cast<std::int64_t>(selected.size());
    json::array items;
    for (std::int64_t i = (*page - 1) * *per_page; i < std::min(total, *page * *per_page); ++i) {
      const Verdict& v = selected[static_cast<std::size_t>(i)]->verdict;
      items.push_back({{"data", selected[static_cast<std::size_t>(i)]->data},
                       {"verification",
                        {{"result", v.result},
                         {"flags", v.flags},
                         {"suggested_correction", v.suggested_correction},
                         {"address_info", v.address_info}}}});
    }
    return nb_success(
        {{"total_results", total},
         {"total_pages", std::max<std::int64_t>(1, (total + *per_page - 1) / *per_page)},
         {"query", std::move(query)},
         {"results", std::move(items)}});
  }

  std::map<std::int64_t, Job> jobs_;
  std::int64_t next_job_id_ = 281'001;
};

}  // namespace

std::unique_ptr<Provider> make_neverbounce_provider(IdSource& ids) {
  return std::make_unique<NeverBounceProvider>(ids);
}

}  // namespace wharf::mock
