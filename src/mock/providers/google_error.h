// Google APIs' error body, shared by the simulated Gmail and Calendar:
// {"error":{"code","message","errors":[{"message","domain":"global","reason"}],"status"}}.
#pragma once

#include <string_view>

#include "http/types.h"

namespace wharf::mock {

// `status` is the HTTP status; `google_status` the canonical code ("INVALID_ARGUMENT",
// "UNAUTHENTICATED", ...); `reason` the legacy reason ("invalidArgument", "required", ...).
http::Response google_error(http::Status status, std::string_view google_status,
                            std::string_view reason, std::string_view message);

// The 401 every Google API answers without a bearer token, or nullopt when there is one.
std::optional<http::Response> google_require_bearer(const http::Request& req);

}  // namespace wharf::mock
