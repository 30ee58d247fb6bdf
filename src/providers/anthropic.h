// Anthropic Messages API: drafting outreach emails, whole or streamed to the user as server-sent
// events (the copilot). The API key is added by the pipeline; the API version header is set here.
// Pure functions; kind() is registered in provider_kind.cc.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "outbound/call.h"
#include "providers/action_support.h"

namespace wharf::providers::anthropic {

inline constexpr std::string_view kName = "anthropic";
inline constexpr std::string_view kApiVersion = "2023-06-01";

struct Message {
  std::string role;     // "user" or "assistant"
  std::string content;  // text
};

struct MessagesRequest {
  std::string model;  // "claude-3-5-sonnet-20241022"
  std::int64_t max_tokens = 1024;
  std::string system;  // optional
  std::vector<Message> messages;
};

struct MessagesResult {
  std::string id;
  std::string model;
  std::string text;  // the text blocks of the answer, concatenated
  std::string stop_reason;
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
};

// POST /messages. With `sink` set the request asks for a stream (`"stream": true`) and the
// Call's on_body_chunk passes the raw event-stream bytes to `sink` as they arrive (a copy of
// `sink` is kept in the Call).
outbound::Call messages_call(const MessagesRequest& request, ChunkSink sink = {});
// A non-streamed 2xx answer; rejected() (Anthropic's error.message) for the others.
Outcome<MessagesResult> parse_messages(const outbound::HttpResponse& response);
boost::json::value to_json(const MessagesResult& result);

ProviderKind kind();

}  // namespace wharf::providers::anthropic
