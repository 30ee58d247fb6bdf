// Parsing of HTML form bodies into ordered (name, value) fields: application/x-www-form-urlencoded
// and multipart/form-data (RFC 7578), as posted by Mailgun's inbound routes and legacy webhooks,
// and the writing of multipart text parts (signers, sample events).
// Built for hostile input: one linear pass over the body, a bounded number of fields and of
// part-header bytes, no recursion; every malformation is an Errc::kInvalidArgument error with a
// short reason. Pure functions, thread-safe.
//
// Multipart strictness: delimiter and header lines must end in CRLF (bare LF is rejected, as is a
// delimiter line followed by anything but optional blanks); the close delimiter "--B--" is
// required; the preamble and epilogue are ignored; nested multipart/mixed parts are kept as opaque
// values; each part needs `Content-Disposition: form-data; name=...`.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace wharf::inbound {

struct FormField {
  std::string name;
  // Percent-decoded text (urlencoded), or the part's raw bytes (multipart; a file's content).
  std::string value;
  std::optional<std::string> filename;  // set for multipart file parts (attachments)
  std::string content_type;             // the part's Content-Type as sent; empty when none
};

struct FormLimits {
  std::size_t max_fields = 1000;
  std::size_t max_part_header_bytes = 16 * 1024;  // all header lines of one part together
};

// Parses an application/x-www-form-urlencoded body ('&'-separated, '+' is a space, %XX escapes).
// Empty pieces ("a=1&&b=2") are skipped; a piece without '=' is a field with an empty value.
// Error on an invalid %-escape or more than `limits.max_fields` fields.
Result<std::vector<FormField>> parse_urlencoded(std::string_view body,
                                                const FormLimits& limits = {});

// Parses a multipart/form-data body delimited by `boundary` (1 to 70 characters, RFC 2046).
// Error on a bad boundary, no opening or closing delimiter, a malformed delimiter line, part
// headers that are unterminated, malformed or over `limits.max_part_header_bytes`, a part without
// a form-data Content-Disposition name, or more than `limits.max_fields` parts.
Result<std::vector<FormField>> parse_multipart(std::string_view body, std::string_view boundary,
                                               const FormLimits& limits = {});

// Dispatches on the request's Content-Type header value: urlencoded, or multipart/form-data with
// its `boundary` parameter (quoted or not). Error when the header is malformed, names another
// media type, or lacks the boundary.
Result<std::vector<FormField>> parse_form(std::string_view content_type, std::string_view body,
                                          const FormLimits& limits = {});

// True when the Content-Type header value names one of the two form media types.
bool is_form_content_type(std::string_view content_type);

// The first field called `name` (exact match), or nullptr.
const FormField* find_field(const std::vector<FormField>& fields, std::string_view name);
// The first text field (not a file part) called `name` (exact match), or nullptr.
const FormField* find_text_field(const std::vector<FormField>& fields, std::string_view name);

// One multipart/form-data text part as a sender writes it: the "--<boundary>" delimiter line,
// `Content-Disposition: form-data; name="<name>"`, a blank line, `value` and CRLF. `name` is
// written as given (no quoting). Append "--<boundary>--\r\n" after the last part.
std::string form_data_part(std::string_view boundary, std::string_view name,
                           std::string_view value);

}  // namespace wharf::inbound
