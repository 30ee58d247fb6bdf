#include "cli/serve_command.h"

#include <iostream>
#include <memory>

#include "applications.h"
#include "gateway/config.h"
#include "gateway/gateway.h"

namespace wharf::cli {
namespace {

// Loads the config, printing every error as one line on stderr. nullopt when invalid.
std::optional<gateway::GatewayConfig> load_or_report(const std::string& path,
                                                     const dispatch::HandlerRegistry& handlers,
                                                     gateway::Applications apps) {
  ConfigErrors errors(path);
  EnvLookup env = process_env();
  auto cfg = gateway::load_config(path, errors, env, handlers, apps);
  for (const auto& m : errors.messages()) std::cerr << m << "\n";
  return cfg;
}

// The applications built in (apps/applications.h), owned, and the view the gateway takes.
struct BuiltinApps {
  std::vector<std::unique_ptr<dispatch::Application>> owned = apps::builtin_applications();
  std::vector<dispatch::Application*> view() const {
    std::vector<dispatch::Application*> out;
    for (const auto& a : owned) out.push_back(a.get());
    return out;
  }
};

}  // namespace

void register_serve_command(CLI::App& root, int* exit_code) {
  auto* cmd = root.add_subcommand("serve", "Run the gateway until SIGTERM/SIGINT, then drain");
  auto path = std::make_shared<std::string>("wharf.yaml");
  cmd->add_option("-c,--config", *path, "Configuration file (YAML)")->capture_default_str();
  cmd->callback([path, exit_code] {
    BuiltinApps builtin;
    auto apps = builtin.view();
    auto handlers = gateway::make_handler_registry(apps);
    auto cfg = load_or_report(*path, handlers, apps);
    if (!cfg) {
      *exit_code = 2;
      return;
    }
    *exit_code = gateway::serve(std::move(*cfg), handlers, apps);
  });
}

void register_check_config_command(CLI::App& root, int* exit_code) {
  auto* cmd = root.add_subcommand(
      "check-config", "Validate a configuration file; exit 0, or 2 listing every error");
  auto path = std::make_shared<std::string>("wharf.yaml");
  cmd->add_option("-c,--config", *path, "Configuration file (YAML)")->capture_default_str();
  cmd->callback([path, exit_code] {
    BuiltinApps builtin;
    auto apps = builtin.view();
    auto handlers = gateway::make_handler_registry(apps);
    auto cfg = load_or_report(*path, handlers, apps);
    if (!cfg) {
      *exit_code = 2;
      return;
    }
    std::cout << *path << ": ok (" << cfg->sources.size() << " sources, "
              << cfg->destinations.size() << " destinations, " << cfg->routes.routes().size()
              << " routes, " << cfg->providers.size() << " providers)\n";
    for (const auto& n : cfg->notices) std::cout << *path << ": note: " << n << "\n";
    *exit_code = 0;
  });
}

}  // namespace wharf::cli
