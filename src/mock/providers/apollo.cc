#include "mock/providers/apollo.h"

#include <algorithm>

#include "http/response.h"

namespace wharf::mock {
namespace {

namespace json = boost::json;
using http::Status;

constexpr std::int64_t kTotalEntries = 42;  // every search finds the same simulated people

std::int64_t int_field(const json::object& body, std::string_view name, std::int64_t fallback) {
  const json::value* v = body.if_contains(name);
  if (v && v->is_int64()) return v->as_int64();
  if (v && v->is_string()) {
    try {
      return std::stoll(std::string(v->as_string()));
    } catch (...) {
    }
  }
  return fallback;
}

// The n-th simulated person (same n, same person), in the shape of Apollo's people search.
json::object person(std::int64_t n, const json::object& body) {
  static constexpr std::string_view kFirst[] = {"Ada", "Grace", "Alan", "Barbara", "Ken", "Linus"};
  static constexpr std::string_view kLast[] = {"Lovelace", "Hopper",   "Turing",
                                               "Liskov",   "Thompson", "Torvalds"};
  std::string first(kFirst[n % 6]);
  std::string last(kLast[(n / 6) % 6]);
  std::string title = "VP Engineering";
  if (const json::value* titles = body.if_contains("person_titles");
      titles && titles->is_array() && !titles->as_array().empty() &&
      titles->as_array()[0].is_string()) {
    title = std::string(titles->as_array()[0].as_string());
  }
  std::string id = "6" + std::to_string(1000000 + n) + "a0b1c2d3e4f5a6b7";
  std::string org_id = "5" + std::to_string(2000000 + n % 7) + "f0e1d2c3b4a5f6e7";
  std::string domain = "example" + std::to_string(n % 7) + ".com";
  return {
      {"id", id},
      {"first_name", first},
      {"last_name", last},
      {"name", first + " " + last},
      {"linkedin_url",
       "http://www.linkedin.com/in/" + first + "-" + last + "-" + std::to_string(n)},
      {"title", title},
      {"email_status", "verified"},
      {"photo_url", nullptr},
      {"twitter_url", nullptr},
      {"github_url", nullptr},
      {"facebook_url", nullptr},
      {"extrapolated_email_confidence", nullptr},
      {"headline", title + " at Example " + std::to_string(n % 7)},
      {"email", "email_not_unlocked@domain.com"},
      {"organization_id", org_id},
      {"employment_history", json::array{}},
      {"state", "California"},
      {"city", "San Francisco"},
      {"country", "United States"},
      {"organization",
       {{"id", org_id},
        {"name", "Example " + std::to_string(n % 7)},
        {"website_url", "http://www." + domain},
        {"primary_domain", domain}}},
      {"departments", json::array{"master_engineering_technical"}},
      {"seniority", "vp"},
  };
}

class ApolloProvider final : public Provider {
 public:
  std::optional<http::Response> handle(const ProviderRequest& req) override {
    if (req.http.method() != http::Verb::post ||
        (req.path != "/v1/mixed_people/search" && req.path != "/api/v1/mixed_people/search")) {
      return std::nullopt;
    }
    json::object body = json_body(req.http).value_or(json::object{});
    bool has_key = req.http.find("X-Api-Key") != req.http.end();
    if (const json::value* key = body.if_contains("api_key"); key && key->is_string()) {
      has_key = has_key || !key->as_string().empty();
    }
    if (!has_key) {
      return http::json_response(Status::unauthorized,
                                 json::object{{"error", "Invalid access credentials."},
                                              {"error_code", "INVALID_API_KEY"}});
    }
    std::int64_t page = std::max<std::int64_t>(1, int_field(body, "page", 1));
    std::int64_t per_page = std::clamp<std::int64_t>(int_field(body, "per_page", 10), 1, 100);
    std::int64_t total_pages = (kTotalEntries + per_page - 1) / per_page;
    json::array people;
    for (std::int64_t n = (page - 1) * per_page; n < std::min(page * per_page, kTotalEntries);
         ++n) {
      people.push_back(person(n, body));
    }
    return http::json_response(Status::ok, json::object{{"breadcrumbs", json::array{}},
                                                        {"partial_results_only", false},
                                                        {"disable_eu_prospecting", false},
                                                        {"partial_results_limit", 10000},
                                                        {"pagination",
                                                         {{"page", page},
                                                          {"per_page", per_page},
                                                          {"total_entries", kTotalEntries},
                                                          {"total_pages", total_pages}}},
                                                        {"contacts", json::array{}},
                                                        {"people", people},
                                                        {"num_fetch_result", nullptr}});
  }
};

}  // namespace

std::unique_ptr<Provider> make_apollo_provider(IdSource&) {
  return std::make_unique<ApolloProvider>();
}

}  // namespace wharf::mock
