// SendGrid v3: sending one email (RoleFerry outreach), tagged with the outreach id for
// correlation: in `custom_args.outreach_id` (SendGrid copies it into every event webhook), in the
// mail's `X-Outreach-ID` header, and as an X-Outreach-ID request header; optionally with the
// mail's own Message-ID (the `headers` object of the request), which replies quote. The API key is
// added by the pipeline. Pure functions; kind() is registered in provider_kind.cc.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "outbound/call.h"
#include "providers/action_support.h"

namespace wharf::providers::sendgrid {

inline constexpr std::string_view kName = "sendgrid";

struct Address {
  std::string email;
  std::string name;  // optional
};

struct MailSend {
  Address from;
  std::vector<Address> to;  // at least one
  std::string subject;
  std::string text;  // text/plain part; text or html (or both) must be set
  std::string html;  // text/html part
  std::optional<Address> reply_to;
  std::string outreach_id;  // optional; no control characters (it goes into headers)
  // Optional: the mail's own Message-ID, "local@domain" without the angle brackets, so that
  // replies (In-Reply-To, References) can be matched to what was sent. Printable ASCII without
  // spaces, '<', '>' or a second '@'; at most 250 bytes.
  std::string message_id;
};

struct MailSendResult {
  std::string message_id;  // the X-Message-Id of the 202
};

// POST /mail/send. Refuses (kInvalidInput) an outreach_id with control characters, and a
// message_id that is not "local@domain" as above.
Outcome<outbound::Call> mail_send_call(const MailSend& mail);
// 202 → the message id; rejected() for a non-2xx answer; kBadResponse without X-Message-Id.
Outcome<MailSendResult> parse_mail_send(const outbound::HttpResponse& response);

ProviderKind kind();

}  // namespace wharf::providers::sendgrid
