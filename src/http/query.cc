#include "http/query.h"

#include "core/encoding.h"

namespace wharf::http {

std::optional<QueryParams> parse_query(std::string_view query) {
  QueryParams out;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    auto key = encoding::form_url_decode(part.substr(0, eq));
    auto value = encoding::form_url_decode(eq == std::string_view::npos ? std::string_view()
                                                                        : part.substr(eq + 1));
    if (!key || !value) return std::nullopt;
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

}  // namespace wharf::http
