// What every provider's typed calls share: reading an action's JSON input with errors that name
// the field (InputReader), reading a provider's JSON answer leniently (text_of, int_of), and
// making one call and parsing its answer (call_and_parse). Pure functions and plain values apart
// from call_and_parse, which runs on the awaiting coroutine's executor. Thread-compatible.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outbound/call.h"
#include "providers/provider_kind.h"

namespace wharf::providers {

// A typed call's outcome: its value, or why there is none.
template <class T>
using Outcome = boost::system::result<T, ActionError>;

using StringPairs = std::vector<std::pair<std::string, std::string>>;

// Reads the fields of one JSON object of an action's input. Every getter marks its field as
// known; the first problem found is kept and later getters return their fallback, so an action
// reads all its fields and then asks error() once. Messages start with the field's path
// ("messages[1].role: ..."), never with the value (which may be personal data).
class InputReader {
 public:
  // `path` prefixes field names in messages: "" at the top, "messages[1]." inside an array.
  explicit InputReader(const boost::json::object& input, std::string path = {});

  // A required string, not empty; "" when missing or wrong.
  std::string text(std::string_view name);
  // An optional string (absent or null: nullopt); an empty string is kept as given.
  std::optional<std::string> optional_text(std::string_view name);
  // An optional integer in [min, max] (a JSON integer or an integral number); `fallback` when
  // absent or null.
  std::int64_t integer(std::string_view name, std::int64_t fallback, std::int64_t min,
                       std::int64_t max);
  bool boolean(std::string_view name, bool fallback);
  // An array of non-empty strings; `required`: present with at least one element.
  std::vector<std::string> texts(std::string_view name, bool required);
  // An object whose values are strings (Stripe metadata), in the object's order.
  StringPairs text_map(std::string_view name);
  // An array of objects (nullptr when absent or wrong; `required`: present and non-empty).
  const boost::json::array* objects(std::string_view name, bool required);
  // The raw value of an optional field (nullptr when absent), for fields passed through as is.
  const boost::json::value* raw(std::string_view name);

  // Records a problem with field `name` found by the caller (e.g. a value with CR/LF).
  void fail(std::string_view name, std::string_view problem);
  // Keeps the problem of `nested`, a reader of an object inside this one, when none came first.
  void merge(const InputReader& nested);
  // The first problem, or, when there was none, the first field of the object no getter read
  // ("unknown field"); nullopt when the input is good.
  std::optional<ActionError> error() const;
  std::string field(std::string_view name) const { return path_ + std::string(name); }

 private:
  const boost::json::value* lookup(std::string_view name);

  const boost::json::object& input_;
  std::string path_;
  std::vector<std::string> known_;
  std::optional<ActionError> error_;
};

// `v[name]` as text when it is a string, else "" (also when `v` is not an object).
std::string text_of(const boost::json::value& v, std::string_view name);
std::string text_of(const boost::json::object& o, std::string_view name);
// `o[name]` as an integer when it is an integral number, else `fallback`.
std::int64_t int_of(const boost::json::object& o, std::string_view name, std::int64_t fallback = 0);

// The body of a 2xx answer as a JSON object; kBadResponse when it is not one; rejected() for a
// non-2xx answer.
Outcome<boost::json::object> json_answer(std::string_view provider,
                                         const outbound::HttpResponse& response);

bool is_success(const outbound::HttpResponse& response);

// True when `text` has a byte below 0x20 (CR, LF, ...) or DEL: it cannot go into a header line.
bool has_control_characters(std::string_view text);

// Makes `call` through `caller`; a CallError becomes call_failed(), an answer goes to `parse`.
// GCC 12: every value awaited is named first (see http/offload.h).
template <class T, class Parse>
boost::asio::awaitable<Outcome<T>> call_and_parse(outbound::Caller& caller, outbound::Call&& call,
                                                  Parse parse) {
  outbound::CallResult result = co_await caller.call(std::move(call));
  if (!result) co_return call_failed(std::move(result.error()));
  co_return parse(*result);
}

}  // namespace wharf::providers
