// A YAML snippet read as wharf reads its config file: tests of config readers take node() and check
// errors (reported as "c.yaml:LINE: key: why"). `vars` stands in for the environment.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/config_node.h"

namespace wharf::testing {

struct YamlConfig {
  explicit YamlConfig(const std::string& yaml, std::map<std::string, std::string> env_vars = {})
      : root(YAML::Load(yaml)), errors("c.yaml"), vars(std::move(env_vars)) {}
  ConfigNode node() { return ConfigNode(root, "", &errors, &env, 1); }

  YAML::Node root;
  ConfigErrors errors;
  std::map<std::string, std::string> vars;
  EnvLookup env = [this](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
};

}  // namespace wharf::testing
