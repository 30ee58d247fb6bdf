#include "cli/keys_command.h"

#include <iostream>

#include "auth/master_key.h"
#include "cli/admin_client.h"

namespace wharf::cli {

int run_keys_generate(std::ostream& out, std::ostream& err) {
  auth::MasterKey key = auth::MasterKey::generate();
  out << key.to_base64() << "\n";
  err << "wharf: master key id " << key.id()
      << " (keep the key secret: give it to wharf through the environment or a file)\n";
  return 0;
}

int run_keys_rotate(const AdminFlags& flags, HttpTransport& http, const EnvLookup& env,
                    std::ostream& out, std::ostream& err) {
  auto endpoint = locate_admin_api(flags, env);
  if (!endpoint) {
    err << "wharf: " << endpoint.error().message << "\n";
    return 2;
  }
  AdminClient client(http, *endpoint);
  auto answer = to_answer(client.post("/api/v1/vault/rotate", ""));
  if (!answer) {
    err << "wharf: " << answer.error().message << "\n";
    return 1;
  }
  out << "rotated: master key " << string_field(answer->value, "master_key_id", "?") << " wraps "
      << int_field(answer->value, "data_keys") << " data keys; new data key "
      << string_field(answer->value, "data_key_id", "?") << "; "
      << int_field(answer->value, "reencrypted") << " secrets re-encrypted\n";
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

  auto flags = std::make_shared<AdminFlags>();
  auto* rotate = keys->add_subcommand(
      "rotate",
      "Re-encrypt every stored secret online: the running gateway rewraps its data keys under "
      "its current master key (the first of vault.master_key), makes a new data key and "
      "re-encrypts every secret with it");
  rotate->add_option("--url", flags->url,
                     "Gateway base URL, e.g. http://127.0.0.1:8080 (default: from the config)");
  rotate
      ->add_option("-c,--config", flags->config_path,
                   "Configuration file, read for server.listen and server.admin_token")
      ->capture_default_str();
  rotate->add_option("--token", flags->token,
                     "Admin API bearer token (default: $WHARF_ADMIN_TOKEN, then the config's)");
  rotate->footer(
      "To replace master key OLD with NEW: set vault.master_key to [NEW, OLD] and restart the "
      "gateway (every node, one at a time); run `wharf keys rotate`; then remove OLD and restart "
      "again. Without a new key it still moves every secret to a fresh data key.\n"
      "Calls POST /api/v1/vault/rotate. Exit codes: 0 ok, 1 the gateway could not be reached or "
      "answered an error, 2 usage or config error.");
  rotate->callback([flags, exit_code] {
    auto http = make_curl_transport(
        CurlTransportParams{std::chrono::seconds(10), std::chrono::seconds(300)});
    *exit_code = run_keys_rotate(*flags, *http, process_env(), std::cout, std::cerr);
  });
}

}  // namespace wharf::cli
