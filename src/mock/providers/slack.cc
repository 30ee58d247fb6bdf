#include "mock/providers/slack.h"

#include <cstdio>

#include "http/response.h"

namespace wharf::mock {
namespace {

namespace json = boost::json;
using http::Status;

http::Response slack_failure(std::string_view error) {
  // Slack answers errors with HTTP 200 and ok:false.
  return http::json_response(Status::ok, json::object{{"ok", false}, {"error", error}});
}

class SlackProvider final : public Provider {
 public:
  explicit SlackProvider(IdSource& ids) : ids_(ids) {}

  std::optional<http::Response> handle(const ProviderRequest& req) override {
    if (req.http.method() != http::Verb::post || req.path != "/api/chat.postMessage") {
      return std::nullopt;
    }
    // Arguments arrive as JSON (with a bearer token) or as a form (token may be a field).
    std::string token(bearer_token(req.http));
    std::string channel;
    std::string text;
    if (auto body = json_body(req.http)) {
      if (auto* c = body->if_contains("channel"); c && c->is_string()) channel = c->as_string();
      if (auto* t = body->if_contains("text"); t && t->is_string()) text = t->as_string();
    } else if (auto form = form_body(req.http)) {
      if (auto* t = find_param(*form, "token"); t && token.empty()) token = *t;
      if (auto* c = find_param(*form, "channel")) channel = *c;
      if (auto* t = find_param(*form, "text")) text = *t;
    } else {
      return slack_failure("invalid_form_data");
    }
    if (token.empty()) return slack_failure("not_authed");
    if (channel.empty()) return slack_failure("channel_not_found");
    if (text.empty()) return slack_failure("no_text");
    char ts[32];
    std::snprintf(ts, sizeof ts, "%lld.%06lld", static_cast<long long>(req.now_ms / 1000),
                  static_cast<long long>((req.now_ms % 1000) * 1000 + (++sequence_ % 1000)));
    // A channel name ("#general") is answered with a channel id, as Slack does.
    std::string channel_id = channel.starts_with('C') ? channel : "C0MOCK" + ids_.next("", 5);
    return http::json_response(Status::ok, json::object{{"ok", true},
                                                        {"channel", channel_id},
                                                        {"ts", ts},
                                                        {"message",
                                                         {{"type", "message"},
                                                          {"subtype", "bot_message"},
                                                          {"text", text},
                                                          {"user", "U0MOCKBOT"},
                                                          {"bot_id", "B0MOCKBOT"},
                                                          {"ts", ts}}}});
  }

 private:
  IdSource& ids_;
  std::int64_t sequence_ = 0;
};

}  // namespace

std::unique_ptr<Provider> make_slack_provider(IdSource& ids) {
  return std::make_unique<SlackProvider>(ids);
}

}  // namespace wharf::mock
