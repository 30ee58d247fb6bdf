#include "outreach/application.h"

#include "outreach/mailgun_replies.h"
#include "outreach/schema.h"
#include "outreach/sendgrid_events.h"
#include "outreach/stripe_billing.h"

namespace wharf::outreach {

store::AppSchema OutreachApplication::schema() const { return outreach::schema(); }

void OutreachApplication::add_handlers(dispatch::HandlerRegistry& registry) {
  registry.add("outreach.sendgrid", std::make_unique<SendGridEventsHandler>(context_));
  registry.add("outreach.stripe", std::make_unique<StripeBillingHandler>(context_));
  registry.add("outreach.mailgun", std::make_unique<MailgunRepliesHandler>(context_));
}

void OutreachApplication::configure(const ConfigNode& section) {
  context_.settings = read_settings(section);
}

void OutreachApplication::start(const dispatch::AppServices& services) {
  context_.metrics.bind(services.metrics);
  OutboxSenderOptions options;
  options.signal = &context_.outbox;
  sender_ = std::make_unique<OutboxSender>(services.store, services.providers, services.metrics,
                                           services.clock, std::move(options));
  sender_->start(services.executor);
  api_ =
      std::make_unique<OutreachApi>(context_, services.store, services.providers, services.clock);
}

dispatch::AdminRoutes OutreachApplication::admin_routes() {
  if (!api_) return {};
  return [api = api_.get()](http::Request& req, std::string_view path,
                            std::string_view query) -> boost::asio::awaitable<http::Response> {
    http::Response r = co_await api->handle(req, path, query);
    co_return r;
  };
}

void OutreachApplication::stop() {
  if (sender_) sender_->stop();
}

std::unique_ptr<dispatch::Application> make_application() {
  return std::make_unique<OutreachApplication>();
}

}  // namespace wharf::outreach
