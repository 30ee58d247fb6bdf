#include "mock/providers/sendgrid.h"

#include "http/response.h"

namespace wharf::mock {
namespace {

namespace json = boost::json;
using http::Status;

constexpr std::string_view kHelp =
    "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html";

json::object sendgrid_error(std::string_view message, json::value field, std::string_view help) {
  return {{"message", message}, {"field", field}, {"help", help}};
}

class SendGridProvider final : public Provider {
 public:
  explicit SendGridProvider(IdSource& ids) : ids_(ids) {}

  std::optional<http::Response> handle(const ProviderRequest& req) override {
    if (req.http.method() != http::Verb::post || req.path != "/v3/mail/send") return std::nullopt;
    if (bearer_token(req.http).empty()) {
      return http::json_response(
          Status::unauthorized,
          json::object{{"errors", json::array{sendgrid_error("The provided authorization grant is "
                                                             "invalid, expired, or revoked",
                                                             nullptr, "")}}});
    }
    auto body = json_body(req.http);
    if (!body) {
      return http::json_response(
          Status::bad_request,
          json::object{{"errors", json::array{sendgrid_error(
                                      "Bad Request", nullptr,
                                      std::string(kHelp) + "#-Request-Body-Parameters")}}});
    }
    json::array errors;
    const json::value* personalizations = body->if_contains("personalizations");
    if (!personalizations || !personalizations->is_array() ||
        personalizations->as_array().empty()) {
      errors.push_back(sendgrid_error(
          "The personalizations field is required and must have at least one personalization.",
          "personalizations", std::string(kHelp) + "#-Personalizations-Errors"));
    }
    const json::value* from = body->if_contains("from");
    if (!from || !from->is_object() || !from->as_object().if_contains("email")) {
      errors.push_back(sendgrid_error(
          "The from object must be provided for every email send. It is an object that requires "
          "the email parameter, but may also contain a name parameter.  e.g. {\"email\" : "
          "\"example@example.com\"}  or {\"email\" : \"example@example.com\", \"name\" : "
          "\"Example Recipient\"}.",
          "from.email", std::string(kHelp) + "#message.from"));
    }
    if (!errors.empty()) {
      return http::json_response(Status::bad_request, json::object{{"errors", errors}});
    }
    http::Response res{Status::accepted, 11};
    res.set("X-Message-Id", ids_.next("", 22));
    return res;
  }

 private:
  IdSource& ids_;
};

}  // namespace

std::unique_ptr<Provider> make_sendgrid_provider(IdSource& ids) {
  return std::make_unique<SendGridProvider>(ids);
}

}  // namespace wharf::mock
