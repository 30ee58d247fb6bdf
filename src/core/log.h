// Structured JSON logs, one object per line on stderr: {"ts","level","msg",...fields}.
// Thread-safe. Never pass a secret as a field: nothing here can tell a secret from other text.
#pragma once

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <initializer_list>
#include <string_view>
#include <utility>

namespace wharf::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// One structured field: any value boost::json::value_from accepts (strings, numbers, bools).
struct Field {
  template <class T>
  Field(std::string_view k, T&& v) : key(k), value(boost::json::value_from(std::forward<T>(v))) {}
  std::string_view key;
  boost::json::value value;
};

void set_level(Level level);
// Parses "debug" | "info" | "warn" | "error"; returns false on anything else.
bool parse_level(std::string_view text, Level* out);

void write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});
inline void debug(std::string_view msg, std::initializer_list<Field> f = {}) {
  write(Level::kDebug, msg, f);
}
inline void info(std::string_view msg, std::initializer_list<Field> f = {}) {
  write(Level::kInfo, msg, f);
}
inline void warn(std::string_view msg, std::initializer_list<Field> f = {}) {
  write(Level::kWarn, msg, f);
}
inline void error(std::string_view msg, std::initializer_list<Field> f = {}) {
  write(Level::kError, msg, f);
}
bool enabled(Level level);

}  // namespace wharf::log
