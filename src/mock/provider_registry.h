// The simulated providers, by name. Adding a provider is one line in provider_registry.cc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mock/provider.h"

namespace wharf::mock {

struct NamedProvider {
  std::string name;
  std::unique_ptr<Provider> provider;
};

// One instance of every registered provider, each with its own state, drawing ids from `ids`
// (which must outlive them).
std::vector<NamedProvider> make_providers(IdSource& ids);

}  // namespace wharf::mock
