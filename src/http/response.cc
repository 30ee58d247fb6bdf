#include "http/response.h"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>

namespace wharf::http {

Status status_for(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument:
      return Status::bad_request;
    case Errc::kUnauthenticated:
      return Status::unauthorized;
    case Errc::kNotFound:
      return Status::not_found;
    case Errc::kMethodNotAllowed:
      return Status::method_not_allowed;
    case Errc::kTooLarge:
      return Status::payload_too_large;
    case Errc::kFailedPrecondition:
      return Status::conflict;
    case Errc::kUnavailable:
      return Status::service_unavailable;
    case Errc::kInternal:
      return Status::internal_server_error;
  }
  return Status::internal_server_error;
}

Response text_response(Status status, std::string body, std::string_view content_type,
                       unsigned version) {
  Response res{status, version};
  res.set(boost::beast::http::field::content_type, content_type);
  res.body() = std::move(body);
  return res;
}

Response json_response(Status status, const boost::json::value& body, unsigned version) {
  return text_response(status, boost::json::serialize(body), "application/json", version);
}

Response json_error(Status status, std::string_view message, unsigned version) {
  Response res = json_response(status, boost::json::object{{"error", message}}, version);
  if (status == Status::service_unavailable) {
    res.set(boost::beast::http::field::retry_after, "5");
  }
  return res;
}

std::string serialize_response(const Response& res) {
  std::string wire;
  wire.reserve(160 + res.body().size());
  wire += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  wire += std::to_string(res.result_int());
  wire += ' ';
  wire += res.reason();
  wire += "\r\n";
  for (const auto& field : res) {
    wire += field.name_string();
    wire += ": ";
    wire += field.value();
    wire += "\r\n";
  }
  wire += "\r\n";
  wire += res.body();
  return wire;
}

Response error_response(const Error& error, unsigned version) {
  return json_error(status_for(error.code), error.message, version);
}

}  // namespace wharf::http
