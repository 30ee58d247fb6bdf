// A small blocking client for the gateway's admin JSON API (/api/v1, SPEC §1.3): GET and POST
// JSON with `Authorization: Bearer <token>`, over an HttpTransport (libcurl, or a fake in tests).
// Also turns an answer into the CLI's outcome: the parsed JSON of a 2xx, or one error line.
// Not thread-safe; used on the CLI's one thread.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "cli/gateway_locator.h"
#include "cli/http_transport.h"
#include "core/error.h"

namespace wharf::cli {

class AdminClient {
 public:
  // `http` must outlive the client.
  AdminClient(HttpTransport& http, AdminEndpoint endpoint);

  // `target` is the path and query after the base URL, e.g. "/api/v1/events?limit=5". The reply
  // whatever its status, or an Errc::kUnavailable error with a one-line reason.
  Result<HttpReply> get(std::string_view target);
  // POSTs `json_body` (Content-Type: application/json; none when the body is empty).
  Result<HttpReply> post(std::string_view target, std::string_view json_body);

 private:
  HttpTransport& http_;
  AdminEndpoint endpoint_;
};

// What one admin call came to.
struct AdminAnswer {
  std::string body;          // the API's JSON, as received
  boost::json::value value;  // parsed
};

// Turns `reply` into an answer when it is a 2xx with a JSON body; otherwise an error whose
// message is the one line to print without its "wharf: " prefix: the network error, "<status>:
// <the API's error field>" (or the start of the body when it has none), or "unexpected answer".
Result<AdminAnswer> to_answer(const Result<HttpReply>& reply);

// `value`[key] as a string, or `fallback` when absent, null or not a string.
std::string string_field(const boost::json::value& value, std::string_view key,
                         std::string_view fallback = "");
// `value`[key] as an integer, or `fallback` when absent or not a number.
std::int64_t int_field(const boost::json::value& value, std::string_view key,
                       std::int64_t fallback = 0);

}  // namespace wharf::cli
