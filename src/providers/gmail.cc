#include "providers/gmail.h"

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "core/encoding.h"

namespace wharf::providers::gmail {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// Chosen so that no base64 line can start with it ('-' and '_' are not in base64's alphabet).
constexpr std::string_view kBoundary = "wharf_alt_7c1e";

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// RFC 2047 encoded words (B encoding), at most 45 bytes of UTF-8 each so every word stays within
// 75 characters, never splitting a character; folded onto continuation lines.
std::string encode_header_text(std::string_view text) {
  if (is_ascii(text)) return std::string(text);
  std::string valid = encoding::to_valid_utf8(text);
  std::string out;
  std::size_t pos = 0;
  while (pos < valid.size()) {
    std::size_t end = std::min(valid.size(), pos + 45);
    while (end < valid.size() && (static_cast<unsigned char>(valid[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + encoding::base64_encode(std::string_view(valid).substr(pos, end - pos)) +
           "?=";
    pos = end;
  }
  return out;
}

// `body` base64-encoded in lines of 76 characters, each ended by CRLF.
std::string base64_lines(std::string_view body) {
  std::string encoded = encoding::base64_encode(body);
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); i += 76) {
    out += encoded.substr(i, 76);
    out += "\r\n";
  }
  return out;
}

std::string part_headers(std::string_view type) {
  return "Content-Type: " + std::string(type) +
         "; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: base64\r\n";
}

}  // namespace

Outcome<std::string> rfc2822_message(const SendMessage& m) {
  auto refuse = [](std::string_view field) {
    return invalid_input(std::string(field) + ": must not contain CR, LF or control characters");
  };
  if (has_control_characters(m.from)) return refuse("from");
  for (std::size_t i = 0; i < m.to.size(); ++i) {
    if (has_control_characters(m.to[i])) return refuse("to[" + std::to_string(i) + "]");
  }
  if (has_control_characters(m.subject)) return refuse("subject");
  if (has_control_characters(m.in_reply_to)) return refuse("in_reply_to");
  if (has_control_characters(m.references)) return refuse("references");

  std::string to;
  for (const std::string& t : m.to) to += (to.empty() ? "" : ", ") + t;
  std::string out = "From: " + m.from + "\r\nTo: " + to +
                    "\r\nSubject: " + encode_header_text(m.subject) + "\r\n";
  if (!m.in_reply_to.empty()) out += "In-Reply-To: " + m.in_reply_to + "\r\n";
  if (!m.references.empty()) out += "References: " + m.references + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  if (!m.text.empty() && !m.html.empty()) {
    out +=
        "Content-Type: multipart/alternative; boundary=\"" + std::string(kBoundary) + "\"\r\n\r\n";
    out += "--" + std::string(kBoundary) + "\r\n" + part_headers("text/plain") + "\r\n" +
           base64_lines(m.text);
    out += "--" + std::string(kBoundary) + "\r\n" + part_headers("text/html") + "\r\n" +
           base64_lines(m.html);
    out += "--" + std::string(kBoundary) + "--\r\n";
  } else {
    bool html = !m.html.empty();
    out += part_headers(html ? "text/html" : "text/plain") + "\r\n" +
           base64_lines(html ? m.html : m.text);
  }
  return out;
}

Outcome<outbound::Call> send_call(const SendMessage& message) {
  Outcome<std::string> raw = rfc2822_message(message);
  if (!raw) return raw.error();
  json::object body{{"raw", encoding::base64url_encode(*raw)}};
  if (!message.thread_id.empty()) body["threadId"] = message.thread_id;
  outbound::Call call;
  call.method = "POST";
  call.target = "/users/me/messages/send";
  call.headers = {{"Content-Type", "application/json"}};
  call.body = json::serialize(body);
  call.endpoint = "messages.send";
  return call;
}

Outcome<SentMessage> parse_send(const outbound::HttpResponse& response) {
  auto answer = json_answer(kName, response);
  if (!answer) return answer.error();
  SentMessage sent{text_of(*answer, "id"), text_of(*answer, "threadId"), {}};
  if (sent.id.empty()) {
    return ActionError{ActionError::Kind::kBadResponse, "gmail answered without a message id",
                       response.status, std::nullopt};
  }
  if (const json::value* labels = answer->if_contains("labelIds"); labels && labels->is_array()) {
    for (const json::value& l : labels->as_array()) {
      if (l.is_string()) sent.label_ids.emplace_back(l.as_string());
    }
  }
  return sent;
}

namespace {

asio::awaitable<ActionResult> run_send(outbound::Caller& caller, const json::object& input,
                                       const ChunkSink*) {
  InputReader in(input);
  SendMessage m;
  m.from = in.text("from");
  if (const json::value* to = in.raw("to"); to && to->is_string() && !to->as_string().empty()) {
    m.to.emplace_back(to->as_string());
  } else if (to && to->is_array()) {
    m.to = in.texts("to", true);
  } else {
    in.fail("to", "required (an address or a non-empty array of addresses)");
  }
  m.subject = in.text("subject");
  m.text = in.optional_text("text").value_or("");
  m.html = in.optional_text("html").value_or("");
  m.in_reply_to = in.optional_text("in_reply_to").value_or("");
  m.references = in.optional_text("references").value_or("");
  m.thread_id = in.optional_text("thread_id").value_or("");
  if (m.text.empty() && m.html.empty()) in.fail("text", "text or html is required");
  if (auto error = in.error()) co_return *error;
  Outcome<outbound::Call> call = send_call(m);
  if (!call) co_return call.error();
  Outcome<SentMessage> sent =
      co_await call_and_parse<SentMessage>(caller, std::move(*call), parse_send);
  if (!sent) co_return sent.error();
  json::array labels;
  for (const std::string& l : sent->label_ids) labels.emplace_back(l);
  co_return json::object{
      {"id", sent->id}, {"thread_id", sent->thread_id}, {"label_ids", std::move(labels)}};
}

}  // namespace

ProviderKind kind() {
  return ProviderKind{
      kName,
      "https://gmail.googleapis.com/gmail/v1",
      "",
      {Action{"send", "Send an email from the connected mailbox", false, run_send}}};
}

}  // namespace wharf::providers::gmail
