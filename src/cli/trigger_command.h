// `wharf trigger SOURCE EVENT_TYPE`: like `stripe trigger`, sends a realistic sample event
// (cli/samples.h), signed with the source's own scheme and secrets from the config, to a running
// gateway, and prints the gateway's answer. Runs on the calling thread; blocking I/O (libcurl).
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>
#include <vector>

#include "cli/http_transport.h"
#include "cli/samples.h"

namespace wharf::cli {

// Adds the `trigger` subcommand to `root`; when it runs, its exit code (0 every answer was 2xx,
// 1 a non-2xx answer or a network error, 2 a usage or config error) is stored in *exit_code.
void register_trigger_command(CLI::App& root, int* exit_code);

// ---- the parts below are exposed for tests ----

struct TriggerOptions {
  std::string source;
  std::string event_type;
  std::string config_path = "wharf.yaml";
  std::string url;     // empty: http://<server.listen>/webhooks/<source>
  bool print = false;  // print each signed request as a curl command instead of sending it
  int count = 1;       // distinct events to send
  // KEY=VALUE: values the sample uses instead of its own (cli/samples.h sample_settings()).
  std::vector<std::string> settings;
};

// Runs the command with `opts`; ids and time come from `ctx`. Prints one line per event on
// `out` ("<status> <body>"), or with opts.print the curl commands; errors are one line on `err`.
// Returns the exit code described above.
int run_trigger(const TriggerOptions& opts, HttpTransport& http, SampleContext& ctx,
                std::ostream& out, std::ostream& err);

// The gateway URL for `source` given `server.listen` ("127.0.0.1:8080", "0.0.0.0:8080",
// ":8080", "[::]:8080"): wildcard addresses become loopback. Empty when `listen` is malformed.
std::string webhook_url(std::string_view listen, std::string_view source);

// The request as a shell command that replays it exactly (the body is quoted byte for byte).
std::string curl_command(const std::string& url, const HeaderList& headers,
                         const std::string& body);

}  // namespace wharf::cli
