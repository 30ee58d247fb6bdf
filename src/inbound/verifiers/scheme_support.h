// Building blocks the signature schemes under verifiers/ share: the signed-timestamp window,
// secret lists read from config, content-hash event ids, and small JSON and header parsing
// (trimming and case-insensitive names come from inbound/content_type.h).
// Everything here is pure or immutable after construction and safe to call from any thread
// (except the ConfigNode readers, used at start-up only).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_node.h"
#include "core/crypto.h"
#include "core/error.h"
#include "inbound/content_type.h"
#include "inbound/verifier.h"

namespace wharf::inbound::scheme {

// The accepted distance between a signed timestamp and now, in both directions (a stale replay and
// a timestamp from the future are both refused). Zero turns the check off.
class TimestampWindow {
 public:
  explicit TimestampWindow(std::int64_t seconds) : seconds_(seconds) {}
  // Reads the source's `tolerance` (default 300s; a sub-second value rounds up to 1s).
  static TimestampWindow from_config(const ConfigNode& source);

  // nullopt when `ts` is within the window of `now_s` (or the window is off); else a kTimestamp
  // failure saying what the tolerance is.
  std::optional<VerifyFailure> check(std::int64_t ts, std::int64_t now_s) const;
  std::int64_t seconds() const { return seconds_; }

 private:
  std::int64_t seconds_;
};

// A Unix time in decimal seconds (digits only, at most 12; no sign or blanks); nullopt otherwise.
std::optional<std::int64_t> parse_unix_seconds(std::string_view text);

// "sha256:<hex>" of the payload: the dedup id when the provider gives none.
std::string content_hash_id(std::string_view payload);

VerifyFailure failure(VerifyFailure::Reason reason, std::string message);
// "no signature matches (checked N keys)".
VerifyFailure no_match(std::size_t keys);

// The body as a JSON document; Errc::kInvalidArgument ("body is not valid JSON") otherwise.
Result<boost::json::value> parse_json(std::string_view body);
// The body as a JSON object; Errc::kInvalidArgument ("body is not valid JSON", "body is not a
// JSON object") otherwise.
Result<boost::json::object> parse_json_object(std::string_view body);
// The member `key` when it is a string; nullopt otherwise.
std::optional<std::string> json_string(const boost::json::object& obj, std::string_view key);
// The member `key` as text when it is a string or an integer (ids are sometimes numbers).
std::optional<std::string> json_scalar_text(const boost::json::object& obj, std::string_view key);

// The secrets of `node` (one string or a list): records an error for an absent key or an empty
// string. Never logs or echoes the values.
std::vector<std::string> read_secrets(const ConfigNode& node);
// One prepared HMAC key per secret, in order.
std::vector<crypto::HmacKey> hmac_keys(crypto::Digest digest,
                                       const std::vector<std::string>& secrets);

// Splits on any of `separators`, trims blanks (trim_ows) off each piece and drops empty ones.
std::vector<std::string_view> split(std::string_view s, std::string_view separators);

}  // namespace wharf::inbound::scheme
