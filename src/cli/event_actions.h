// What `wharf events ...` and `wharf dlq ...` do once their flags are parsed: build the admin
// API requests (SPEC §1.3), follow replay cursors, and print the answers (cli/event_views.h) or
// one error line. Blocking, on the calling thread.
// Exit codes: 0 ok, 1 a network error or a non-2xx answer, 2 a usage or config error.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "cli/gateway_locator.h"
#include "cli/http_transport.h"
#include "core/config_node.h"

namespace wharf::cli {

enum class EventsAction { kList, kShow, kReplay, kDlqList, kDlqReplay };

struct EventsOptions {
  AdminFlags admin;
  std::vector<std::string> ids;  // show: exactly one; replay: any number
  std::string source;
  std::string type;
  std::string status;
  std::string since;  // replay filters: RFC 3339 or Unix seconds
  std::string until;
  std::string cursor;
  int limit = 0;      // 0: the API's default
  bool json = false;  // list/show: print the API's JSON as is
  bool all = false;   // dlq replay: the whole DLQ
};

// Runs `action` with `opts`. Returns the exit code described above.
int run_events_action(EventsAction action, const EventsOptions& opts, HttpTransport& http,
                      const EnvLookup& env, std::ostream& out, std::ostream& err);

}  // namespace wharf::cli
