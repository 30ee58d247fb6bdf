// Apollo.io: people search, to find contacts at a company by title (the RoleFerry contact
// search). The API key is added by the pipeline's credentials stage. Pure functions; kind() is
// registered in provider_kind.cc.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "outbound/call.h"
#include "providers/action_support.h"

namespace wharf::providers::apollo {

inline constexpr std::string_view kName = "apollo";

struct PeopleSearch {
  std::string organization_domain;         // "acme.com"
  std::vector<std::string> person_titles;  // empty: any title
  std::int64_t page = 1;
  std::int64_t per_page = 10;
};

struct Person {
  std::string id;
  std::string name;
  std::string title;
  std::string email;  // Apollo's placeholder when the email is not unlocked
  std::string email_status;
  std::string linkedin_url;
  std::string organization_name;
  std::string organization_domain;
};

struct Pagination {
  std::int64_t page = 0;
  std::int64_t per_page = 0;
  std::int64_t total_entries = 0;
  std::int64_t total_pages = 0;
};

struct PeopleSearchResult {
  std::vector<Person> people;
  Pagination pagination;
};

// POST /mixed_people/search with a JSON body.
outbound::Call people_search_call(const PeopleSearch& search);
// A 2xx answer's people and pagination; rejected() for a non-2xx answer.
Outcome<PeopleSearchResult> parse_people_search(const outbound::HttpResponse& response);
boost::json::value to_json(const PeopleSearchResult& result);

ProviderKind kind();

}  // namespace wharf::providers::apollo
