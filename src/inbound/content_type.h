// Parsing of parameterized header values (RFC 9110 §5.6.6): `Content-Type` ("multipart/form-data;
// boundary=x; charset=utf-8") and, with the same grammar, a multipart part's
// `Content-Disposition` ("form-data; name="f"; filename="a.txt""). Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/encoding.h"
#include "core/error.h"

namespace wharf::inbound {

// A header value split into its leading token and its `; name=value` parameters.
struct ParameterizedHeader {
  std::string value;  // the leading token, lowercased ("multipart/form-data", "form-data")
  // In order of appearance; names lowercased, values unquoted (backslash escapes resolved) and
  // otherwise kept as sent (a boundary is case-sensitive).
  std::vector<std::pair<std::string, std::string>> params;

  // Value of the first parameter called `name` (case-insensitive); nullopt when absent.
  std::optional<std::string_view> param(std::string_view name) const;
};

// Parses `header`. An empty or all-blank header gives an empty `value` and no parameters.
// Error (Errc::kInvalidArgument) on a parameter without '=', an empty parameter name, or an
// unterminated quoted string. Trailing or doubled ';' are tolerated.
Result<ParameterizedHeader> parse_parameterized_header(std::string_view header);

// parse_parameterized_header() plus a check that `value` is a media type "type/subtype" (or
// empty when the header is). Error (Errc::kInvalidArgument) otherwise.
Result<ParameterizedHeader> parse_content_type(std::string_view header);

using encoding::ascii_iequals;
using encoding::trim_ows;

}  // namespace wharf::inbound
