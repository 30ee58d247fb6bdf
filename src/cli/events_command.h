// `wharf events list/show/replay` and `wharf dlq list/replay`: the operator's view of stored
// events through a running gateway's admin API (SPEC §1.3). Each command finds the gateway and
// its token (cli/gateway_locator.h), makes blocking calls on the calling thread (libcurl), prints
// tables or the API's JSON on stdout and errors as one line on stderr.
// Exit codes: 0 ok, 1 a network error or a non-2xx answer, 2 a usage or config error.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <memory>

#include "cli/event_actions.h"
#include "cli/http_transport.h"
#include "core/config_node.h"

namespace wharf::cli {

// Adds the `events` and `dlq` subcommands to `root`; when one runs, its exit code is stored in
// *exit_code.
void register_events_commands(CLI::App& root, int* exit_code);

// ---- the parts below are exposed for tests ----

// The commands' side effects, replaceable in tests.
struct CommandIo {
  std::shared_ptr<HttpTransport> http;  // null: libcurl
  EnvLookup env = process_env();
  std::ostream* out = nullptr;  // null: std::cout
  std::ostream* err = nullptr;  // null: std::cerr
};

// As register_events_commands, with the side effects of `io`.
void register_events_commands(CLI::App& root, int* exit_code, CommandIo io);

}  // namespace wharf::cli
