#include "providers/action_support.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cmath>

namespace wharf::providers {

namespace json = boost::json;

InputReader::InputReader(const json::object& input, std::string path)
    : input_(input), path_(std::move(path)) {}

const json::value* InputReader::lookup(std::string_view name) {
  known_.emplace_back(name);
  const json::value* v = input_.if_contains(name);
  return v && !v->is_null() ? v : nullptr;
}

void InputReader::fail(std::string_view name, std::string_view problem) {
  if (!error_) error_ = invalid_input(field(name) + ": " + std::string(problem));
}

void InputReader::merge(const InputReader& nested) {
  if (!error_) error_ = nested.error();
}

std::string InputReader::text(std::string_view name) {
  const json::value* v = lookup(name);
  if (!v) {
    fail(name, "required (a non-empty string)");
    return {};
  }
  if (!v->is_string() || v->as_string().empty()) {
    fail(name, "must be a non-empty string");
    return {};
  }
  return std::string(v->as_string());
}

std::optional<std::string> InputReader::optional_text(std::string_view name) {
  const json::value* v = lookup(name);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    fail(name, "must be a string");
    return std::nullopt;
  }
  return std::string(v->as_string());
}

std::int64_t InputReader::integer(std::string_view name, std::int64_t fallback, std::int64_t min,
                                  std::int64_t max) {
  const json::value* v = lookup(name);
  if (!v) return fallback;
  std::optional<std::int64_t> n;
  if (v->is_int64()) {
    n = v->as_int64();
  } else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(max)) {
    n = static_cast<std::int64_t>(v->as_uint64());
  } else if (v->is_double() && std::trunc(v->as_double()) == v->as_double() &&
             std::abs(v->as_double()) < 1e15) {
    n = static_cast<std::int64_t>(v->as_double());
  }
  if (!n || *n < min || *n > max) {
    fail(name, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return fallback;
  }
  return *n;
}

bool InputReader::boolean(std::string_view name, bool fallback) {
  const json::value* v = lookup(name);
  if (!v) return fallback;
  if (!v->is_bool()) {
    fail(name, "must be true or false");
    return fallback;
  }
  return v->as_bool();
}

std::vector<std::string> InputReader::texts(std::string_view name, bool required) {
  const json::value* v = lookup(name);
  std::vector<std::string> out;
  if (!v) {
    if (required) fail(name, "required (an array of non-empty strings)");
    return out;
  }
  if (!v->is_array() || (required && v->as_array().empty())) {
    fail(name, required ? "must be a non-empty array of non-empty strings"
                        : "must be an array of non-empty strings");
    return out;
  }
  const json::array& a = v->as_array();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_string() || a[i].as_string().empty()) {
      fail(std::string(name) + "[" + std::to_string(i) + "]", "must be a non-empty string");
      return {};
    }
    out.emplace_back(a[i].as_string());
  }
  return out;
}

StringPairs InputReader::text_map(std::string_view name) {
  const json::value* v = lookup(name);
  StringPairs out;
  if (!v) return out;
  if (!v->is_object()) {
    fail(name, "must be an object of strings");
    return out;
  }
  for (const auto& [k, value] : v->as_object()) {
    if (!value.is_string()) {
      fail(std::string(name) + "." + std::string(k), "must be a string");
      return {};
    }
    out.emplace_back(std::string(k), std::string(value.as_string()));
  }
  return out;
}

const json::array* InputReader::objects(std::string_view name, bool required) {
  const json::value* v = lookup(name);
  if (!v) {
    if (required) fail(name, "required (a non-empty array of objects)");
    return nullptr;
  }
  if (!v->is_array() || (required && v->as_array().empty())) {
    fail(name, required ? "must be a non-empty array of objects" : "must be an array of objects");
    return nullptr;
  }
  const json::array& a = v->as_array();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_object()) {
      fail(std::string(name) + "[" + std::to_string(i) + "]", "must be an object");
      return nullptr;
    }
  }
  return &a;
}

const json::value* InputReader::raw(std::string_view name) { return lookup(name); }

std::optional<ActionError> InputReader::error() const {
  if (error_) return error_;
  for (const auto& [k, v] : input_) {
    if (std::find(known_.begin(), known_.end(), std::string_view(k)) == known_.end()) {
      return invalid_input(field(k) + ": unknown field");
    }
  }
  return std::nullopt;
}

std::string text_of(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string text_of(const json::value& v, std::string_view name) {
  return v.is_object() ? text_of(v.as_object(), name) : std::string();
}

std::int64_t int_of(const json::object& o, std::string_view name, std::int64_t fallback) {
  const json::value* v = o.if_contains(name);
  if (!v) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  return fallback;
}

bool is_success(const outbound::HttpResponse& response) {
  return response.status >= 200 && response.status < 300;
}

Outcome<json::object> json_answer(std::string_view provider,
                                  const outbound::HttpResponse& response) {
  if (!is_success(response)) return rejected(provider, response);
  boost::system::error_code ec;
  json::value v = json::parse(response.body, ec);
  if (ec || !v.is_object()) {
    return ActionError{ActionError::Kind::kBadResponse,
                       std::string(provider) + " answered HTTP " + std::to_string(response.status) +
                           " without a JSON object",
                       response.status, std::nullopt};
  }
  return std::move(v.as_object());
}

bool has_control_characters(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace wharf::providers
