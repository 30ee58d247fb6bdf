// `wharf serve` and `wharf check-config`.
#pragma once

#include <CLI/CLI.hpp>

namespace wharf::cli {

void register_serve_command(CLI::App& root, int* exit_code);
void register_check_config_command(CLI::App& root, int* exit_code);

}  // namespace wharf::cli
