// How the admin API answers a provider action (admin_api.h): a CallError or an ActionError as JSON
// that says what happened, which provider and when to try again (never the provider's raw 429 or
// 5xx body), and a streaming action relayed to the caller as its answer arrives. Shared by the
// providers endpoints and applications' admin routes (dispatch::AdminRoutes) that run actions.
// Pure functions, apart from stream_action, which runs on the request's coroutine.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "http/types.h"
#include "outbound/call.h"
#include "providers/provider_kind.h"

namespace wharf::admin {

// `e` as JSON {error, provider, kind, attempts, retry_after_s, upstream_status}: 429 when rate
// limited, 503 when the breaker is open, 400 for a refused call, 502 otherwise; Retry-After when
// known.
http::Response call_error_response(const outbound::CallError& e);

// `e` as the caller sees it: 400 for invalid input (the message names the field), the call's
// answer for kCall, else 502 {error, provider, kind: rejected | bad_response, upstream_status}. A
// provider's own words may quote what it received, so `secrets` (the provider's configured keys)
// are redacted from them.
http::Response action_error_response(std::string_view provider, const providers::ActionError& e,
                                     const std::vector<std::string>& secrets);

// Runs `action` (a streaming one) with `input` and relays the provider's answer to the caller as
// it arrives (text/event-stream, chunked, on req.stream, which must be set). A failure before the
// first byte is an ordinary JSON error; after it, an `event: error` in the stream. `caller` and
// `action` must outlive the returned awaitable.
boost::asio::awaitable<http::Response> stream_action(http::Request& req, outbound::Caller& caller,
                                                     const providers::Action& action,
                                                     const boost::json::object& input,
                                                     const std::vector<std::string>& secrets);

}  // namespace wharf::admin
