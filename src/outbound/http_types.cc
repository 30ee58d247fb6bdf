#include "outbound/http_types.h"

#include <stdexcept>

#include "core/encoding.h"

namespace wharf::outbound {
std::optional<std::string> find_header(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (encoding::ascii_iequals(n, name)) return v;
  }
  return std::nullopt;
}

void set_header(HeaderList& headers, std::string_view name, std::string value) {
  std::erase_if(headers, [&](const auto& h) { return encoding::ascii_iequals(h.first, name); });
  headers.emplace_back(std::string(name), std::move(value));
}

std::string_view to_string(TransportError kind) {
  switch (kind) {
    case TransportError::kConnect:
      return "connect";
    case TransportError::kTimeout:
      return "timeout";
    case TransportError::kTls:
      return "tls";
    case TransportError::kTooLarge:
      return "too_large";
    case TransportError::kProtocol:
      return "protocol";
    case TransportError::kCancelled:
      return "cancelled";
    case TransportError::kOther:
      return "other";
  }
  return "other";
}

void throw_exception_from_error(const ClientError& e, const boost::source_location&) {
  throw std::runtime_error(std::string(to_string(e.kind)) + ": " + e.message);
}

std::string url_origin(std::string_view url) {
  std::string_view scheme;
  if (auto sep = url.find("://"); sep != std::string_view::npos) {
    scheme = url.substr(0, sep + 3);
    url.remove_prefix(sep + 3);
  }
  std::string_view authority = url.substr(0, url.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  return std::string(scheme) + std::string(authority);
}

}  // namespace wharf::outbound
