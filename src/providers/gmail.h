// Gmail API: sending an email from a connected mailbox (RoleFerry outreach through the user's own
// Gmail, replies kept in their thread). The message is built here as RFC 2822 text and sent
// base64url-encoded; the OAuth token is added by the pipeline. Pure functions; kind() is
// registered in provider_kind.cc.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "outbound/call.h"
#include "providers/action_support.h"

namespace wharf::providers::gmail {

inline constexpr std::string_view kName = "gmail";

struct SendMessage {
  std::string from;             // "Ada <ada@example.com>" or an address
  std::vector<std::string> to;  // at least one
  std::string subject;          // any UTF-8 (encoded as RFC 2047 when not ASCII)
  std::string text;             // text/plain part; text or html (or both)
  std::string html;             // text/html part
  std::string in_reply_to;      // "<id@mail>" of the message replied to; optional
  std::string references;       // optional
  std::string thread_id;        // Gmail's thread id; optional
};

struct SentMessage {
  std::string id;
  std::string thread_id;
  std::vector<std::string> label_ids;
};

// The RFC 2822 message: headers (CRLF line ends), bodies base64-encoded (multipart/alternative
// when both text and html are set). kInvalidInput, naming the field, for a header value with CR,
// LF or another control character.
Outcome<std::string> rfc2822_message(const SendMessage& message);
// POST /users/me/messages/send {"raw": base64url(message), "threadId"?}.
Outcome<outbound::Call> send_call(const SendMessage& message);
// A 2xx answer's message id, thread and labels; rejected() (Google's error.message) otherwise.
Outcome<SentMessage> parse_send(const outbound::HttpResponse& response);

ProviderKind kind();

}  // namespace wharf::providers::gmail
