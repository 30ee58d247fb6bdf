#include "cli/samples/sample_builders.h"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace wharf::cli::samples {
namespace json = boost::json;
namespace {

void newline(int indent, int depth, std::string& out) {
  if (indent == 0) return;
  out += '\n';
  out.append(static_cast<std::size_t>(indent * depth), ' ');
}

// Boost.JSON prints doubles in exponent form (1.7E9); providers print plain decimals
// (Mailgun's "timestamp": 1700000000.123456), and Stripe pretty-prints, so we write JSON here.
void write_json(const json::value& v, int indent, int depth, std::string& out) {
  switch (v.kind()) {
    case json::kind::object: {
      const json::object& o = v.get_object();
      if (o.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      bool first = true;
      for (const auto& kv : o) {
        if (!first) out += ',';
        first = false;
        newline(indent, depth + 1, out);
        out += json::serialize(json::string(kv.key()));
        out += indent != 0 ? ": " : ":";
        write_json(kv.value(), indent, depth + 1, out);
      }
      newline(indent, depth, out);
      out += '}';
      return;
    }
    case json::kind::array: {
      const json::array& a = v.get_array();
      if (a.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i != 0) out += ',';
        newline(indent, depth + 1, out);
        write_json(a[i], indent, depth + 1, out);
      }
      newline(indent, depth, out);
      out += ']';
      return;
    }
    case json::kind::double_: {
      char buf[64];
      auto res = std::to_chars(buf, buf + sizeof buf, v.get_double());
      out.append(buf, res.ptr);
      return;
    }
    default:
      out += json::serialize(v);
  }
}

std::string strftime_utc(std::int64_t t, const char* format) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

}  // namespace

std::string to_json(const json::value& v, int indent) {
  std::string out;
  write_json(v, indent, 0, out);
  return out;
}

std::string iso8601(std::int64_t t) { return strftime_utc(t, "%Y-%m-%dT%H:%M:%SZ"); }

std::string iso8601_micros(std::int64_t t, std::int64_t micros) {
  std::string s = iso8601(t);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(micros));
  s.insert(s.size() - 1, frac);
  return s;
}

std::string rfc5322_date(std::int64_t t) { return strftime_utc(t, "%a, %d %b %Y %H:%M:%S +0000"); }

Sample json_sample(const json::value& v, int indent, std::string message_id) {
  return Sample{to_json(v, indent), "application/json", std::move(message_id), {}};
}

const Contact& pick_contact(SampleContext& ctx) {
  return kContacts[ctx.between(0, std::size(kContacts) - 1)];
}
std::string outreach_id(SampleContext& ctx) {
  if (auto set = ctx.setting("outreach_id")) return *set;
  return std::to_string(ctx.between(10000, 99999));
}
std::string domain_of(std::string_view email) {
  return std::string(email.substr(email.find('@') + 1));
}
std::string outreach_subject(const Contact& c) {
  return "Senior Backend Engineer role at " + std::string(c.company);
}
}  // namespace wharf::cli::samples
