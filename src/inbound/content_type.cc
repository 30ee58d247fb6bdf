#include "inbound/content_type.h"

namespace wharf::inbound {
namespace {

bool is_ows(char c) { return c == ' ' || c == '\t'; }

// RFC 9110 tchar.
bool is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

Error invalid(std::string why) { return make_error(Errc::kInvalidArgument, std::move(why)); }

}  // namespace

std::optional<std::string_view> ParameterizedHeader::param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (ascii_iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

Result<ParameterizedHeader> parse_parameterized_header(std::string_view header) {
  ParameterizedHeader out;
  std::size_t semi = header.find(';');
  out.value = to_lower(trim_ows(header.substr(0, semi)));
  if (semi == std::string_view::npos) return out;
  if (out.value.empty()) return invalid("header has parameters but no value");

  std::size_t i = semi + 1;
  const std::size_t n = header.size();
  while (i < n) {
    while (i < n && (is_ows(header[i]) || header[i] == ';')) ++i;
    if (i >= n) break;
    std::size_t name_start = i;
    while (i < n && header[i] != '=' && header[i] != ';') ++i;
    std::string_view name = trim_ows(header.substr(name_start, i - name_start));
    if (i >= n || header[i] != '=') return invalid("header parameter without '='");
    if (!is_token(name)) return invalid("invalid header parameter name");
    ++i;  // '='
    while (i < n && is_ows(header[i])) ++i;
    std::string value;
    if (i < n && header[i] == '"') {
      ++i;
      bool closed = false;
      while (i < n) {
        char c = header[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\') {
          if (i >= n) break;
          c = header[i++];
        }
        value += c;
      }
      if (!closed) return invalid("unterminated quoted string in header parameter");
      while (i < n && is_ows(header[i])) ++i;
      if (i < n && header[i] != ';') return invalid("unexpected text after a quoted parameter");
    } else {
      std::size_t value_start = i;
      while (i < n && header[i] != ';') ++i;
      std::string_view raw = trim_ows(header.substr(value_start, i - value_start));
      for (char c : raw) {
        if (is_ows(c) || c == '"' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          return invalid("invalid character in header parameter value");
        }
      }
      value.assign(raw);
    }
    out.params.emplace_back(to_lower(name), std::move(value));
  }
  return out;
}

Result<ParameterizedHeader> parse_content_type(std::string_view header) {
  auto parsed = parse_parameterized_header(header);
  if (!parsed) return parsed;
  const std::string& v = parsed->value;
  if (v.empty()) return parsed;
  std::size_t slash = v.find('/');
  if (slash == std::string::npos || !is_token(std::string_view(v).substr(0, slash)) ||
      !is_token(std::string_view(v).substr(slash + 1))) {
    return invalid("Content-Type is not a media type (type/subtype)");
  }
  return parsed;
}

}  // namespace wharf::inbound
