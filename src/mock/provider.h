// One simulated third-party API (Stripe, SendGrid, ...): answers the requests of its own routes
// with the fields the real API returns. Providers are registered by name in provider_registry.cc.
// The Simulator calls a provider with its mutex held, so a provider needs no locking of its own.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "http/query.h"
#include "http/types.h"

namespace wharf::mock {

// A request as a provider sees it: the path without the query, the decoded query, the time.
struct ProviderRequest {
  const http::Request& http;
  std::string_view path;
  const http::QueryParams& query;
  std::int64_t now_ms;
};

// Random object ids in the providers' formats ("cus_" + 14 alphanumerics). Not thread-safe:
// used under the Simulator's mutex.
class IdSource {
 public:
  explicit IdSource(std::uint64_t seed = std::random_device{}()) : rng_(seed) {}
  // `prefix` followed by `length` characters from [0-9A-Za-z].
  std::string next(std::string_view prefix, std::size_t length = 14);

 private:
  std::mt19937_64 rng_;
};

class Provider {
 public:
  virtual ~Provider() = default;
  // The answer to `req`, or nullopt when no route of this provider has its method and path
  // (the Simulator then tries the next provider, and answers 404 after the last).
  virtual std::optional<http::Response> handle(const ProviderRequest& req) = 0;
};

// Helpers shared by the providers.
// The Authorization header's bearer token; empty when there is none.
std::string_view bearer_token(const http::Request& req);
// The body as a JSON object; nullopt when it is not one.
std::optional<boost::json::object> json_body(const http::Request& req);
// An application/x-www-form-urlencoded body (or query) as ordered pairs; nullopt when malformed.
std::optional<http::QueryParams> form_body(const http::Request& req);
// The one path segment between `prefix` and `suffix` ("/users/" + "me" + "/messages/send"), or
// nullopt when `path` is not of that shape (the segment empty or holding a '/').
std::optional<std::string_view> segment_between(std::string_view path, std::string_view prefix,
                                                std::string_view suffix);
// The first value of `name` in `params`, or nullptr.
const std::string* find_param(const http::QueryParams& params, std::string_view name);

}  // namespace wharf::mock
