// How the admin commands show the API's JSON to a person: the event list as an aligned table and
// one event as a readable page. Pure functions of the parsed JSON; missing or null fields show as
// "-", so a newer or older gateway never makes them fail. Control characters from webhook data are
// shown escaped (\xNN) so a payload cannot drive the terminal.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::cli {

// Rows as columns separated by two spaces, each padded to its widest cell (in code points); no
// trailing spaces. The first row is usually the header.
std::string format_table(const std::vector<std::vector<std::string>>& rows,
                         std::string_view indent = "");

// `{"events":[...]}` as the table "ID  STATUS  ATTEMPTS  SOURCE  TYPE  RECEIVED", one row per
// event, or "no events\n" when the list is empty.
std::string render_event_list(const boost::json::value& list);

// One event (GET /api/v1/events/{id}): its summary lines, its targets, one line per delivery
// attempt, then the payload.
std::string render_event(const boost::json::value& event);

// `text` with control characters other than newline and tab escaped as \xNN.
std::string printable(std::string_view text, bool keep_newlines);

}  // namespace wharf::cli
