#include "mock/providers/gmail.h"

#include <cstdio>

#include "core/encoding.h"
#include "http/response.h"
#include "mock/providers/google_error.h"

namespace wharf::mock {
namespace {

namespace json = boost::json;
using http::Status;

http::Response invalid_argument(std::string_view message) {
  return google_error(Status::bad_request, "INVALID_ARGUMENT", "invalidArgument", message);
}

// True when the message's header section has a non-empty To, Cc or Bcc field.
bool names_a_recipient(std::string_view message) {
  std::size_t end = message.find("\r\n\r\n");
  if (end == std::string_view::npos) end = message.find("\n\n");
  std::string_view headers = message.substr(0, end);
  while (!headers.empty()) {
    std::size_t eol = headers.find('\n');
    std::string_view line = headers.substr(0, eol);
    if (line.ends_with('\r')) line.remove_suffix(1);
    headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 1);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = line.substr(0, colon);
    if ((encoding::ascii_iequals(name, "to") || encoding::ascii_iequals(name, "cc") ||
         encoding::ascii_iequals(name, "bcc")) &&
        !encoding::trim_ows(line.substr(colon + 1)).empty()) {
      return true;
    }
  }
  return false;
}

class GmailProvider final : public Provider {
 public:
  explicit GmailProvider(IdSource&) {}

  std::optional<http::Response> handle(const ProviderRequest& req) override {
    if (req.http.method() != http::Verb::post ||
        !segment_between(req.path, "/gmail/v1/users/", "/messages/send")) {
      return std::nullopt;
    }
    if (auto refused = google_require_bearer(req.http)) return std::move(*refused);
    auto body = json_body(req.http);
    if (!body) return invalid_argument("Invalid JSON payload received.");
    const json::value* raw = body->if_contains("raw");
    if (!raw || !raw->is_string() || raw->as_string().empty()) {
      return invalid_argument(
          "'raw' RFC822 payload message string or uploading message via "
          "/upload/* URL required");
    }
    auto message = encoding::base64url_decode(raw->as_string());
    if (!message) return invalid_argument("Invalid value for ByteString: raw is not base64url");
    if (!names_a_recipient(*message)) return invalid_argument("Recipient address required");
    char id[17];
    std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(kFirstId + sent_++));
    std::string thread_id = id;
    if (const json::value* t = body->if_contains("threadId"); t && t->is_string()) {
      thread_id = t->as_string();
    }
    return http::json_response(
        Status::ok,
        json::object{{"id", id}, {"threadId", thread_id}, {"labelIds", json::array{"SENT"}}});
  }

 private:
  static constexpr unsigned long long kFirstId = 0x18c2a5f000000000ULL;  // looks like Gmail's
  unsigned long long sent_ = 0;
};

}  // namespace

std::unique_ptr<Provider> make_gmail_provider(IdSource& ids) {
  return std::make_unique<GmailProvider>(ids);
}

}  // namespace wharf::mock
