// `wharf keys ...`: the vault's master keys (auth/vault.h). `wharf keys generate` prints a fresh
// master key; `wharf keys rotate` asks a running gateway (POST /api/v1/vault/rotate) to rewrap
// every data key under its current master key, make a new data key and re-encrypt every stored
// secret, while it keeps serving (docs/operations.md "Rotating the master key"). Runs on the
// calling thread.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>

#include "cli/gateway_locator.h"
#include "cli/http_transport.h"
#include "core/config_node.h"

namespace wharf::cli {

// Adds the `keys` subcommand group to `root`; when one runs, its exit code (0 ok) is stored in
// *exit_code.
void register_keys_commands(CLI::App& root, int* exit_code);

// ---- exposed for tests ----

// Prints a new master key, base64 of 32 CSPRNG bytes, as the only line on `out`, and its id on
// `err` (stdout can be redirected straight into a key file). Returns 0.
int run_keys_generate(std::ostream& out, std::ostream& err);

// Calls POST /api/v1/vault/rotate on the gateway `flags` name and prints what it did on `out`
// (one line), or one error line on `err`. Returns 0, 1 (unreachable, or the gateway refused) or
// 2 (usage or config error).
int run_keys_rotate(const AdminFlags& flags, HttpTransport& http, const EnvLookup& env,
                    std::ostream& out, std::ostream& err);

}  // namespace wharf::cli
