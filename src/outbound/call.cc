#include "outbound/call.h"

#include <stdexcept>

namespace wharf::outbound {

std::string_view to_string(CallErrorKind kind) {
  switch (kind) {
    case CallErrorKind::kRateLimited:
      return "rate_limited";
    case CallErrorKind::kCircuitOpen:
      return "circuit_open";
    case CallErrorKind::kTransport:
      return "transport";
    case CallErrorKind::kUpstream:
      return "upstream";
    case CallErrorKind::kRefused:
      return "refused";
    case CallErrorKind::kCredentials:
      return "credentials";
  }
  return "unknown";
}

void throw_exception_from_error(const CallError& e, const boost::source_location&) {
  throw std::runtime_error(e.message);
}

}  // namespace wharf::outbound
