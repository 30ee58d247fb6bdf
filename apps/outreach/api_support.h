// What the outreach API's files share (api.h): answers decided inside a transaction, and reading
// a request's JSON body. Pure functions.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "http/response.h"
#include "http/types.h"

namespace wharf::outreach {

// An answer decided inside a transaction: a status and its JSON body. Refusals are decided
// before any write, so committing them changes nothing.
struct Reply {
  http::Status status = http::Status::ok;
  boost::json::value body;
};

inline Reply refusal(http::Status status, std::string_view reason, std::string message) {
  return Reply{status, boost::json::object{{"error", std::move(message)}, {"reason", reason}}};
}

inline http::Response answer(const Result<Reply>& r) {
  if (!r) return http::error_response(r.error());
  return http::json_response(r->status, r->body);
}

// The body as a JSON object (an empty body is {}), or the 400 to answer.
inline std::optional<boost::json::object> body_object(std::string_view body,
                                                      http::Response& refused) {
  if (body.empty()) return boost::json::object();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) {
    refused = http::json_error(http::Status::bad_request, "the body must be a JSON object");
    return std::nullopt;
  }
  return std::move(v.as_object());
}

}  // namespace wharf::outreach
