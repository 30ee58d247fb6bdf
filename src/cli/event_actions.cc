#include "cli/event_actions.h"

#include <boost/json.hpp>
#include <ostream>

#include "cli/admin_client.h"
#include "cli/event_views.h"
#include "core/encoding.h"

namespace wharf::cli {
namespace {

namespace json = boost::json;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

bool is_dlq(EventsAction action) {
  return action == EventsAction::kDlqList || action == EventsAction::kDlqReplay;
}

// The filter flags that select events (not --limit, --cursor or --all).
bool has_filter(const EventsOptions& o) {
  return !o.source.empty() || !o.type.empty() || !o.status.empty() || !o.since.empty() ||
         !o.until.empty();
}

// `s` as one shell word, for the "more:" line a user may paste.
std::string shell_word(const std::string& s) {
  bool plain = !s.empty() && s.find_first_not_of(
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
                                 "wxyz0123456789._-:/@%+=,") == std::string::npos;
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The command that fetches the next page: the same flags with --cursor `next`.
std::string next_page_command(bool dlq, const EventsOptions& o, const std::string& next) {
  std::string cmd = dlq ? "wharf dlq list" : "wharf events list";
  auto add = [&cmd](std::string_view flag, const std::string& value) {
    if (!value.empty()) cmd += " " + std::string(flag) + " " + shell_word(value);
  };
  add("--url", o.admin.url);
  if (o.admin.config_path != AdminFlags{}.config_path) add("--config", o.admin.config_path);
  add("--source", o.source);
  add("--type", o.type);
  add("--status", o.status);
  if (o.limit > 0) add("--limit", std::to_string(o.limit));
  add("--cursor", next);
  return cmd;
}

// Runs the commands against one gateway; each method returns an exit code.
class EventsCommand {
 public:
  EventsCommand(AdminClient& client, std::ostream& out, std::ostream& err)
      : client_(client), out_(out), err_(err) {}

  int list(const EventsOptions& o, bool dlq) {
    std::string query;
    auto param = [&query](std::string_view key, const std::string& value) {
      if (value.empty()) return;
      query += (query.empty() ? "?" : "&") + std::string(key) + "=" + encoding::url_encode(value);
    };
    param("source", o.source);
    param("type", o.type);
    if (!dlq) param("status", o.status);
    if (o.limit > 0) param("limit", std::to_string(o.limit));
    param("cursor", o.cursor);
    auto answer = to_answer(client_.get((dlq ? "/api/v1/dlq" : "/api/v1/events") + query));
    if (!answer) return failed(answer.error().message);
    if (o.json) return print_raw(answer->body);
    out_ << render_event_list(answer->value);
    std::string next = string_field(answer->value, "next_cursor");
    if (!next.empty()) out_ << "more: " << next_page_command(dlq, o, next) << "\n";
    return kExitOk;
  }

  int show(const EventsOptions& o) {
    auto answer = to_answer(client_.get(event_path(o.ids.front())));
    if (!answer) return failed(answer.error().message);
    if (o.json) return print_raw(answer->body);
    out_ << render_event(answer->value);
    return kExitOk;
  }

  // POST /api/v1/events/{id}/replay (or /api/v1/dlq/{id}/replay: its dead deliveries only) for
  // each id; continues past an API error (an unknown id), stops at a network error.
  int replay_each(const std::vector<std::string>& ids, bool dlq) {
    int code = kExitOk;
    for (const auto& id : ids) {
      std::string path = dlq ? "/api/v1/dlq/" + encoding::url_encode(id) : event_path(id);
      auto reply = client_.post(path + "/replay", "");
      auto answer = to_answer(reply);
      if (!answer) {
        failed(answer.error().message + " (" + printable(id, false) + ")");
        if (!reply) return kExitFailed;
        code = kExitFailed;
        continue;
      }
      out_ << printable(id, false) << ": replayed (" << int_field(answer->value, "deliveries")
           << " deliveries)\n";
    }
    return code;
  }

  // POSTs `filter` to `path` page after page, following next_cursor until it is null.
  int replay_matching(const std::string& path, json::object filter) {
    std::int64_t events = 0;
    std::int64_t deliveries = 0;
    std::string cursor;
    for (;;) {
      if (!cursor.empty()) filter["cursor"] = cursor;
      auto answer = to_answer(client_.post(path, json::serialize(filter)));
      if (!answer) {
        if (events > 0) out_ << summary(events, deliveries) << " before the error\n";
        return failed(answer.error().message);
      }
      events += int_field(answer->value, "replayed");
      deliveries += int_field(answer->value, "deliveries");
      std::string next = string_field(answer->value, "next_cursor");
      if (next.empty()) break;
      if (next == cursor) {
        out_ << summary(events, deliveries) << "\n";
        return failed("the gateway returned the same cursor twice; stopped");
      }
      cursor = std::move(next);
    }
    out_ << summary(events, deliveries) << "\n";
    return kExitOk;
  }

 private:
  static std::string event_path(const std::string& id) {
    return "/api/v1/events/" + encoding::url_encode(id);
  }
  static std::string summary(std::int64_t events, std::int64_t deliveries) {
    return "replayed " + std::to_string(events) + " events (" + std::to_string(deliveries) +
           " deliveries)";
  }
  int print_raw(const std::string& body) {
    out_ << body;
    if (!body.ends_with('\n')) out_ << "\n";
    return kExitOk;
  }
  int failed(const std::string& why) {
    err_ << "wharf: " << why << "\n";
    return kExitFailed;
  }

  AdminClient& client_;
  std::ostream& out_;
  std::ostream& err_;
};

json::object replay_filter(const EventsOptions& o, bool dlq) {
  json::object filter;
  auto add = [&filter](std::string_view key, const std::string& value) {
    if (!value.empty()) filter[key] = value;
  };
  add("source", o.source);
  add("type", o.type);
  if (!dlq) add("status", o.status);
  add("since", o.since);
  add("until", o.until);
  if (o.limit > 0) filter["limit"] = o.limit;
  return filter;
}

// The usage error of a replay's arguments, or empty when they make sense.
std::string replay_usage_error(const EventsOptions& o, bool dlq) {
  const char* filters =
      dlq ? "--source, --type, --since, --until" : "--source, --type, --status, --since, --until";
  bool ids = !o.ids.empty();
  if (ids && (has_filter(o) || o.all)) {
    return std::string("give event IDs or ") + (dlq ? "--all or filters" : "filters") +
           ", not both";
  }
  if (o.all && has_filter(o)) return "--all replays the whole DLQ: drop it or the filters";
  if (ids && o.limit > 0) return "--limit applies to a filtered replay, not to event IDs";
  if (!ids && !o.all && !has_filter(o)) {
    return dlq ? std::string("dlq replay needs event IDs, --all, or a filter (") + filters + ")"
               : std::string("events replay needs event IDs or a filter (") + filters + ")";
  }
  return {};
}

}  // namespace

int run_events_action(EventsAction action, const EventsOptions& opts, HttpTransport& http,
                      const EnvLookup& env, std::ostream& out, std::ostream& err) {
  const bool dlq = is_dlq(action);
  if (action == EventsAction::kReplay || action == EventsAction::kDlqReplay) {
    if (std::string why = replay_usage_error(opts, dlq); !why.empty()) {
      err << "wharf: " << why << " (see --help)\n";
      return kExitUsage;
    }
  }
  if (action == EventsAction::kShow && opts.ids.size() != 1) {
    err << "wharf: events show takes one event ID (see --help)\n";
    return kExitUsage;
  }
  auto endpoint = locate_admin_api(opts.admin, env);
  if (!endpoint) {
    err << "wharf: " << endpoint.error().message << "\n";
    return kExitUsage;
  }
  AdminClient client(http, std::move(*endpoint));
  EventsCommand cmd(client, out, err);
  switch (action) {
    case EventsAction::kList:
    case EventsAction::kDlqList:
      return cmd.list(opts, dlq);
    case EventsAction::kShow:
      return cmd.show(opts);
    case EventsAction::kReplay:
    case EventsAction::kDlqReplay:
      if (!opts.ids.empty()) return cmd.replay_each(opts.ids, dlq);
      return cmd.replay_matching(dlq ? "/api/v1/dlq/replay" : "/api/v1/events/replay",
                                 replay_filter(opts, dlq));
  }
  return kExitUsage;
}

}  // namespace wharf::cli
