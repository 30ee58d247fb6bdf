#include "providers/sendgrid.h"

#include <boost/json/serialize.hpp>

namespace wharf::providers::sendgrid {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kOutreachHeader = "X-Outreach-ID";

json::object address_json(const Address& a) {
  json::object o{{"email", a.email}};
  if (!a.name.empty()) o["name"] = a.name;
  return o;
}

// "local@domain": printable ASCII, no space, no angle brackets, exactly one '@' with text on
// both sides.
bool valid_message_id(std::string_view id) {
  if (id.empty() || id.size() > 250) return false;
  for (char c : id) {
    if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>') return false;
  }
  auto at = id.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < id.size() &&
         id.find('@', at + 1) == std::string_view::npos;
}

}  // namespace

Outcome<outbound::Call> mail_send_call(const MailSend& mail) {
  if (has_control_characters(mail.outreach_id)) {
    return invalid_input("outreach_id: must not contain control characters");
  }
  if (!mail.message_id.empty() && !valid_message_id(mail.message_id)) {
    return invalid_input(
        "message_id: must be local@domain, without <>, spaces or control "
        "characters");
  }
  json::array to;
  for (const Address& a : mail.to) to.push_back(address_json(a));
  json::array content;
  // SendGrid requires text/plain before text/html.
  if (!mail.text.empty())
    content.push_back(json::object{{"type", "text/plain"}, {"value", mail.text}});
  if (!mail.html.empty())
    content.push_back(json::object{{"type", "text/html"}, {"value", mail.html}});
  json::object body{{"personalizations", json::array{json::object{{"to", std::move(to)}}}},
                    {"from", address_json(mail.from)},
                    {"subject", mail.subject},
                    {"content", std::move(content)}};
  if (mail.reply_to) body["reply_to"] = address_json(*mail.reply_to);
  outbound::Call call;
  call.method = "POST";
  call.target = "/mail/send";
  call.headers = {{"Content-Type", "application/json"}};
  if (!mail.outreach_id.empty()) {
    body["custom_args"] = json::object{{"outreach_id", mail.outreach_id}};
    body["headers"] = json::object{{kOutreachHeader, mail.outreach_id}};
    call.headers.emplace_back(kOutreachHeader, mail.outreach_id);
  }
  if (!mail.message_id.empty()) {
    if (!body.contains("headers")) body["headers"] = json::object();
    body["headers"].as_object()["Message-ID"] = "<" + mail.message_id + ">";
  }
  call.body = json::serialize(body);
  call.endpoint = "mail_send";
  return call;
}

Outcome<MailSendResult> parse_mail_send(const outbound::HttpResponse& response) {
  if (!is_success(response)) return rejected(kName, response);
  std::optional<std::string> id = response.header("X-Message-Id");
  if (!id || id->empty()) {
    return ActionError{ActionError::Kind::kBadResponse,
                       "sendgrid accepted the mail without an X-Message-Id", response.status,
                       std::nullopt};
  }
  return MailSendResult{std::move(*id)};
}

namespace {

// An address given as "a@b.c" or {"email": "a@b.c", "name": "A"}.
Address read_address(InputReader& in, const json::value& v, const std::string& field) {
  if (v.is_string() && !v.as_string().empty()) return Address{std::string(v.as_string()), {}};
  if (v.is_object()) {
    InputReader sub(v.as_object(), field + ".");
    Address a{sub.text("email"), sub.optional_text("name").value_or("")};
    in.merge(sub);
    return a;
  }
  in.fail(field, "must be an email address or {\"email\", \"name\"}");
  return {};
}

asio::awaitable<ActionResult> run_mail_send(outbound::Caller& caller, const json::object& input,
                                            const ChunkSink*) {
  InputReader in(input);
  MailSend mail;
  if (const json::value* from = in.raw("from")) {
    mail.from = read_address(in, *from, "from");
  } else {
    in.fail("from", "required (an email address or {\"email\", \"name\"})");
  }
  if (const json::value* to = in.raw("to")) {
    if (to->is_array() && !to->as_array().empty()) {
      for (std::size_t i = 0; i < to->as_array().size(); ++i) {
        mail.to.push_back(read_address(in, to->as_array()[i], "to[" + std::to_string(i) + "]"));
      }
    } else {
      mail.to.push_back(read_address(in, *to, "to"));
    }
  } else {
    in.fail("to", "required (an address or an array of addresses)");
  }
  mail.subject = in.text("subject");
  mail.html = in.optional_text("html").value_or("");
  mail.text = in.optional_text("text").value_or("");
  if (const json::value* reply_to = in.raw("reply_to")) {
    mail.reply_to = read_address(in, *reply_to, "reply_to");
  }
  mail.outreach_id = in.optional_text("outreach_id").value_or("");
  mail.message_id = in.optional_text("message_id").value_or("");
  if (mail.html.empty() && mail.text.empty()) in.fail("html", "html or text is required");
  if (auto error = in.error()) co_return *error;
  Outcome<outbound::Call> call = mail_send_call(mail);
  if (!call) co_return call.error();
  Outcome<MailSendResult> result =
      co_await call_and_parse<MailSendResult>(caller, std::move(*call), parse_mail_send);
  if (!result) co_return result.error();
  co_return json::object{{"message_id", result->message_id}};
}

}  // namespace

ProviderKind kind() {
  return ProviderKind{
      kName,
      "https://api.sendgrid.com/v3",
      "",
      {Action{"mail_send", "Send one email, tagged with its outreach id", false, run_mail_send}}};
}

}  // namespace wharf::providers::sendgrid
