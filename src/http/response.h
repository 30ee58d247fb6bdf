// Building responses. json_error() and error_response() are the ONE place that turns an error
// into an HTTP status and a {"error": "..."} body; every 4xx/5xx wharf sends goes through them.
#pragma once

#include <boost/json/value.hpp>
#include <string_view>

#include "core/error.h"
#include "http/types.h"

namespace wharf::http {

Status status_for(Errc code);
// {"error": message} with `status`.
Response json_error(Status status, std::string_view message, unsigned version = 11);
Response error_response(const Error& error, unsigned version = 11);
Response json_response(Status status, const boost::json::value& body, unsigned version = 11);
Response text_response(Status status, std::string body, std::string_view content_type,
                       unsigned version = 11);

// The response on the wire (status line, fields, blank line, body) in one buffer, exactly as
// Beast's serializer writes a prepared response with a string body, so the server can send it
// with one write instead of a composed serializer (a quarter of the ingest path's instructions).
// `res` must have had prepare_payload() called.
std::string serialize_response(const Response& res);

}  // namespace wharf::http
