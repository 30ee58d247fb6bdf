// Reading the YAML configuration: typed accessors over yaml-cpp nodes that interpolate ${VAR}
// and ${VAR:-default} from the environment in every string, and record each problem (file:line,
// dotted key, why) in ConfigErrors instead of stopping at the first, so `wharf check-config` can
// report every error at once. Not thread-safe; used at start-up only.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wharf {

class ConfigErrors {
 public:
  explicit ConfigErrors(std::string file) : file_(std::move(file)) {}
  // `line` is 1-based; 0 when unknown.
  void add(int line, std::string_view key, std::string_view why);
  bool empty() const { return messages_.empty(); }
  const std::vector<std::string>& messages() const { return messages_; }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<std::string> messages_;
};

// Returns the value of an environment variable, or nullopt when unset. Replaceable in tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();

// Reads a YAML config file. Throws YAML::BadFile when it cannot be read and YAML::ParserException
// when it is not YAML. One leniency: `${VAR}` written bare inside a flow map or list
// (`credentials: { value: ${KEY} }`, as SPEC §1.2 shows it) is not valid YAML, because `{` opens a
// flow map there; when the file does not parse, it is parsed again with such bare
// interpolations quoted, and that result is used if it parses. Lines stay where they were.
YAML::Node load_yaml_config(const std::string& path);
// The text with each bare (unquoted, uncommented) plain scalar that contains `${` wrapped in
// double quotes; exposed for tests.
std::string quote_bare_interpolations(std::string_view yaml);

// Parses "500ms", "30s", "5m", "1h", "7d" (and a bare "0"); nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

class ConfigNode;

// Reads a jitter setting: `full` (1.0: waits drawn from [0, d]), `none` (0.0), or a fraction from
// 0 to 1 (0.2: waits in [0.8 d, d]). Absent: `fallback`; malformed: an error and `fallback`.
double read_jitter(const ConfigNode& node, double fallback);

// Tells whether a reader recorded any error since the watch began (readers record errors and go
// on, so that every problem is listed; the watch decides whether the result is usable).
class ConfigErrorWatch {
 public:
  explicit ConfigErrorWatch(const ConfigNode& node);
  bool ok() const { return errors_.messages().size() == before_; }

 private:
  const ConfigErrors& errors_;
  std::size_t before_;
};

class ConfigNode {
 public:
  ConfigNode(YAML::Node node, std::string path, ConfigErrors* errors, const EnvLookup* env,
             int parent_line = 0);

  bool present() const { return node_.IsDefined() && !node_.IsNull(); }
  bool is_map() const { return node_.IsMap(); }
  bool is_list() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }
  const std::string& path() const { return path_; }
  int line() const;  // 1-based line of this node, or of its parent when absent
  const YAML::Node& yaml() const { return node_; }

  // Child by key; an absent child is still usable (present() is false; reads use defaults).
  ConfigNode operator[](std::string_view key) const;
  // Elements of a list (an error when this is not a list).
  std::vector<ConfigNode> items() const;
  // Entries of a map, in file order (an error when this is not a map).
  std::vector<std::pair<std::string, ConfigNode>> entries() const;

  // A required string: records an error and returns nullopt when absent or not a scalar.
  std::optional<std::string> str() const;
  // A percentage written "50%" or "50" (decimals allowed, "12.5%"); nullopt when absent, or when
  // malformed (then an error is recorded: "expected a percentage such as 50% or 50"). The range
  // is the caller's to check.
  std::optional<double> percent() const;
  std::string str_or(std::string fallback) const;
  // One string or a list of strings (used for secrets, which may rotate); empty + error if absent.
  std::vector<std::string> str_list() const;
  std::optional<std::chrono::milliseconds> duration() const;
  std::chrono::milliseconds duration_or(std::chrono::milliseconds fallback) const;
  std::int64_t int_or(std::int64_t fallback, std::int64_t min, std::int64_t max) const;
  bool bool_or(bool fallback) const;
  // A string that must be one of `choices`; records an error listing them otherwise.
  std::string choice_or(std::string fallback,
                        std::initializer_list<std::string_view> choices) const;

  // Records an error at this node.
  void error(std::string_view why) const;
  // Records an error for every key of this map that is not in `allowed` (catches typos).
  void allow_only_keys(std::initializer_list<std::string_view> allowed) const;
  ConfigErrors& errors() const { return *errors_; }

 private:
  std::optional<std::string> interpolate(const std::string& raw) const;

  YAML::Node node_;
  std::string path_;
  ConfigErrors* errors_;
  const EnvLookup* env_;
  int parent_line_;
};

}  // namespace wharf
