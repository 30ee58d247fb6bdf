#include "providers/provider_kind.h"

#include <algorithm>
#include <boost/json/parse.hpp>

namespace wharf::providers {

const Action* ProviderKind::find_action(std::string_view action) const {
  auto it = std::find_if(actions.begin(), actions.end(),
                         [&](const Action& a) { return a.name == action; });
  return it == actions.end() ? nullptr : &*it;
}

const std::vector<ProviderKind>& provider_kinds() {
  static const std::vector<ProviderKind> kinds = {
      ProviderKind{
          .name = "generic", .default_base_url = "", .idempotency_header = "", .actions = {}},
  };
  return kinds;
}

const ProviderKind* find_provider_kind(std::string_view name) {
  const auto& kinds = provider_kinds();
  auto it = std::find_if(kinds.begin(), kinds.end(),
                         [&](const ProviderKind& k) { return k.name == name; });
  return it == kinds.end() ? nullptr : &*it;
}

ActionError rejected(std::string_view provider, const outbound::HttpResponse& response) {
  std::string detail;
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(response.body, ec);
  if (!ec && body.is_object()) {
    const auto& o = body.as_object();
    if (auto* e = o.if_contains("error")) {
      if (e->is_string()) detail = e->as_string();
      if (e->is_object()) {
        if (auto* m = e->as_object().if_contains("message"); m && m->is_string())
          detail = m->as_string();
      }
    } else if (auto* errors = o.if_contains("errors");
               errors && errors->is_array() && !errors->as_array().empty()) {
      const auto& first = errors->as_array().front();
      if (first.is_object()) {
        if (auto* m = first.as_object().if_contains("message"); m && m->is_string())
          detail = m->as_string();
      }
    }
  }
  if (detail.size() > 300) detail.resize(300);
  std::string message = std::string(provider) + " rejected the request (HTTP " +
                        std::to_string(response.status) + ")";
  if (!detail.empty()) message += ": " + detail;
  return ActionError{.kind = ActionError::Kind::kRejected,
                     .message = std::move(message),
                     .status = response.status,
                     .call = std::nullopt};
}

ActionError call_failed(outbound::CallError error) {
  std::string message = error.message;
  return ActionError{.kind = ActionError::Kind::kCall,
                     .message = std::move(message),
                     .status = error.status,
                     .call = std::move(error)};
}

ActionError invalid_input(std::string message) {
  return ActionError{.kind = ActionError::Kind::kInvalidInput,
                     .message = std::move(message),
                     .status = 0,
                     .call = std::nullopt};
}

}  // namespace wharf::providers
