// The RoleFerry outreach application (docs/outreach.md) on the engine: its tables, its settings
// (`apps: outreach: {...}`) and its built-in handlers `outreach.sendgrid`, `outreach.stripe` and
// `outreach.mailgun`, for routes to name. Life cycle as dispatch/application.h.
#pragma once

#include <memory>

#include "dispatch/application.h"
#include "outreach/api.h"
#include "outreach/context.h"
#include "outreach/outbox_sender.h"

namespace wharf::outreach {

class OutreachApplication final : public dispatch::Application {
 public:
  std::string_view name() const override { return "outreach"; }
  store::AppSchema schema() const override;
  void add_handlers(dispatch::HandlerRegistry& registry) override;
  void configure(const ConfigNode& section) override;
  // Binds the counters to the gateway's registry and starts the outbox sender on the services'
  // executor (docs/outreach.md, "The outbox").
  void start(const dispatch::AppServices& services) override;
  // The outreach API (api.h), under /api/v1/outreach; after start().
  dispatch::AdminRoutes admin_routes() override;
  // Stops the outbox sender (a message claimed but not recorded is sent again after a restart).
  void stop() override;

  const Context& context() const { return context_; }

 private:
  Context context_;
  std::unique_ptr<OutboxSender> sender_;
  std::unique_ptr<OutreachApi> api_;
};

std::unique_ptr<dispatch::Application> make_application();

}  // namespace wharf::outreach
