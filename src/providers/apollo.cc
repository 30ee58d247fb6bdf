#include "providers/apollo.h"

#include <boost/json/serialize.hpp>

namespace wharf::providers::apollo {

namespace asio = boost::asio;
namespace json = boost::json;

outbound::Call people_search_call(const PeopleSearch& search) {
  json::array titles;
  for (const std::string& t : search.person_titles) titles.emplace_back(t);
  json::object body{{"q_organization_domains", search.organization_domain},
                    {"person_titles", std::move(titles)},
                    {"page", search.page},
                    {"per_page", search.per_page}};
  outbound::Call call;
  call.method = "POST";
  call.target = "/mixed_people/search";
  call.headers = {{"Content-Type", "application/json"}};
  call.body = json::serialize(body);
  call.endpoint = "people_search";
  return call;
}

Outcome<PeopleSearchResult> parse_people_search(const outbound::HttpResponse& response) {
  auto answer = json_answer(kName, response);
  if (!answer) return answer.error();
  const json::value* people = answer->if_contains("people");
  if (!people || !people->is_array()) {
    return ActionError{ActionError::Kind::kBadResponse, "apollo answered without a people array",
                       response.status, std::nullopt};
  }
  PeopleSearchResult result;
  for (const json::value& p : people->as_array()) {
    if (!p.is_object()) continue;
    const json::object& o = p.as_object();
    Person person{text_of(o, "id"),
                  text_of(o, "name"),
                  text_of(o, "title"),
                  text_of(o, "email"),
                  text_of(o, "email_status"),
                  text_of(o, "linkedin_url"),
                  {},
                  {}};
    if (const json::value* org = o.if_contains("organization"); org && org->is_object()) {
      person.organization_name = text_of(*org, "name");
      person.organization_domain = text_of(*org, "primary_domain");
    }
    result.people.push_back(std::move(person));
  }
  if (const json::value* pg = answer->if_contains("pagination"); pg && pg->is_object()) {
    const json::object& o = pg->as_object();
    result.pagination = {int_of(o, "page"), int_of(o, "per_page"), int_of(o, "total_entries"),
                         int_of(o, "total_pages")};
  }
  return result;
}

json::value to_json(const PeopleSearchResult& result) {
  json::array people;
  for (const Person& p : result.people) {
    people.push_back(json::object{
        {"id", p.id},
        {"name", p.name},
        {"title", p.title},
        {"email", p.email},
        {"email_status", p.email_status},
        {"linkedin_url", p.linkedin_url},
        {"organization", {{"name", p.organization_name}, {"domain", p.organization_domain}}}});
  }
  const Pagination& pg = result.pagination;
  return json::object{{"people", std::move(people)},
                      {"pagination",
                       {{"page", pg.page},
                        {"per_page", pg.per_page},
                        {"total_entries", pg.total_entries},
                        {"total_pages", pg.total_pages}}}};
}

namespace {

asio::awaitable<ActionResult> run_people_search(outbound::Caller& caller, const json::object& input,
                                                const ChunkSink*) {
  InputReader in(input);
  PeopleSearch search;
  search.organization_domain = in.text("domain");
  search.person_titles = in.texts("person_titles", false);
  search.page = in.integer("page", 1, 1, 500);
  search.per_page = in.integer("per_page", 10, 1, 100);
  if (auto error = in.error()) co_return *error;
  outbound::Call call = people_search_call(search);
  Outcome<PeopleSearchResult> result =
      co_await call_and_parse<PeopleSearchResult>(caller, std::move(call), parse_people_search);
  if (!result) co_return result.error();
  co_return to_json(*result);
}

}  // namespace

ProviderKind kind() {
  return ProviderKind{
      kName,
      "https://api.apollo.io/v1",
      "",
      {Action{"people_search", "Find people at a company (domain) by title, one page at a time",
              false, run_people_search}}};
}

}  // namespace wharf::providers::apollo
