#include "core/config_node.h"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace wharf {

void ConfigErrors::add(int line, std::string_view key, std::string_view why) {
  std::string m = file_;
  if (line > 0) m += ":" + std::to_string(line);
  m += ": ";
  if (!key.empty()) {
    m += key;
    m += ": ";
  }
  m += why;
  messages_.push_back(std::move(m));
}

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text == "0") return std::chrono::milliseconds(0);
  std::size_t i = 0;
  std::int64_t n = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (n > 1'000'000'000'000LL) return std::nullopt;  // far beyond any sensible duration
    n = n * 10 + (text[i] - '0');
    ++i;
  }
  if (i == 0) return std::nullopt;
  std::string_view unit = text.substr(i);
  std::int64_t ms_per = 0;
  if (unit == "ms")
    ms_per = 1;
  else if (unit == "s")
    ms_per = 1000;
  else if (unit == "m")
    ms_per = 60'000;
  else if (unit == "h")
    ms_per = 3'600'000;
  else if (unit == "d")
    ms_per = 86'400'000;
  else
    return std::nullopt;
  if (n > INT64_MAX / ms_per) return std::nullopt;
  return std::chrono::milliseconds(n * ms_per);
}

ConfigNode::ConfigNode(YAML::Node node, std::string path, ConfigErrors* errors,
                       const EnvLookup* env, int parent_line)
    : node_(std::move(node)),
      path_(std::move(path)),
      errors_(errors),
      env_(env),
      parent_line_(parent_line) {}

int ConfigNode::line() const {
  if (node_.IsDefined() && node_.Mark().line >= 0) return node_.Mark().line + 1;
  return parent_line_;
}

ConfigNode ConfigNode::operator[](std::string_view key) const {
  std::string child_path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  // yaml-cpp answers a missing key with an invalid "zombie" node that throws on assignment and on
  // most queries; an absent child is represented by an empty (null) node instead.
  auto lookup = [&]() -> YAML::Node {
    if (!node_.IsMap()) return YAML::Node();
    YAML::Node found = node_[std::string(key)];
    return found.IsDefined() ? found : YAML::Node();
  };
  return ConfigNode(lookup(), std::move(child_path), errors_, env_, line());
}

std::vector<ConfigNode> ConfigNode::items() const {
  std::vector<ConfigNode> out;
  if (!present()) return out;
  if (!node_.IsSequence()) {
    error("expected a list");
    return out;
  }
  for (std::size_t i = 0; i < node_.size(); ++i) {
    out.emplace_back(node_[i], path_ + "[" + std::to_string(i) + "]", errors_, env_, line());
  }
  return out;
}

std::vector<std::pair<std::string, ConfigNode>> ConfigNode::entries() const {
  std::vector<std::pair<std::string, ConfigNode>> out;
  if (!present()) return out;
  if (!node_.IsMap()) {
    error("expected a map of name: value");
    return out;
  }
  for (const auto& kv : node_) {
    if (!kv.first.IsScalar()) {
      error("keys must be plain names, not lists or maps");
      continue;
    }
    std::string key = kv.first.Scalar();
    std::string child_path = path_.empty() ? key : path_ + "." + key;
    out.emplace_back(key, ConfigNode(kv.second, std::move(child_path), errors_, env_, line()));
  }
  return out;
}

std::optional<std::string> ConfigNode::interpolate(const std::string& raw) const {
  if (raw.find('$') == std::string::npos) return raw;
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '$' || i + 1 >= raw.size()) {
      out += c;
      continue;
    }
    if (raw[i + 1] == '$') {  // "$$" is a literal "$"
      out += '$';
      ++i;
      continue;
    }
    if (raw[i + 1] != '{') {
      out += c;
      continue;
    }
    std::size_t close = raw.find('}', i + 2);
    if (close == std::string::npos) {
      error("unterminated ${...} in value");
      return std::nullopt;
    }
    std::string expr = raw.substr(i + 2, close - i - 2);
    std::optional<std::string> fallback;
    if (auto d = expr.find(":-"); d != std::string::npos) {
      fallback = expr.substr(d + 2);
      expr = expr.substr(0, d);
    }
    bool valid = !expr.empty();
    for (char ch : expr) {
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_')) valid = false;
    }
    if (!valid) {
      error("invalid environment variable name in ${" + expr + "}");
      return std::nullopt;
    }
    std::optional<std::string> v = (*env_)(expr);
    if (!v || v->empty()) v = fallback;
    if (!v) {
      error("environment variable " + expr + " is not set");
      return std::nullopt;
    }
    out += *v;
    i = close;
  }
  return out;
}

std::optional<std::string> ConfigNode::str() const {
  if (!present()) {
    error("is required");
    return std::nullopt;
  }
  if (!node_.IsScalar()) {
    error("expected a string");
    return std::nullopt;
  }
  return interpolate(node_.Scalar());
}

std::string ConfigNode::str_or(std::string fallback) const {
  if (!present()) return fallback;
  auto v = str();
  return v ? *v : fallback;
}

std::vector<std::string> ConfigNode::str_list() const {
  std::vector<std::string> out;
  if (!present()) {
    error("is required");
    return out;
  }
  if (node_.IsScalar()) {
    if (auto v = str()) out.push_back(std::move(*v));
    return out;
  }
  for (const auto& item : items()) {
    if (auto v = item.str()) out.push_back(std::move(*v));
  }
  if (out.empty() && node_.IsSequence()) error("must not be an empty list");
  return out;
}

std::optional<std::chrono::milliseconds> ConfigNode::duration() const {
  auto s = str();
  if (!s) return std::nullopt;
  auto d = parse_duration(*s);
  if (!d) error("invalid duration '" + *s + "' (write e.g. 500ms, 30s, 5m, 1h, 7d)");
  return d;
}

std::chrono::milliseconds ConfigNode::duration_or(std::chrono::milliseconds fallback) const {
  if (!present()) return fallback;
  auto d = duration();
  return d ? *d : fallback;
}

std::int64_t ConfigNode::int_or(std::int64_t fallback, std::int64_t min, std::int64_t max) const {
  if (!present()) return fallback;
  auto s = str();
  if (!s) return fallback;
  std::int64_t v = 0;
  std::size_t used = 0;
  try {
    v = std::stoll(*s, &used);
  } catch (...) {
    used = 0;
  }
  if (used == 0 || used != s->size()) {
    error("expected an integer, got '" + *s + "'");
    return fallback;
  }
  if (v < min || v > max) {
    error("must be between " + std::to_string(min) + " and " + std::to_string(max));
    return fallback;
  }
  return v;
}

bool ConfigNode::bool_or(bool fallback) const {
  if (!present()) return fallback;
  auto s = str();
  if (!s) return fallback;
  if (*s == "true" || *s == "yes" || *s == "on") return true;
  if (*s == "false" || *s == "no" || *s == "off") return false;
  error("expected true or false, got '" + *s + "'");
  return fallback;
}

std::string ConfigNode::choice_or(std::string fallback,
                                  std::initializer_list<std::string_view> choices) const {
  if (!present()) return fallback;
  auto s = str();
  if (!s) return fallback;
  for (auto c : choices) {
    if (*s == c) return *s;
  }
  std::string list;
  for (auto c : choices) {
    if (!list.empty()) list += ", ";
    list += c;
  }
  error("unknown value '" + *s + "' (expected one of: " + list + ")");
  return fallback;
}

void ConfigNode::error(std::string_view why) const { errors_->add(line(), path_, why); }

void ConfigNode::allow_only_keys(std::initializer_list<std::string_view> allowed) const {
  if (!node_.IsMap()) return;
  for (const auto& kv : node_) {
    if (!kv.first.IsScalar()) continue;  // reported by entries()/the reader of this map
    std::string key = kv.first.Scalar();
    bool ok = false;
    for (auto a : allowed) ok = ok || key == a;
    if (!ok) {
      int l = kv.first.Mark().line >= 0 ? kv.first.Mark().line + 1 : line();
      errors_->add(l, path_.empty() ? key : path_ + "." + key, "unknown key");
    }
  }
}

ConfigErrorWatch::ConfigErrorWatch(const ConfigNode& node)
    : errors_(node.errors()), before_(errors_.messages().size()) {}

std::optional<double> ConfigNode::percent() const {
  if (!present()) return std::nullopt;
  std::optional<std::string> text = str();
  if (!text) return std::nullopt;
  std::string_view number = *text;
  if (!number.empty() && number.back() == '%') number.remove_suffix(1);
  double value = 0.0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size()) {
    error("expected a percentage such as 50% or 50, got '" + *text + "'");
    return std::nullopt;
  }
  return value;
}

std::string quote_bare_interpolations(std::string_view yaml) {
  std::string out;
  out.reserve(yaml.size() + 16);
  std::size_t pos = 0;
  while (pos <= yaml.size()) {
    std::size_t eol = yaml.find('\n', pos);
    std::string_view line = yaml.substr(pos, eol == std::string_view::npos ? yaml.npos : eol - pos);
    std::string fixed;
    char quote = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (quote) {
        if (c == quote && !(quote == '"' && i > 0 && line[i - 1] == '\\')) quote = 0;
        fixed += c;
        continue;
      }
      if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
        fixed.append(line.substr(i));
        break;
      }
      if (c == '"' || c == '\'') {
        quote = c;
        fixed += c;
        continue;
      }
      if (c == '$' && i + 1 < line.size() && line[i + 1] == '{') {
        // The plain scalar around it: back to a separator, forward past the closing brace to one.
        std::size_t start = fixed.size();
        while (start > 0 &&
               std::string_view(" \t,[{").find(fixed[start - 1]) == std::string_view::npos) {
          --start;
        }
        std::size_t close = line.find('}', i);
        if (close == std::string_view::npos) {
          fixed += c;
          continue;
        }
        std::size_t end = close + 1;
        while (end < line.size() &&
               std::string_view(" \t,]}#").find(line[end]) == std::string_view::npos) {
          if (line[end] == '$' && end + 1 < line.size() && line[end + 1] == '{') {
            std::size_t next = line.find('}', end);
            if (next == std::string_view::npos) break;
            end = next;
          }
          ++end;
        }
        std::string scalar = fixed.substr(start) + std::string(line.substr(i, end - i));
        fixed.resize(start);
        fixed += '"';
        for (char ch : scalar) {
          if (ch == '"' || ch == '\\') fixed += '\\';
          fixed += ch;
        }
        fixed += '"';
        i = end - 1;
        continue;
      }
      fixed += c;
    }
    out += fixed;
    if (eol == std::string_view::npos) break;
    out += '\n';
    pos = eol + 1;
  }
  return out;
}

YAML::Node load_yaml_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw YAML::BadFile(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException&) {
    if (text.find("${") == std::string::npos) throw;
    try {
      return YAML::Load(quote_bare_interpolations(text));
    } catch (const YAML::ParserException&) {
    }
    throw;  // the original error, with its own line
  }
}

double read_jitter(const ConfigNode& node, double fallback) {
  if (!node.present()) return fallback;
  const std::string text = node.str_or("");
  if (text == "full") return 1.0;
  if (text == "none") return 0.0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(v >= 0.0 && v <= 1.0)) {
    node.error("expected full, none, or a fraction from 0 to 1 (0.2: waits in [0.8 d, d])");
    return fallback;
  }
  return v;
}

}  // namespace wharf
