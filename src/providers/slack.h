// Slack Web API: posting a message to a channel (alerts, notifications). Slack answers its errors
// with HTTP 200 and `"ok": false`; they come back as kRejected with Slack's `error` code. The
// token is added by the pipeline. Pure functions; kind() is registered in provider_kind.cc.
#pragma once

#include <boost/json/array.hpp>
#include <optional>
#include <string>

#include "outbound/call.h"
#include "providers/action_support.h"

namespace wharf::providers::slack {

inline constexpr std::string_view kName = "slack";

struct PostMessage {
  std::string channel;                       // "C0123456789" or "#alerts"
  std::string text;                          // the message, or the fallback text of `blocks`
  std::optional<boost::json::array> blocks;  // Block Kit blocks, passed as given
  std::string thread_ts;                     // optional: reply in this thread
};

struct PostMessageResult {
  std::string channel;
  std::string ts;  // the message's timestamp (its id)
};

// POST /chat.postMessage with a JSON body.
outbound::Call chat_post_message_call(const PostMessage& message);
// ok:true → channel and ts; ok:false (HTTP 200) or a non-2xx answer → kRejected with Slack's
// error code.
Outcome<PostMessageResult> parse_chat_post_message(const outbound::HttpResponse& response);

ProviderKind kind();

}  // namespace wharf::providers::slack
