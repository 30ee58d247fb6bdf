#include "dispatch/destinations.h"

#include <boost/beast/core/string.hpp>

#include "core/encoding.h"

namespace wharf::dispatch {
namespace {

bool valid_url(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("http://"))
    rest = url.substr(7);
  else if (url.starts_with("https://"))
    rest = url.substr(8);
  else
    return false;
  if (rest.empty() || rest.front() == '/' || rest.front() == ':') return false;
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool reserved_header(std::string_view name) {
  for (auto r : {"content-type", "content-length", "host", "webhook-id", "webhook-timestamp",
                 "webhook-signature", "transfer-encoding", "connection"}) {
    if (boost::beast::iequals(name, r)) return true;
  }
  return false;
}

bool valid_header_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

std::optional<std::vector<Destination>> load_destinations(const ConfigNode& node) {
  std::vector<Destination> out;
  if (!node.present()) return out;
  if (!node.is_map()) {
    node.error("expected a map of destinations (name: { url, secret })");
    return std::nullopt;
  }
  bool ok = true;
  for (const auto& [name, n] : node.entries()) {
    if (!n.is_map()) {
      n.error("expected a map (url, secret, timeout, ...)");
      ok = false;
      continue;
    }
    n.allow_only_keys({"url", "secret", "timeout", "max_in_flight", "breaker", "headers"});
    Destination d;
    d.name = name;
    if (!n["url"].present()) {
      n.error("needs `url` (where events are POSTed)");
      ok = false;
    } else {
      d.url = n["url"].str_or("");
      if (!valid_url(d.url)) {
        n["url"].error("expected an http:// or https:// URL with a host");
        ok = false;
      }
    }
    if (!n["secret"].present()) {
      n.error("needs `secret` (whsec_...): forwarded events are always signed");
      ok = false;
    } else {
      for (const auto& s : n["secret"].str_list()) {
        auto raw = encoding::prefixed_base64_decode(s, "whsec_");
        if (!raw) {
          n["secret"].error("must be whsec_ followed by base64");
          ok = false;
          break;
        }
        d.keys.push_back(std::make_shared<const crypto::HmacKey>(crypto::Digest::kSha256, *raw));
      }
    }
    d.timeout = n["timeout"].duration_or(d.timeout);
    if (d.timeout <= std::chrono::milliseconds(0) || d.timeout > std::chrono::minutes(5)) {
      n["timeout"].error("must be between 1ms and 5m");
      ok = false;
    }
    d.max_in_flight = static_cast<int>(n["max_in_flight"].int_or(16, 1, 1024));
    d.breaker = resilience::default_peer_breaker();
    if (n["breaker"].present()) {
      auto b = resilience::read_breaker_policy(n["breaker"], d.breaker);
      if (!b)
        ok = false;
      else
        d.breaker = *b;
    }
    if (n["headers"].present()) {
      if (!n["headers"].is_map()) {
        n["headers"].error("expected a map of header names to values");
        ok = false;
      }
      for (const auto& [h, v] : n["headers"].entries()) {
        if (!valid_header_name(h) || reserved_header(h)) {
          v.error("header `" + h + "` cannot be set here");
          ok = false;
          continue;
        }
        auto value = v.str();
        if (!value || value->find_first_of("\r\n") != std::string::npos) {
          v.error("expected a one-line string");
          ok = false;
          continue;
        }
        d.headers.emplace_back(h, *value);
      }
    }
    out.push_back(std::move(d));
  }
  if (!ok) return std::nullopt;
  return out;
}

HeaderList standard_webhook_headers(const Destination& d, std::string_view id, std::int64_t now_s,
                                    std::string_view body) {
  std::string ts = std::to_string(now_s);
  std::string signature;
  for (const auto& key : d.keys) {
    if (!signature.empty()) signature += ' ';
    signature += "v1," + encoding::base64_encode(key->sign_parts({id, ".", ts, ".", body}));
  }
  return {{"webhook-id", std::string(id)},
          {"webhook-timestamp", std::move(ts)},
          {"webhook-signature", std::move(signature)}};
}

}  // namespace wharf::dispatch
