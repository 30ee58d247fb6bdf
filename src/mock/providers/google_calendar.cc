#include "mock/providers/google_calendar.h"

#include <algorithm>
#include <charconv>

#include "core/encoding.h"
#include "core/time_format.h"
#include "http/response.h"
#include "mock/providers/google_error.h"

namespace wharf::mock {
namespace {

namespace json = boost::json;
using http::Status;

constexpr int kEventCount = 25;
constexpr std::int64_t kFirstStartMs = 1'894'006'800'000;  // 2030-01-07T09:00:00Z
constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDefaultMaxResults = 250;
constexpr std::int64_t kMaxMaxResults = 2500;
constexpr std::string_view kSummaries[] = {"Standup", "Design review", "1:1", "Customer call",
                                           "Planning"};

http::Response invalid_argument(std::string_view message) {
  return google_error(Status::bad_request, "INVALID_ARGUMENT", "invalid", message);
}

// "2030-01-07T09:00:00Z": Google's dateTime, without the milliseconds.
std::string date_time(std::int64_t unix_ms) {
  return format_rfc3339_ms(unix_ms).substr(0, 19) + "Z";
}

json::object event_json(int i, const std::string& owner) {
  std::int64_t start = kFirstStartMs + i * kDayMs;
  char id[32];
  std::snprintf(id, sizeof id, "mockevent%04d", i + 1);  // Calendar ids use base32hex: a-v, 0-9
  std::string summary =
      std::string(kSummaries[i % std::size(kSummaries)]) + " #" + std::to_string(i + 1);
  std::string created = format_rfc3339_ms(kFirstStartMs - 30 * kDayMs + i * kHourMs);
  return {{"kind", "calendar#event"},
          {"etag", "\"" + std::to_string(3'400'000'000'000'000LL + i) + "\""},
          {"id", id},
          {"status", "confirmed"},
          {"htmlLink", "https://www.google.com/calendar/event?eid=" +
                           encoding::base64url_encode(std::string(id) + " " + owner)},
          {"created", created},
          {"updated", created},
          {"summary", summary},
          {"creator", {{"email", owner}, {"self", true}}},
          {"organizer", {{"email", owner}, {"self", true}}},
          {"start", {{"dateTime", date_time(start)}, {"timeZone", "UTC"}}},
          {"end", {{"dateTime", date_time(start + kHourMs)}, {"timeZone", "UTC"}}},
          {"iCalUID", std::string(id) + "@google.com"},
          {"sequence", 0},
          {"reminders", {{"useDefault", true}}},
          {"eventType", "default"}};
}

// Page tokens and sync tokens are opaque to clients; here they name the calendar and an offset.
std::string page_token(std::string_view calendar, std::int64_t offset) {
  return encoding::base64url_encode("page:" + std::string(calendar) + ":" + std::to_string(offset));
}
std::string sync_token(std::string_view calendar) {
  return "CMock" + encoding::base64url_encode("sync:" + std::string(calendar));
}

std::optional<std::int64_t> whole_number(std::string_view text) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

// An RFC 3339 timestamp with its offset, as Google requires for timeMin/timeMax.
std::optional<std::int64_t> rfc3339(std::string_view text) {
  if (text.find('T') == std::string_view::npos) return std::nullopt;
  return parse_time_ms(text);
}

class GoogleCalendarProvider final : public Provider {
 public:
  explicit GoogleCalendarProvider(IdSource&) {}

  std::optional<http::Response> handle(const ProviderRequest& req) override {
    const auto encoded_id = segment_between(req.path, "/calendar/v3/calendars/", "/events");
    if (req.http.method() != http::Verb::get || !encoded_id) return std::nullopt;
    if (auto refused = google_require_bearer(req.http)) return std::move(*refused);
    auto calendar = encoding::form_url_decode(*encoded_id);
    if (!calendar || calendar->empty()) return invalid_argument("Invalid calendarId");
    return list(*calendar, req.query);
  }

 private:
  http::Response list(const std::string& calendar, const http::QueryParams& query) {
    std::int64_t max_results = kDefaultMaxResults;
    if (const std::string* m = find_param(query, "maxResults")) {
      auto n = whole_number(*m);
      if (!n || *n < 1) return invalid_argument("Invalid value for maxResults: " + *m);
      max_results = std::min(*n, kMaxMaxResults);
    }
    std::optional<std::int64_t> time_min, time_max;
    if (const std::string* t = find_param(query, "timeMin")) {
      time_min = rfc3339(*t);
      if (!time_min) return invalid_argument("Bad Request: timeMin must be RFC 3339 with offset");
    }
    if (const std::string* t = find_param(query, "timeMax")) {
      time_max = rfc3339(*t);
      if (!time_max) return invalid_argument("Bad Request: timeMax must be RFC 3339 with offset");
    }
    bool single_events = false;
    if (const std::string* s = find_param(query, "singleEvents")) {
      if (*s != "true" && *s != "false") return invalid_argument("Invalid value for singleEvents");
      single_events = *s == "true";
    }
    if (const std::string* o = find_param(query, "orderBy")) {
      if (*o != "startTime" && *o != "updated")
        return invalid_argument("Invalid value for orderBy");
      if (*o == "startTime" && !single_events) {
        return invalid_argument(
            "The requested ordering is not available for the particular query.");
      }
    }
    std::string owner = calendar == "primary" ? "mock.user@wharf.test" : calendar;
    json::object out{{"kind", "calendar#events"},
                     {"etag", "\"p33c9mock0000\""},
                     {"summary", owner},
                     {"description", ""},
                     {"updated", format_rfc3339_ms(kFirstStartMs - 30 * kDayMs)},
                     {"timeZone", "UTC"},
                     {"accessRole", "owner"},
                     {"defaultReminders", json::array{}}};
    if (const std::string* sync = find_param(query, "syncToken")) {
      if (time_min || time_max) {
        return invalid_argument("syncToken cannot be combined with timeMin or timeMax");
      }
      if (*sync != sync_token(calendar)) {
        return google_error(Status::gone, "GONE", "fullSyncRequired",
                            "Sync token is no longer valid, a full sync is required.");
      }
      // Nothing ever changes in the simulated calendar.
      out["items"] = json::array{};
      out["nextSyncToken"] = sync_token(calendar);
      return http::json_response(Status::ok, out);
    }
    std::vector<int> matching;
    for (int i = 0; i < kEventCount; ++i) {
      std::int64_t start = kFirstStartMs + i * kDayMs;
      if (time_min && start + kHourMs <= *time_min) continue;
      if (time_max && start >= *time_max) continue;
      matching.push_back(i);
    }
    std::int64_t offset = 0;
    if (const std::string* token = find_param(query, "pageToken")) {
      std::optional<std::int64_t> found;
      for (std::int64_t o = 0; o < static_cast<std::int64_t>(matching.size()); ++o) {
        if (*token == page_token(calendar, o)) found = o;
      }
      if (!found) return invalid_argument("Invalid pageToken value");
      offset = *found;
    }
    auto total = static_cast<std::int64_t>(matching.size());
    std::int64_t end = std::min(total, offset + max_results);
    json::array items;
    for (std::int64_t i = offset; i < end; ++i) {
      items.push_back(event_json(matching[static_cast<std::size_t>(i)], owner));
    }
    out["items"] = std::move(items);
    if (end < total) {
      out["nextPageToken"] = page_token(calendar, end);
    } else {
      out["nextSyncToken"] = sync_token(calendar);
    }
    return http::json_response(Status::ok, out);
  }
};

}  // namespace

std::unique_ptr<Provider> make_google_calendar_provider(IdSource& ids) {
  return std::make_unique<GoogleCalendarProvider>(ids);
}

}  // namespace wharf::mock
