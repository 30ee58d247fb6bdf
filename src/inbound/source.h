// A configured webhook source (`sources.NAME` in the config): its name, the scheme that verifies
// it, and its settings. Immutable after start-up; shared by every I/O thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config_node.h"
#include "inbound/verifier.h"

namespace wharf::inbound {

struct Source {
  std::string name;           // the URL segment: POST /webhooks/<name>
  std::string verifier_name;  // stripe, sendgrid, ...
  std::unique_ptr<Verifier> verifier;
};

// Reads every entry of the `sources` map. Records config errors (unknown verifier, invalid names,
// each verifier's own key errors); invalid sources are left out.
std::vector<Source> load_sources(const ConfigNode& sources);

// True for names usable in a URL path segment: [a-z0-9_-], 1..64 characters.
bool valid_source_name(std::string_view name);

}  // namespace wharf::inbound
