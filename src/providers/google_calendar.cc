#include "providers/google_calendar.h"

#include "core/encoding.h"

namespace wharf::providers::google_calendar {

namespace asio = boost::asio;
namespace json = boost::json;

outbound::Call events_list_call(const EventsList& list, std::string_view page_token) {
  std::string query;
  auto add = [&query](std::string_view name, std::string_view value) {
    query += query.empty() ? '?' : '&';
    query += std::string(name) + "=" + encoding::url_encode(value);
  };
  if (!list.time_min.empty()) add("timeMin", list.time_min);
  if (list.max_results > 0) add("maxResults", std::to_string(list.max_results));
  if (!list.sync_token.empty()) add("syncToken", list.sync_token);
  if (!page_token.empty()) add("pageToken", page_token);
  outbound::Call call;
  call.method = "GET";
  call.target = "/calendars/" + encoding::url_encode(list.calendar_id) + "/events" + query;
  call.endpoint = "events.list";
  return call;
}

Outcome<EventsPage> parse_events_page(const outbound::HttpResponse& response) {
  auto answer = json_answer(kName, response);
  if (!answer) return answer.error();
  EventsPage page;
  if (const json::value* items = answer->if_contains("items")) {
    if (!items->is_array()) {
      return ActionError{ActionError::Kind::kBadResponse,
                         "google_calendar answered items that are not an array", response.status,
                         std::nullopt};
    }
    for (const json::value& item : items->as_array()) {
      if (!item.is_object()) continue;
      const json::object& o = item.as_object();
      Event e{text_of(o, "id"), text_of(o, "summary"), text_of(o, "status"), nullptr, nullptr};
      if (const json::value* start = o.if_contains("start")) e.start = *start;
      if (const json::value* end = o.if_contains("end")) e.end = *end;
      page.items.push_back(std::move(e));
    }
  }
  page.next_page_token = text_of(*answer, "nextPageToken");
  page.next_sync_token = text_of(*answer, "nextSyncToken");
  return page;
}

asio::awaitable<Outcome<EventsListResult>> events_list(outbound::Caller& caller,
                                                       EventsList&& list) {
  EventsListResult out;
  std::string token = list.page_token;
  for (int page = 0; page < list.max_pages; ++page) {
    outbound::Call call = events_list_call(list, token);
    Outcome<EventsPage> answer =
        co_await call_and_parse<EventsPage>(caller, std::move(call), parse_events_page);
    if (!answer) co_return answer.error();
    for (Event& e : answer->items) out.items.push_back(std::move(e));
    token = std::move(answer->next_page_token);
    if (token.empty()) {
      out.next_sync_token = std::move(answer->next_sync_token);
      co_return out;
    }
  }
  out.next_page_token = std::move(token);
  co_return out;
}

json::value to_json(const EventsListResult& r) {
  json::array items;
  for (const Event& e : r.items) {
    items.push_back(json::object{{"id", e.id},
                                 {"summary", e.summary},
                                 {"status", e.status},
                                 {"start", e.start},
                                 {"end", e.end}});
  }
  auto text_or_null = [](const std::string& v) {
    return v.empty() ? json::value(nullptr) : json::value(v);
  };
  return json::object{{"items", std::move(items)},
                      {"next_sync_token", text_or_null(r.next_sync_token)},
                      {"next_page_token", text_or_null(r.next_page_token)}};
}

namespace {

asio::awaitable<ActionResult> run_events_list(outbound::Caller& caller, const json::object& input,
                                              const ChunkSink*) {
  InputReader in(input);
  EventsList list;
  if (auto id = in.optional_text("calendar_id")) {
    if (id->empty()) in.fail("calendar_id", "must be a non-empty string");
    list.calendar_id = std::move(*id);
  }
  list.time_min = in.optional_text("time_min").value_or("");
  list.sync_token = in.optional_text("sync_token").value_or("");
  list.page_token = in.optional_text("page_token").value_or("");
  list.max_results = in.integer("max_results", 0, 1, 2500);
  list.max_pages = static_cast<int>(in.integer("max_pages", 10, 1, 100));
  if (!list.time_min.empty() && !list.sync_token.empty()) {
    in.fail("time_min", "cannot be combined with sync_token");
  }
  if (auto error = in.error()) co_return *error;
  Outcome<EventsListResult> result = co_await events_list(caller, std::move(list));
  if (!result) co_return result.error();
  co_return to_json(*result);
}

}  // namespace

ProviderKind kind() {
  return ProviderKind{kName,
                      "https://www.googleapis.com/calendar/v3",
                      "",
                      {Action{"events_list",
                              "List a calendar's events, every page, with the token for the next "
                              "incremental sync",
                              false, run_events_list}}};
}

}  // namespace wharf::providers::google_calendar
