#include "cli/admin_client.h"

#include <boost/json.hpp>

namespace wharf::cli {
namespace {

constexpr std::size_t kMaxQuotedBody = 200;

// The first line of `body`, shortened: for answers that are not the API's JSON (a proxy's HTML).
std::string body_excerpt(std::string_view body) {
  std::string_view line = body.substr(0, body.find_first_of("\r\n"));
  if (line.size() > kMaxQuotedBody) return std::string(line.substr(0, kMaxQuotedBody)) + "...";
  return line.empty() ? std::string("(empty body)") : std::string(line);
}

}  // namespace

AdminClient::AdminClient(HttpTransport& http, AdminEndpoint endpoint)
    : http_(http), endpoint_(std::move(endpoint)) {}

Result<HttpReply> AdminClient::get(std::string_view target) {
  HeaderList headers{{"Authorization", "Bearer " + endpoint_.token},
                     {"Accept", "application/json"}};
  return http_.send(HttpMethod::kGet, endpoint_.base_url + std::string(target), headers, "");
}

Result<HttpReply> AdminClient::post(std::string_view target, std::string_view json_body) {
  HeaderList headers{{"Authorization", "Bearer " + endpoint_.token},
                     {"Accept", "application/json"}};
  if (!json_body.empty()) headers.emplace_back("Content-Type", "application/json");
  return http_.send(HttpMethod::kPost, endpoint_.base_url + std::string(target), headers,
                    std::string(json_body));
}

Result<AdminAnswer> to_answer(const Result<HttpReply>& reply) {
  if (!reply) return reply.error();
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(reply->body, ec);
  if (reply->status < 200 || reply->status > 299) {
    std::string why = ec ? body_excerpt(reply->body) : string_field(value, "error");
    if (why.empty()) why = body_excerpt(reply->body);
    return make_error(Errc::kUnavailable, std::to_string(reply->status) + ": " + why);
  }
  if (ec || !value.is_object()) {
    return make_error(Errc::kInternal, "unexpected answer from the gateway (HTTP " +
                                           std::to_string(reply->status) +
                                           "): " + body_excerpt(reply->body));
  }
  return AdminAnswer{reply->body, std::move(value)};
}

std::string string_field(const boost::json::value& value, std::string_view key,
                         std::string_view fallback) {
  const auto* obj = value.if_object();
  const boost::json::value* v = obj ? obj->if_contains(key) : nullptr;
  if (v == nullptr || !v->is_string()) return std::string(fallback);
  return std::string(v->get_string());
}

std::int64_t int_field(const boost::json::value& value, std::string_view key,
                       std::int64_t fallback) {
  const auto* obj = value.if_object();
  const boost::json::value* v = obj ? obj->if_contains(key) : nullptr;
  if (v == nullptr) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
  return fallback;
}

}  // namespace wharf::cli
