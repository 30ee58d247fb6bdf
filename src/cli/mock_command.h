// `wharf mock --listen ADDR`: the provider simulator (src/mock/) on one listener.
#pragma once

#include <CLI/CLI.hpp>

namespace wharf::cli {

void register_mock_command(CLI::App& root, int* exit_code);

}  // namespace wharf::cli
