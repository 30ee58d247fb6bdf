#include "cli/event_views.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>

#include "core/encoding.h"

namespace wharf::cli {
namespace {

namespace json = boost::json;

std::size_t display_width(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // skip continuations
  return n;
}

// `object`[key] as one table cell: strings escaped, numbers and booleans as written, "-" for
// absent or null.
std::string cell(const json::value& object, std::string_view key) {
  const auto* obj = object.if_object();
  const json::value* v = obj ? obj->if_contains(key) : nullptr;
  if (v == nullptr || v->is_null()) return "-";
  if (v->is_string()) {
    std::string_view s = v->get_string();
    return s.empty() ? std::string("-") : printable(s, false);
  }
  return json::serialize(*v);
}

const json::array* array_field(const json::value& object, std::string_view key) {
  const auto* obj = object.if_object();
  const json::value* v = obj ? obj->if_contains(key) : nullptr;
  return v ? v->if_array() : nullptr;
}

std::string targets_section(const json::value& event) {
  const json::array* targets = array_field(event, "targets");
  if (targets == nullptr || targets->empty()) return "Targets: none\n";
  std::vector<std::vector<std::string>> rows{
      {"TARGET", "STATUS", "ATTEMPTS", "SERIES", "NEXT ATTEMPT", "LAST ERROR"}};
  for (const auto& t : *targets) {
    rows.push_back({cell(t, "target"), cell(t, "status"), cell(t, "attempts"), cell(t, "series"),
                    cell(t, "next_attempt_at"), cell(t, "last_error")});
  }
  return "Targets:\n" + format_table(rows, "  ");
}

std::string deliveries_section(const json::value& event) {
  const json::array* deliveries = array_field(event, "deliveries");
  if (deliveries == nullptr || deliveries->empty()) return "Attempts: none\n";
  std::vector<std::vector<std::string>> rows{
      {"AT", "TARGET", "SERIES", "ATTEMPT", "OUTCOME", "HTTP", "DURATION", "ERROR"}};
  for (const auto& d : *deliveries) {
    std::string duration = cell(d, "duration_ms");
    if (duration != "-") duration += " ms";
    rows.push_back({cell(d, "at"), cell(d, "target"), cell(d, "series"), cell(d, "attempt"),
                    cell(d, "outcome"), cell(d, "status_code"), duration, cell(d, "error")});
  }
  return "Attempts:\n" + format_table(rows, "  ");
}

std::string payload_section(const json::value& event) {
  const auto* obj = event.if_object();
  if (obj == nullptr) return "Payload: none\n";
  std::string content_type = cell(event, "content_type");
  if (const json::value* p = obj->if_contains("payload"); p && p->is_string()) {
    std::string_view text = p->get_string();
    std::string out = "Payload (" + content_type + ", " + std::to_string(text.size()) +
                      " bytes):\n" + printable(text, true);
    if (!out.ends_with('\n')) out += '\n';
    return out;
  }
  if (const json::value* p = obj->if_contains("payload_base64"); p && p->is_string()) {
    std::string_view b64 = p->get_string();
    auto bytes = encoding::base64_decode(b64);
    std::string size = bytes ? std::to_string(bytes->size()) + " bytes" : "malformed";
    return "Payload (" + content_type + ", " + size + ", not UTF-8; base64):\n" +
           printable(b64, false) + "\n";
  }
  return "Payload: none\n";
}

}  // namespace

std::string printable(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    bool control = u < 0x20 || u == 0x7f;
    if (!control || c == '\t' || (keep_newlines && c == '\n')) {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    }
  }
  return out;
}

std::string format_table(const std::vector<std::vector<std::string>>& rows,
                         std::string_view indent) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line(indent);
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - display_width(row[i]) + 2, ' ');
    }
    while (line.ends_with(' ')) line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string render_event_list(const boost::json::value& list) {
  const json::array* events = array_field(list, "events");
  if (events == nullptr || events->empty()) return "no events\n";
  std::vector<std::vector<std::string>> rows{
      {"ID", "STATUS", "ATTEMPTS", "SOURCE", "TYPE", "RECEIVED"}};
  for (const auto& e : *events) {
    rows.push_back({cell(e, "id"), cell(e, "status"), cell(e, "attempts"), cell(e, "source"),
                    cell(e, "type"), cell(e, "received_at")});
  }
  return format_table(rows);
}

std::string render_event(const boost::json::value& event) {
  std::vector<std::vector<std::string>> summary{
      {"Event:", cell(event, "id")},
      {"Source:", cell(event, "source")},
      {"Type:", cell(event, "type")},
      {"Provider id:", cell(event, "provider_event_id")},
      {"Status:", cell(event, "status")},
      {"Attempts:", cell(event, "attempts")},
      {"Received:", cell(event, "received_at")},
  };
  return format_table(summary) + "\n" + targets_section(event) + "\n" + deliveries_section(event) +
         "\n" + payload_section(event);
}

}  // namespace wharf::cli
