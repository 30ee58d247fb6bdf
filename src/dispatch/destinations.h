// Forward destinations (`destinations:` in the config, SPEC §1.2): the application endpoints that
// events are POSTed to, signed with Standard Webhooks headers under the destination's whsec_
// secret(s). Read once at start-up, then immutable: thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config_node.h"
#include "core/crypto.h"
#include "resilience/breaker_policy.h"

namespace wharf::dispatch {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Destination {
  std::string name;
  std::string url;  // http:// or https://
  // Decoded whsec_ secrets; every one signs (rotation). Shared: a Destination is copyable.
  std::vector<std::shared_ptr<const crypto::HmacKey>> keys;
  std::chrono::milliseconds timeout{10'000};
  int max_in_flight = 16;  // concurrent deliveries to this destination
  resilience::BreakerPolicy breaker;
  HeaderList headers;  // extra static headers (`headers: {X-Env: prod}`)
};

// Reads the `destinations` map; an absent node gives none. Keys: url (required), secret
// (required, whsec_..., or a list for rotation), timeout (default 10s, at most 5m),
// max_in_flight (1..1024, default 16), breaker (default resilience::default_peer_breaker()),
// headers (a map of strings; the Standard Webhooks and Content-Type headers are wharf's own). Every
// problem is reported through ConfigNode::error; then nullopt.
std::optional<std::vector<Destination>> load_destinations(const ConfigNode& node);

// The Standard Webhooks headers for one attempt: webhook-id (the event id, stable across
// retries and replays so the receiver can deduplicate), webhook-timestamp (`now_s`) and
// webhook-signature ("v1,<base64 HMAC-SHA256 of id.timestamp.body>" per key, space separated).
HeaderList standard_webhook_headers(const Destination& d, std::string_view id, std::int64_t now_s,
                                    std::string_view body);

}  // namespace wharf::dispatch
