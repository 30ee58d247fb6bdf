#include "core/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <chrono>

#include "core/time_format.h"

namespace wharf::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};

spdlog::logger& logger() {
  // spdlog gives us a thread-safe, buffered sink; the JSON object is built here, so the pattern
  // is the bare message.
  static auto instance = [] {
    auto l = spdlog::stderr_logger_mt("wharf");
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return *instance;
}

const char* level_name(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void set_level(Level level) { g_level.store(level); }

bool parse_level(std::string_view text, Level* out) {
  if (text == "debug")
    *out = Level::kDebug;
  else if (text == "info")
    *out = Level::kInfo;
  else if (text == "warn")
    *out = Level::kWarn;
  else if (text == "error")
    *out = Level::kError;
  else
    return false;
  return true;
}

bool enabled(Level level) { return level >= g_level.load(std::memory_order_relaxed); }

void write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  boost::json::object o;
  o["ts"] = format_rfc3339_ms(ms);
  o["level"] = level_name(level);
  o["msg"] = msg;
  for (const auto& f : fields) o[f.key] = f.value;
  logger().info(boost::json::serialize(o));
}

}  // namespace wharf::log
