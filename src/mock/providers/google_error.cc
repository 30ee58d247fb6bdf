#include "mock/providers/google_error.h"

#include <boost/json/object.hpp>

#include "http/response.h"
#include "mock/provider.h"

namespace wharf::mock {
namespace json = boost::json;

http::Response google_error(http::Status status, std::string_view google_status,
                            std::string_view reason, std::string_view message) {
  http::Response res = http::json_response(
      status,
      json::object{
          {"error",
           {{"code", static_cast<int>(status)},
            {"message", message},
            {"errors", json::array{json::object{
                           {"message", message}, {"domain", "global"}, {"reason", reason}}}},
            {"status", google_status}}}});
  if (status == http::Status::unauthorized) {
    res.set(boost::beast::http::field::www_authenticate,
            "Bearer realm=\"https://accounts.google.com/\"");
  }
  return res;
}

std::optional<http::Response> google_require_bearer(const http::Request& req) {
  if (!bearer_token(req).empty()) return std::nullopt;
  return google_error(http::Status::unauthorized, "UNAUTHENTICATED", "required",
                      "Request is missing required authentication credential. Expected OAuth 2 "
                      "access token, login cookie or other valid authentication credential.");
}

}  // namespace wharf::mock
