#include "inbound/form.h"

#include "core/encoding.h"
#include "inbound/content_type.h"

namespace wharf::inbound {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kUrlencoded = "application/x-www-form-urlencoded";
constexpr std::string_view kMultipart = "multipart/form-data";

Error invalid(std::string why) { return make_error(Errc::kInvalidArgument, std::move(why)); }

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// RFC 2046 bchars; a space is allowed but not as the last character.
bool valid_boundary(std::string_view b) {
  if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
  for (char c : b) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// Fills `field` from one part's header block (the lines before the blank line, without it).
std::optional<Error> read_part_headers(std::string_view block, FormField& field) {
  std::string disposition;
  bool have_disposition = false;
  std::string* last_value = nullptr;
  std::string content_type;
  while (!block.empty()) {
    std::size_t eol = block.find(kCrlf);
    std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 2);
    if (line.find_first_of("\r\n") != std::string_view::npos) {
      return invalid("malformed multipart header line (bare CR or LF)");
    }
    if (!line.empty() && is_blank(line.front())) {  // obsolete line folding
      if (last_value == nullptr) return invalid("malformed multipart header line");
      *last_value += ' ';
      *last_value += trim_ows(line);
      continue;
    }
    std::size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) {
      return invalid("malformed multipart header line");
    }
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim_ows(line.substr(colon + 1));
    last_value = nullptr;
    if (ascii_iequals(name, "content-disposition") && !have_disposition) {
      have_disposition = true;
      disposition.assign(value);
      last_value = &disposition;
    } else if (ascii_iequals(name, "content-type") && content_type.empty()) {
      content_type.assign(value);
      last_value = &content_type;
    }
  }
  if (!have_disposition) return invalid("multipart part without Content-Disposition");
  auto parsed = parse_parameterized_header(disposition);
  if (!parsed) return invalid("malformed Content-Disposition in multipart part");
  if (parsed->value != "form-data") return invalid("multipart part is not form-data");
  auto name = parsed->param("name");
  if (!name || name->empty()) return invalid("multipart part without a field name");
  field.name.assign(*name);
  if (auto f = parsed->param("filename")) {
    field.filename.emplace(*f);
  } else if (auto f2 = parsed->param("filename*")) {
    field.filename.emplace(*f2);
  }
  field.content_type = std::move(content_type);
  return std::nullopt;
}

}  // namespace

Result<std::vector<FormField>> parse_urlencoded(std::string_view body, const FormLimits& limits) {
  std::vector<FormField> fields;
  while (!body.empty()) {
    std::size_t amp = body.find('&');
    std::string_view piece = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (piece.empty()) continue;
    if (fields.size() >= limits.max_fields) return invalid("too many form fields");
    std::size_t eq = piece.find('=');
    auto name = encoding::form_url_decode(piece.substr(0, eq));
    auto value = encoding::form_url_decode(eq == std::string_view::npos ? std::string_view()
                                                                        : piece.substr(eq + 1));
    if (!name || !value) return invalid("invalid %-escape in form body");
    fields.push_back(FormField{std::move(*name), std::move(*value), std::nullopt, {}});
  }
  return fields;
}

Result<std::vector<FormField>> parse_multipart(std::string_view body, std::string_view boundary,
                                               const FormLimits& limits) {
  if (!valid_boundary(boundary)) return invalid("invalid multipart boundary");
  const std::string delimiter = "--" + std::string(boundary);
  const std::string next_delimiter = std::string(kCrlf) + delimiter;

  std::size_t pos = 0;
  if (body.substr(0, delimiter.size()) == delimiter) {
    pos = delimiter.size();
  } else {
    std::size_t first = body.find(next_delimiter);
    if (first == std::string_view::npos) return invalid("multipart body without its boundary");
    pos = first + next_delimiter.size();
  }

  std::vector<FormField> fields;
  while (true) {
    // `pos` is just past a delimiter: "--" closes the body, else the rest of the line is blank.
    if (body.substr(pos, 2) == "--") return fields;  // the epilogue is ignored
    while (pos < body.size() && is_blank(body[pos])) ++pos;
    if (pos >= body.size()) return invalid("multipart body without a closing boundary");
    if (body.substr(pos, 2) != kCrlf) return invalid("malformed multipart boundary line");
    pos += 2;
    if (fields.size() >= limits.max_fields) return invalid("too many multipart parts");

    // Header block: at most max_part_header_bytes, ended by an empty line.
    if (body.substr(pos, 2) == kCrlf) return invalid("multipart part without Content-Disposition");
    std::string_view window = body.substr(pos, limits.max_part_header_bytes + 4);
    std::size_t blank = window.find("\r\n\r\n");
    if (blank == std::string_view::npos) {
      if (window.size() < body.size() - pos) return invalid("multipart part headers too long");
      return invalid("unterminated multipart part headers");
    }
    FormField field;
    if (auto err = read_part_headers(window.substr(0, blank), field)) return *err;
    std::size_t content = pos + blank + 4;

    std::size_t end = body.find(next_delimiter, content);
    if (end == std::string_view::npos) return invalid("multipart body without a closing boundary");
    field.value.assign(body.substr(content, end - content));
    fields.push_back(std::move(field));
    pos = end + next_delimiter.size();
  }
}

Result<std::vector<FormField>> parse_form(std::string_view content_type, std::string_view body,
                                          const FormLimits& limits) {
  auto ct = parse_content_type(content_type);
  if (!ct) return ct.error();
  if (ct->value == kUrlencoded) return parse_urlencoded(body, limits);
  if (ct->value != kMultipart) return invalid("not a form Content-Type");
  auto boundary = ct->param("boundary");
  if (!boundary) return invalid("multipart/form-data without a boundary parameter");
  return parse_multipart(body, *boundary, limits);
}

bool is_form_content_type(std::string_view content_type) {
  auto ct = parse_content_type(content_type);
  return ct && (ct->value == kUrlencoded || ct->value == kMultipart);
}

const FormField* find_field(const std::vector<FormField>& fields, std::string_view name) {
  for (const auto& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const FormField* find_text_field(const std::vector<FormField>& fields, std::string_view name) {
  for (const auto& f : fields) {
    if (f.name == name && !f.filename) return &f;
  }
  return nullptr;
}

std::string form_data_part(std::string_view boundary, std::string_view name,
                           std::string_view value) {
  std::string out = "--";
  out.append(boundary).append("\r\nContent-Disposition: form-data; name=\"");
  out.append(name).append("\"\r\n\r\n").append(value).append(kCrlf);
  return out;
}

}  // namespace wharf::inbound
