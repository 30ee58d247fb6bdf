#include "cli/events_command.h"

#include <iostream>

namespace wharf::cli {
namespace {

// A bulk replay pages through up to 10000 events per request: more than a list needs.
constexpr CurlTransportParams kAdminTimeouts{std::chrono::seconds(10), std::chrono::seconds(120)};

const std::vector<std::string> kStatuses{"pending", "processing", "done",
                                         "failed",  "dead",       "ignored"};

constexpr const char* kFindingTheGateway =
    "The gateway: --url, else http://<server.listen> from the config (a wildcard address becomes "
    "127.0.0.1). The token: --token, else $WHARF_ADMIN_TOKEN, else server.admin_token.\n"
    "Exit codes: 0 ok, 1 the gateway could not be reached or answered an error, 2 usage or "
    "config error.";

using Options = std::shared_ptr<EventsOptions>;

// Adds a subcommand of `parent` that runs `action` with the options its flags fill.
std::pair<CLI::App*, Options> add_action(CLI::App* parent, const char* name, const char* what,
                                         std::string footer, EventsAction action, int* exit_code,
                                         const CommandIo& io) {
  auto opts = std::make_shared<EventsOptions>();
  CLI::App* cmd = parent->add_subcommand(name, what);
  cmd->add_option("--url", opts->admin.url,
                  "Gateway base URL, e.g. http://127.0.0.1:8080 (default: from the config)");
  cmd->add_option("-c,--config", opts->admin.config_path,
                  "Configuration file, read for server.listen and server.admin_token")
      ->capture_default_str();
  cmd->add_option("--token", opts->admin.token,
                  "Admin API bearer token (default: $WHARF_ADMIN_TOKEN, then the config's)");
  cmd->footer(footer + "\n\n" + kFindingTheGateway);
  cmd->callback([opts, action, exit_code, io] {
    std::shared_ptr<HttpTransport> http = io.http;
    if (!http) http = make_curl_transport(kAdminTimeouts);
    *exit_code = run_events_action(action, *opts, *http, io.env, io.out ? *io.out : std::cout,
                                   io.err ? *io.err : std::cerr);
  });
  return {cmd, opts};
}

void add_selection(CLI::App* cmd, EventsOptions& o, bool with_status) {
  cmd->add_option("--source", o.source, "Only events from this source");
  cmd->add_option("--type", o.type, "Only events of this type");
  if (with_status) {
    cmd->add_option("--status", o.status, "Only events in this status")
        ->check(CLI::IsMember(kStatuses));
  }
}

void add_list_flags(CLI::App* cmd, EventsOptions& o, bool with_status) {
  add_selection(cmd, o, with_status);
  cmd->add_option("--limit", o.limit, "Events per page (1..1000; default: the gateway's, 50)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--cursor", o.cursor, "Continue a listing (from a previous `more:` line)");
  cmd->add_flag("--json", o.json, "Print the API's JSON as is");
}

void add_replay_flags(CLI::App* cmd, EventsOptions& o, bool with_status) {
  cmd->add_option("ID", o.ids, "Event IDs to replay one by one");
  add_selection(cmd, o, with_status);
  cmd->add_option("--since", o.since,
                  "Only events received at or after this time (RFC 3339 or Unix seconds)");
  cmd->add_option("--until", o.until,
                  "Only events received before this time (RFC 3339 or Unix seconds)");
  cmd->add_option("--limit", o.limit,
                  "Events per request while paging through the matches (1..10000; default 1000)")
      ->check(CLI::Range(1, 10000));
}

}  // namespace

void register_events_commands(CLI::App& root, int* exit_code) {
  register_events_commands(root, exit_code, CommandIo{});
}

void register_events_commands(CLI::App& root, int* exit_code, CommandIo io) {
  CLI::App* events =
      root.add_subcommand("events", "Inspect and replay stored events (through the admin API)");
  events->require_subcommand(1);
  auto [list, list_opts] = add_action(
      events, "list", "List stored events, newest first, as a table",
      "Calls GET /api/v1/events?source=&type=&status=&limit=&cursor=. Prints ID, STATUS, "
      "ATTEMPTS, SOURCE, TYPE and RECEIVED; when more events match, a last line `more: wharf "
      "events list ... --cursor C` fetches the next page.\n"
      "Example: wharf events list --status failed --limit 20",
      EventsAction::kList, exit_code, io);
  add_list_flags(list, *list_opts, true);

  auto [show, show_opts] = add_action(
      events, "show", "Show one event: its targets, every delivery attempt and its payload",
      "Calls GET /api/v1/events/{ID}.\nExample: wharf events show evt_01HV...", EventsAction::kShow,
      exit_code, io);
  show->add_option("ID", show_opts->ids, "The event's ID (from `wharf events list`)")
      ->required()
      ->expected(1);
  show->add_flag("--json", show_opts->json, "Print the API's JSON as is");

  auto [replay, replay_opts] = add_action(
      events, "replay", "Dispatch events again, as a new series of attempts",
      "With IDs: calls POST /api/v1/events/{ID}/replay for each and prints `ID: replayed (N "
      "deliveries)`. With filters instead: calls POST /api/v1/events/replay with them as JSON, "
      "following next_cursor until every match is replayed, and prints `replayed N events (M "
      "deliveries)`. Give IDs or filters, not both.\n"
      "Examples: wharf events replay evt_1 evt_2\n"
      "          wharf events replay --source stripe --status failed --since 2024-05-01T00:00:00Z",
      EventsAction::kReplay, exit_code, io);
  add_replay_flags(replay, *replay_opts, true);

  CLI::App* dlq = root.add_subcommand(
      "dlq", "Inspect and replay the dead-letter queue (events whose deliveries gave up)");
  dlq->require_subcommand(1);
  auto [dlq_list, dlq_list_opts] = add_action(
      dlq, "list", "List dead events, newest first, as a table",
      "Calls GET /api/v1/dlq?source=&type=&limit=&cursor=; the same table and `more:` line as "
      "`wharf events list`.\nExample: wharf dlq list --source stripe",
      EventsAction::kDlqList, exit_code, io);
  add_list_flags(dlq_list, *dlq_list_opts, false);

  auto [dlq_replay, dlq_replay_opts] = add_action(
      dlq, "replay", "Replay dead events: by ID, by filter, or --all",
      "With IDs: calls POST /api/v1/dlq/{ID}/replay for each (only its dead deliveries start "
      "again). With --all or filters: calls "
      "POST /api/v1/dlq/replay ({} for --all), following next_cursor until the matches are "
      "replayed, and prints `replayed N events (M deliveries)`.\n"
      "Examples: wharf dlq replay --all\n"
      "          wharf dlq replay --source sendgrid --since 1714521600",
      EventsAction::kDlqReplay, exit_code, io);
  add_replay_flags(dlq_replay, *dlq_replay_opts, false);
  dlq_replay->add_flag("--all", dlq_replay_opts->all, "Replay the whole dead-letter queue");
}

}  // namespace wharf::cli
