#include "inbound/source.h"

namespace wharf::inbound {

bool valid_source_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::vector<Source> load_sources(const ConfigNode& sources) {
  std::vector<Source> out;
  for (auto& [name, node] : sources.entries()) {
    if (!valid_source_name(name)) {
      node.error("source names may use only a-z, 0-9, '_' and '-' (at most 64)");
      continue;
    }
    if (!node.is_map()) {
      node.error("expected a map with at least `verifier:`");
      continue;
    }
    auto verifier_name = node["verifier"].str();
    if (!verifier_name) continue;
    // The registry reports an unknown name (listing the known ones) and each scheme's key errors.
    auto verifier = make_verifier(*verifier_name, node);
    if (!verifier) continue;
    out.push_back(Source{name, *verifier_name, std::move(verifier)});
  }
  return out;
}

}  // namespace wharf::inbound
