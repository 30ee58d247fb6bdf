#include "mock/route_pattern.h"

#include <cctype>

#include "core/glob.h"

namespace wharf::mock {

std::optional<RoutePattern> RoutePattern::parse(std::string_view text) {
  RoutePattern out;
  out.text_ = std::string(text);
  std::size_t space = text.find(' ');
  std::string_view path = text;
  if (space != std::string_view::npos) {
    for (char c : text.substr(0, space)) {
      out.method_ += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    path = text.substr(space + 1);
    while (path.starts_with(' ')) path.remove_prefix(1);
  }
  if (path.empty() || (path[0] != '/' && path[0] != '*')) return std::nullopt;
  out.path_ = std::string(path);
  return out;
}

bool RoutePattern::matches(std::string_view method, std::string_view path) const {
  if (!method_.empty()) {
    if (method.size() != method_.size()) return false;
    for (std::size_t i = 0; i < method.size(); ++i) {
      if (std::toupper(static_cast<unsigned char>(method[i])) != method_[i]) return false;
    }
  }
  if (path_.find('*') != std::string::npos) return glob_match(path_, path);
  if (path_.ends_with('/')) return path.starts_with(path_);
  return path == path_;
}

}  // namespace wharf::mock
