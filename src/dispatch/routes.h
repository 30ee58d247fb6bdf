// The route table (`routes:` in the config, SPEC §1.2): which targets, built-in handlers or
// forward destinations, an event is delivered to, chosen by its source and type. Built once at
// start-up, then immutable: resolve() is const and safe to call from any number of threads.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_node.h"

namespace wharf::dispatch {

// Where an event goes: `{ handler: outreach.billing }` or `{ forward: app }`.
struct Target {
  enum class Kind { kHandler, kForward };
  Kind kind = Kind::kHandler;
  std::string name;  // the handler's registered name, or the destination's name

  bool operator==(const Target&) const = default;
};

struct Route {
  std::string source_glob = "*";
  std::vector<std::string> type_globs;  // empty: any type
  std::vector<Target> targets;          // never empty in a loaded table
  bool continue_matching = false;       // `continue: true`: later routes are tried as well
  // The route's own delays between attempts; nullopt: `dispatch.retry_schedule` applies.
  std::optional<std::vector<std::chrono::milliseconds>> retry_schedule;
  int line = 0;  // 1-based line of the route in the config file (0 when built in code)

  // True when source_glob matches `source` and type_globs is empty or one of them matches `type`.
  bool matches(std::string_view source, std::string_view type) const;
};

// One delivery an event needs: a target, and the route that first reached it (the one whose
// retry_schedule applies). Both point into the RouteTable that produced them.
struct RoutedTarget {
  const Target* target;
  const Route* route;
};

class RouteTable {
 public:
  // A table without routes: every event resolves to nothing (`ignored`).
  RouteTable() = default;
  explicit RouteTable(std::vector<Route> routes) : routes_(std::move(routes)) {}

  // Reads the `routes` list. An absent node gives an empty table. Every problem is recorded with
  // its file:line through `routes.errors()` (a route that is not a map, unknown keys, a missing
  // or empty `to`, a target that is not exactly one of handler/forward, an invalid handler name,
  // a forward to a name not in `destination_names`, an empty or non-positive retry_schedule, ...);
  // then the result is nullopt, so that `check-config` lists them all and `serve` refuses to start.
  static std::optional<RouteTable> load(const ConfigNode& routes,
                                        const std::set<std::string>& destination_names);

  // The targets an event of `source` and `type` must be delivered to, in order of first
  // appearance. Routes are tried in file order; every matching route adds its targets, and the
  // walk stops after the first matching route that does not have `continue: true`. A target
  // reached by several routes appears once, attributed to the first. Empty: no route matched,
  // the event is `ignored`. The pointers stay valid as long as this table is neither destroyed
  // nor assigned to.
  std::vector<RoutedTarget> resolve(std::string_view source, std::string_view type) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// True for handler names: 1..128 characters of a-z, 0-9, '_', '.' and '-' (`outreach.billing`).
bool valid_handler_name(std::string_view name);

}  // namespace wharf::dispatch
