#include "dispatch/handler.h"

#include "dispatch/routes.h"

namespace wharf::dispatch {

bool HandlerRegistry::add(std::string name, std::unique_ptr<Handler> handler) {
  if (!valid_handler_name(name) || !handler) return false;
  return handlers_.emplace(std::move(name), std::move(handler)).second;
}

Handler* HandlerRegistry::find(std::string_view name) const {
  auto it = handlers_.find(name);
  return it == handlers_.end() ? nullptr : it->second.get();
}

std::vector<std::string> HandlerRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, h] : handlers_) out.push_back(name);
  return out;
}

namespace {

class NoopHandler final : public Handler {
 public:
  Result<void> handle(const store::StoredEvent&, store::Transaction&) override { return {}; }
};

}  // namespace

void add_builtin_handlers(HandlerRegistry& registry) {
  registry.add("wharf.noop", std::make_unique<NoopHandler>());
}

}  // namespace wharf::dispatch
