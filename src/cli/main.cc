// wharf: one binary for the integration gateway and its tools. Exit codes: 0 ok, 1 runtime
// failure, 2 usage or configuration error; errors are one line on stderr.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/events_command.h"
#include "cli/keys_command.h"
#include "cli/mock_command.h"
#include "cli/serve_command.h"
#include "cli/trigger_command.h"

int main(int argc, char** argv) {
  CLI::App app{"wharf " WHARF_VERSION
               " - a self-hosted integration gateway: verified, durable webhooks in; resilient "
               "API calls out"};
  app.require_subcommand(1);
  app.set_version_flag("--version", WHARF_VERSION);
  int exit_code = 0;
  wharf::cli::register_serve_command(app, &exit_code);
  wharf::cli::register_check_config_command(app, &exit_code);
  wharf::cli::register_trigger_command(app, &exit_code);
  wharf::cli::register_events_commands(app, &exit_code);
  wharf::cli::register_mock_command(app, &exit_code);
  wharf::cli::register_keys_commands(app, &exit_code);
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    for (const auto* sub : app.get_subcommands({})) known = known || sub->get_name() == argv[1];
    if (!known) {
      std::cerr << "wharf: unknown command '" << argv[1] << "' (see wharf --help)\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "wharf: " << e.what() << " (see wharf --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "wharf: " << e.what() << "\n";
    return 1;
  }
  return exit_code;
}
