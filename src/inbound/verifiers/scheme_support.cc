#include "inbound/verifiers/scheme_support.h"

#include <chrono>

#include "core/encoding.h"

namespace wharf::inbound::scheme {

TimestampWindow TimestampWindow::from_config(const ConfigNode& source) {
  using namespace std::chrono_literals;
  std::chrono::milliseconds ms = source["tolerance"].duration_or(300s);
  if (ms.count() <= 0) return TimestampWindow(0);
  return TimestampWindow((ms.count() + 999) / 1000);
}

std::optional<VerifyFailure> TimestampWindow::check(std::int64_t ts, std::int64_t now_s) const {
  if (seconds_ == 0) return std::nullopt;
  std::int64_t distance = ts > now_s ? ts - now_s : now_s - ts;
  if (distance <= seconds_) return std::nullopt;
  return failure(VerifyFailure::Reason::kTimestamp,
                 "timestamp outside tolerance of " + std::to_string(seconds_) + "s");
}

std::optional<std::int64_t> parse_unix_seconds(std::string_view text) {
  return encoding::parse_digits(text, 12);
}

std::string content_hash_id(std::string_view payload) {
  return "sha256:" + encoding::hex_encode(crypto::sha256(payload));
}

VerifyFailure failure(VerifyFailure::Reason reason, std::string message) {
  return VerifyFailure{reason, std::move(message)};
}

VerifyFailure no_match(std::size_t keys) {
  return failure(
      VerifyFailure::Reason::kMismatch,
      "no signature matches (checked " + std::to_string(keys) + (keys == 1 ? " key)" : " keys)"));
}

Result<boost::json::value> parse_json(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) return make_error(Errc::kInvalidArgument, "body is not valid JSON");
  return v;
}

Result<boost::json::object> parse_json_object(std::string_view body) {
  auto v = parse_json(body);
  if (!v) return v.error();
  if (!v->is_object()) return make_error(Errc::kInvalidArgument, "body is not a JSON object");
  return std::move(v->as_object());
}

std::optional<std::string> json_string(const boost::json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().as_string());
}

std::optional<std::string> json_scalar_text(const boost::json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  const auto& v = it->value();
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  return std::nullopt;
}

std::vector<std::string> read_secrets(const ConfigNode& node) {
  std::vector<std::string> secrets = node.str_list();
  for (const auto& s : secrets) {
    if (s.empty()) {
      node.error("must not be empty");
      break;
    }
  }
  return secrets;
}

std::vector<crypto::HmacKey> hmac_keys(crypto::Digest digest,
                                       const std::vector<std::string>& secrets) {
  std::vector<crypto::HmacKey> keys;
  keys.reserve(secrets.size());
  for (const auto& s : secrets) keys.emplace_back(digest, s);
  return keys;
}

std::vector<std::string_view> split(std::string_view s, std::string_view separators) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    std::size_t end = s.find_first_of(separators);
    std::string_view piece = trim_ows(s.substr(0, end));
    if (!piece.empty()) out.push_back(piece);
    if (end == std::string_view::npos) break;
    s.remove_prefix(end + 1);
  }
  return out;
}

}  // namespace wharf::inbound::scheme
