// The simulated Google Calendar API: GET /calendar/v3/calendars/{calendarId}/events (bearer token
// required) over a fixed set of 25 one-hour events, one a day from 2030-01-07 09:00 UTC, the same
// for every calendar. Pages of maxResults (default 250, at most 2500); nextPageToken on every page
// but the last, nextSyncToken on the last only. timeMin/timeMax filter by end/start as Google
// does; a known syncToken answers no changes. Errors: 401 UNAUTHENTICATED, 400 INVALID_ARGUMENT
// (a bad parameter or an unknown pageToken), 410 for an unknown syncToken.
#pragma once

#include <memory>

#include "mock/provider.h"

namespace wharf::mock {

std::unique_ptr<Provider> make_google_calendar_provider(IdSource& ids);

}  // namespace wharf::mock
