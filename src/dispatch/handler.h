// Built-in handlers: C++ code that acts on events inside wharf (a route target `{ handler: NAME
// }`). A handler receives the event and the store transaction that will also record its delivery as
// done, so its effects and the event's new state commit together; returning an error (or
// throwing) rolls its effects back and counts as a failed attempt, retried on the route's
// schedule.
//
// Handlers run on the store's writer (SQLite: inside the group commit), so they must be quick
// database work: read and write rows, never call the network or sleep. Work with side effects
// (an email, a Slack message) is recorded in the transaction for the outbound pipeline to carry
// out, so it happens once the state that caused it is durable. The registry is filled at start-up,
// then read-only: thread-safe for lookups.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "store/deliveries.h"
#include "store/transaction.h"

namespace wharf::dispatch {

class Handler {
 public:
  virtual ~Handler() = default;
  virtual Result<void> handle(const store::StoredEvent& event, store::Transaction& txn) = 0;
};

class HandlerRegistry {
 public:
  // Registers `handler` under `name` (valid_handler_name, routes.h). False when the name is
  // invalid or taken.
  bool add(std::string name, std::unique_ptr<Handler> handler);
  Handler* find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, std::unique_ptr<Handler>, std::less<>> handlers_;
};

// Registers the handlers the engine ships: `wharf.noop` (accepts every event and does nothing:
// for benchmarks, and for routes that only mark events as handled).
void add_builtin_handlers(HandlerRegistry& registry);

}  // namespace wharf::dispatch
