#include "providers/provider_kind.h"

#include <boost/json/parse.hpp>

#include "core/encoding.h"
#include "providers/anthropic.h"
#include "providers/apollo.h"
#include "providers/gmail.h"
#include "providers/google_calendar.h"
#include "providers/neverbounce.h"
#include "providers/sendgrid.h"
#include "providers/slack.h"
#include "providers/stripe.h"

namespace wharf::providers {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxProviderMessage = 300;

// `text` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string cut_utf8(std::string_view text, std::size_t max) {
  std::string valid = encoding::to_valid_utf8(text);
  if (valid.size() <= max) return valid;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(valid[end]) & 0xC0) == 0x80) --end;
  return valid.substr(0, end);
}

// The provider's own error message in `body`, in the shapes the providers use; "" when none.
std::string provider_message(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  const json::object& o = v.as_object();
  if (const json::value* error = o.if_contains("error")) {
    if (error->is_string()) return std::string(error->as_string());  // Slack, Apollo
    if (error->is_object()) {                                        // Stripe, Anthropic, Google
      if (const json::value* m = error->as_object().if_contains("message"); m && m->is_string()) {
        return std::string(m->as_string());
      }
    }
  }
  if (const json::value* errors = o.if_contains("errors");  // SendGrid
      errors && errors->is_array() && !errors->as_array().empty()) {
    const json::value& first = errors->as_array()[0];
    if (first.is_object()) {
      if (const json::value* m = first.as_object().if_contains("message"); m && m->is_string()) {
        return std::string(m->as_string());
      }
    }
  }
  if (const json::value* m = o.if_contains("message"); m && m->is_string()) {
    return std::string(m->as_string());
  }
  return {};
}

ProviderKind generic_kind() { return ProviderKind{"generic", "", "", {}}; }

}  // namespace

const Action* ProviderKind::find_action(std::string_view action) const {
  for (const Action& a : actions) {
    if (a.name == action) return &a;
  }
  return nullptr;
}

const std::vector<ProviderKind>& provider_kinds() {
  static const std::vector<ProviderKind> kinds = {
      anthropic::kind(), apollo::kind(),          generic_kind(),
      gmail::kind(),     google_calendar::kind(), neverbounce::kind(),
      sendgrid::kind(),  slack::kind(),           stripe::kind(),
  };
  return kinds;
}

const ProviderKind* find_provider_kind(std::string_view name) {
  for (const ProviderKind& k : provider_kinds()) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

ActionError rejected(std::string_view provider, const outbound::HttpResponse& response) {
  std::string message = std::string(provider) + " rejected the request (HTTP " +
                        std::to_string(response.status) + ")";
  if (std::string own = provider_message(response.body); !own.empty()) {
    message += ": " + cut_utf8(own, kMaxProviderMessage);
  }
  return ActionError{ActionError::Kind::kRejected, std::move(message), response.status,
                     std::nullopt};
}

ActionError call_failed(outbound::CallError error) {
  std::string message = error.message;
  return ActionError{ActionError::Kind::kCall, std::move(message), 0, std::move(error)};
}

ActionError invalid_input(std::string message) {
  return ActionError{ActionError::Kind::kInvalidInput, std::move(message), 0, std::nullopt};
}

}  // namespace wharf::providers
