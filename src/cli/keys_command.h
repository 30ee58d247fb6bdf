// `wharf keys ...`: the vault's master keys (auth/vault.h). `wharf keys generate` prints a fresh
// master key. `wharf keys rotate` arrives when the vault is wired into the gateway; the online
// procedure it will drive is described in auth/vault.h. Runs on the calling thread.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>

namespace wharf::cli {

// Adds the `keys` subcommand group to `root`; when one runs, its exit code (0 ok) is stored in
// *exit_code.
void register_keys_commands(CLI::App& root, int* exit_code);

// ---- exposed for tests ----

// Prints a new master key, base64 of 32 CSPRNG bytes, as the only line on `out`, and its id on
// `err` (stdout can be redirected straight into a key file). Returns 0.
int run_keys_generate(std::ostream& out, std::ostream& err);

}  // namespace wharf::cli
