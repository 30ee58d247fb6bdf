// Reading the values of store::Transaction rows (store/transaction.h) in the outreach handlers:
// NULL reads as "" or 0, or as nullopt where absence matters. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "store/transaction.h"

namespace wharf::outreach {

inline std::string text_of(const store::SqlValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  return {};
}

inline std::optional<std::int64_t> optional_int(const store::SqlValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  return std::nullopt;
}

inline std::int64_t int_of(const store::SqlValue& v) { return optional_int(v).value_or(0); }

// A text column or NULL.
inline store::SqlValue text_or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return s;
}

}  // namespace wharf::outreach
