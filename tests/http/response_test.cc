#include "http/response.h"

#include <gtest/gtest.h>

#include <boost/beast/http/write.hpp>
#include <sstream>

namespace wharf::http {
namespace {

std::string beast_wire(const Response& res) {
  std::ostringstream os;
  os << res;
  return os.str();
}

TEST(SerializeResponse, MatchesBeastsSerializerByteForByte) {
  for (bool keep_alive : {true, false}) {
    for (unsigned version : {10u, 11u}) {
      Response res = json_response(Status::ok, {{"status", "ok"}, {"id", "evt_1"}}, version);
      res.keep_alive(keep_alive);
      res.prepare_payload();
      EXPECT_EQ(serialize_response(res), beast_wire(res))
          << "keep_alive=" << keep_alive << " version=" << version;
    }
  }
  Response err = json_error(Status::service_unavailable, "storage unavailable");
  err.prepare_payload();
  EXPECT_EQ(serialize_response(err), beast_wire(err));
  EXPECT_NE(serialize_response(err).find("Retry-After: 5\r\n"), std::string::npos);
}

TEST(JsonError, MapsEveryErrorCodeToItsStatus) {
  EXPECT_EQ(error_response({Errc::kInvalidArgument, "x"}).result(), Status::bad_request);
  EXPECT_EQ(error_response({Errc::kUnauthenticated, "x"}).result(), Status::unauthorized);
  EXPECT_EQ(error_response({Errc::kNotFound, "x"}).result(), Status::not_found);
  EXPECT_EQ(error_response({Errc::kMethodNotAllowed, "x"}).result(), Status::method_not_allowed);
  EXPECT_EQ(error_response({Errc::kTooLarge, "x"}).result(), Status::payload_too_large);
  EXPECT_EQ(error_response({Errc::kUnavailable, "x"}).result(), Status::service_unavailable);
  EXPECT_EQ(error_response({Errc::kInternal, "x"}).result(), Status::internal_server_error);
  EXPECT_EQ(error_response({Errc::kNotFound, "no \"such\" thing"}).body(),
            "{\"error\":\"no \\\"such\\\" thing\"}");
}

}  // namespace
}  // namespace wharf::http
