#include "dispatch/routes.h"

#include <algorithm>

#include "core/glob.h"
#include "dispatch/retry_policy.h"

namespace wharf::dispatch {
namespace {

constexpr std::string_view kTargetShape = "{ handler: NAME } or { forward: DESTINATION }";

void read_match(const ConfigNode& match, Route& route) {
  if (!match.present()) return;  // no `match:`: the route takes every event
  if (!match.is_map()) {
    match.error("expected a map with `source:` and/or `types:`");
    return;
  }
  match.allow_only_keys({"source", "types"});
  ConfigNode source = match["source"];
  route.source_glob = source.str_or("*");
  if (route.source_glob.empty()) source.error("must not be empty (write \"*\" for any source)");
  ConfigNode types = match["types"];
  if (!types.present()) return;
  route.type_globs = types.str_list();
  if (std::ranges::any_of(route.type_globs, [](const std::string& g) { return g.empty(); })) {
    types.error("a type glob must not be empty (omit `types` to match any type)");
  }
}

std::optional<Target> read_target(const ConfigNode& node,
                                  const std::set<std::string>& destination_names) {
  if (!node.is_map()) {
    node.error("expected " + std::string(kTargetShape));
    return std::nullopt;
  }
  node.allow_only_keys({"handler", "forward"});
  ConfigNode handler = node["handler"];
  ConfigNode forward = node["forward"];
  if (handler.present() == forward.present()) {
    node.error(handler.present() ? "has both `handler` and `forward`; a target is one of them"
                                 : "expected " + std::string(kTargetShape));
    return std::nullopt;
  }
  if (handler.present()) {
    auto name = handler.str();
    if (!name) return std::nullopt;
    if (!valid_handler_name(*name)) {
      handler.error("invalid handler name '" + *name +
                    "' (a-z, 0-9, '_', '.' and '-', at most 128 characters)");
      return std::nullopt;
    }
    return Target{Target::Kind::kHandler, std::move(*name)};
  }
  auto name = forward.str();
  if (!name) return std::nullopt;
  if (!destination_names.contains(*name)) {
    std::string known;
    for (const auto& d : destination_names) known += (known.empty() ? "" : ", ") + d;
    forward.error("unknown destination '" + *name + "' (" +
                  (known.empty() ? "no destinations are configured" : "configured: " + known) +
                  ")");
    return std::nullopt;
  }
  return Target{Target::Kind::kForward, std::move(*name)};
}

void read_targets(const ConfigNode& to, const std::set<std::string>& destination_names,
                  Route& route) {
  if (!to.present()) {
    to.error("is required: a list of " + std::string(kTargetShape));
    return;
  }
  if (!to.is_list()) {
    to.error("expected a list of " + std::string(kTargetShape));
    return;
  }
  std::vector<ConfigNode> items = to.items();
  if (items.empty()) to.error("must name at least one target");
  for (const ConfigNode& item : items) {
    if (auto target = read_target(item, destination_names)) {
      route.targets.push_back(std::move(*target));
    }
  }
}

Route read_route(const ConfigNode& node, const std::set<std::string>& destination_names) {
  Route route;
  route.line = node.line();
  node.allow_only_keys({"match", "to", "continue", "retry_schedule"});
  read_match(node["match"], route);
  read_targets(node["to"], destination_names, route);
  route.continue_matching = node["continue"].bool_or(false);
  // The same reader and limits as dispatch.retry_schedule (entries, maximum delay).
  if (node["retry_schedule"].present()) {
    if (auto schedule = read_retry_schedule(node["retry_schedule"])) {
      route.retry_schedule = std::move(schedule->delays);
    }
  }
  return route;
}

}  // namespace

bool Route::matches(std::string_view source, std::string_view type) const {
  if (!glob_match(source_glob, source)) return false;
  if (type_globs.empty()) return true;
  return std::ranges::any_of(type_globs,
                             [&](const std::string& glob) { return glob_match(glob, type); });
}

std::optional<RouteTable> RouteTable::load(const ConfigNode& routes,
                                           const std::set<std::string>& destination_names) {
  const ConfigErrorWatch watch(routes);
  std::vector<Route> loaded;
  for (const ConfigNode& item : routes.items()) {
    if (!item.is_map()) {
      item.error("expected a map with `match:` and `to:`");
      continue;
    }
    loaded.push_back(read_route(item, destination_names));
  }
  if (!watch.ok()) return std::nullopt;
  return RouteTable(std::move(loaded));
}

std::vector<RoutedTarget> RouteTable::resolve(std::string_view source,
                                              std::string_view type) const {
  std::vector<RoutedTarget> out;
  for (const Route& route : routes_) {
    if (!route.matches(source, type)) continue;
    for (const Target& target : route.targets) {
      // Linear search: a route table fans out to a handful of targets, not hundreds.
      bool seen =
          std::ranges::any_of(out, [&](const RoutedTarget& r) { return *r.target == target; });
      if (!seen) out.push_back(RoutedTarget{&target, &route});
    }
    if (!route.continue_matching) break;
  }
  return out;
}

bool valid_handler_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  return std::ranges::all_of(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

}  // namespace wharf::dispatch
