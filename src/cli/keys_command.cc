#include "cli/keys_command.h"

#include <iostream>

#include "auth/master_key.h"

namespace wharf::cli {

int run_keys_generate(std::ostream& out, std::ostream& err) {
  auth::MasterKey key = auth::MasterKey::generate();
  out << key.to_base64() << "\n";
  err << "wharf: master key id " << key.id()
      << " (keep the key secret: give it to wharf through the environment or a file)\n";
  return 0;
}

void register_keys_commands(CLI::App& root, int* exit_code) {
  auto* keys = root.add_subcommand(
      "keys", "Manage the vault's master keys (the keys that encrypt stored credentials)");
  keys->require_subcommand(1);
  auto* generate = keys->add_subcommand(
      "generate",
      "Print a new random master key (base64 of 32 bytes) on stdout and its id on stderr, e.g. "
      "`wharf keys generate > master.key`");
  generate->callback([exit_code] { *exit_code = run_keys_generate(std::cout, std::cerr); });
}

}  // namespace wharf::cli
