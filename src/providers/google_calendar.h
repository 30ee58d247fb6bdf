// Google Calendar API: listing a calendar's events (interview scheduling, the calendar sync),
// following nextPageToken page by page, bounded by max_pages, and returning the nextSyncToken of
// the last page for the next incremental sync. The OAuth token is added by the pipeline. Pure
// functions apart from events_list (a coroutine on the caller's executor); kind() is registered
// in provider_kind.cc.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "outbound/call.h"
#include "providers/action_support.h"

namespace wharf::providers::google_calendar {

inline constexpr std::string_view kName = "google_calendar";

struct EventsList {
  std::string calendar_id = "primary";
  // Where to resume a listing that max_pages stopped (its next_page_token); the other fields must
  // be the same as in that listing.
  std::string page_token;
  std::string time_min;          // RFC 3339; optional (not with sync_token)
  std::string sync_token;        // from a previous list: only the changes since; optional
  std::int64_t max_results = 0;  // events per page; 0: Google's default
  int max_pages = 10;
};

struct Event {
  std::string id;
  std::string summary;
  std::string status;        // confirmed, tentative, cancelled
  boost::json::value start;  // {"dateTime", "timeZone"} or {"date"}, as Google gives it
  boost::json::value end;
};

struct EventsPage {
  std::vector<Event> items;
  std::string next_page_token;
  std::string next_sync_token;  // on the last page only
};

struct EventsListResult {
  std::vector<Event> items;
  std::string next_sync_token;
  std::string next_page_token;  // set when max_pages stopped the listing early
};

// GET /calendars/{id}/events?timeMin=&maxResults=&syncToken=&pageToken= (each when set).
outbound::Call events_list_call(const EventsList& list, std::string_view page_token);
Outcome<EventsPage> parse_events_page(const outbound::HttpResponse& response);
// Every page (up to max_pages).
boost::asio::awaitable<Outcome<EventsListResult>> events_list(outbound::Caller& caller,
                                                              EventsList&& list);
boost::json::value to_json(const EventsListResult& result);

ProviderKind kind();

}  // namespace wharf::providers::google_calendar
