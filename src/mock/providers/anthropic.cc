#include "mock/providers/anthropic.h"

#include <boost/json/serialize.hpp>

#include "http/response.h"

namespace wharf::mock {
namespace {

namespace json = boost::json;
using http::Status;

// The simulated reply, sent as one text block (or one delta per word when streaming).
constexpr std::string_view kReplyWords[] = {"Hello",  " from",     " the",
                                            " wharf", " provider", " simulator."};

http::Response anthropic_error(Status status, std::string_view type, std::string_view message) {
  return http::json_response(
      status, json::object{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}});
}

void append_event(std::string& out, std::string_view name, const json::object& data) {
  out += "event: ";
  out += name;
  out += "\ndata: ";
  out += json::serialize(data);
  out += "\n\n";
}

class AnthropicProvider final : public Provider {
 public:
  explicit AnthropicProvider(IdSource& ids) : ids_(ids) {}

  std::optional<http::Response> handle(const ProviderRequest& req) override {
    if (req.http.method() != http::Verb::post || req.path != "/v1/messages") return std::nullopt;
    auto key = req.http.find("x-api-key");
    if (key == req.http.end() || key->value().empty()) {
      return anthropic_error(Status::unauthorized, "authentication_error",
                             "x-api-key header is required");
    }
    auto body = json_body(req.http);
    if (!body) {
      return anthropic_error(Status::bad_request, "invalid_request_error",
                             "There was an error parsing the body of your request.");
    }
    for (std::string_view field : {"model", "max_tokens", "messages"}) {
      if (!body->if_contains(field)) {
        return anthropic_error(Status::bad_request, "invalid_request_error",
                               std::string(field) + ": Field required");
      }
    }
    const json::value& messages = body->at("messages");
    if (!messages.is_array() || messages.as_array().empty()) {
      return anthropic_error(Status::bad_request, "invalid_request_error",
                             "messages: at least one message is required");
    }
    std::string model =
        body->at("model").is_string() ? std::string(body->at("model").as_string()) : "";
    // A rough token count: 1 per 4 bytes of the request's messages, as a stand-in.
    std::int64_t input_tokens =
        std::max<std::int64_t>(1, static_cast<std::int64_t>(json::serialize(messages).size() / 4));
    std::int64_t output_tokens = std::size(kReplyWords) + 2;
    std::string id = ids_.next("msg_01", 22);
    const json::value* stream = body->if_contains("stream");
    if (stream && stream->is_bool() && stream->as_bool()) {
      return streamed(id, model, input_tokens, output_tokens);
    }
    std::string text;
    for (auto w : kReplyWords) text += w;
    http::Response res = http::json_response(
        Status::ok,
        json::object{{"id", id},
                     {"type", "message"},
                     {"role", "assistant"},
                     {"model", model},
                     {"content", json::array{json::object{{"type", "text"}, {"text", text}}}},
                     {"stop_reason", "end_turn"},
                     {"stop_sequence", nullptr},
                     {"usage",
                      {{"input_tokens", input_tokens},
                       {"output_tokens", output_tokens},
                       {"cache_creation_input_tokens", 0},
                       {"cache_read_input_tokens", 0}}}});
    res.set("request-id", ids_.next("req_01", 22));
    return res;
  }

 private:
  http::Response streamed(const std::string& id, const std::string& model,
                          std::int64_t input_tokens, std::int64_t output_tokens) {
    std::string out;
    append_event(out, "message_start",
                 {{"type", "message_start"},
                  {"message",
                   {{"id", id},
                    {"type", "message"},
                    {"role", "assistant"},
                    {"model", model},
                    {"content", json::array{}},
                    {"stop_reason", nullptr},
                    {"stop_sequence", nullptr},
                    {"usage", {{"input_tokens", input_tokens}, {"output_tokens", 1}}}}}});
    append_event(out, "content_block_start",
                 {{"type", "content_block_start"},
                  {"index", 0},
                  {"content_block", {{"type", "text"}, {"text", ""}}}});
    append_event(out, "ping", {{"type", "ping"}});
    for (auto word : kReplyWords) {
      append_event(out, "content_block_delta",
                   {{"type", "content_block_delta"},
                    {"index", 0},
                    {"delta", {{"type", "text_delta"}, {"text", word}}}});
    }
    append_event(out, "content_block_stop", {{"type", "content_block_stop"}, {"index", 0}});
    append_event(out, "message_delta",
                 {{"type", "message_delta"},
                  {"delta", {{"stop_reason", "end_turn"}, {"stop_sequence", nullptr}}},
                  {"usage", {{"output_tokens", output_tokens}}}});
    append_event(out, "message_stop", {{"type", "message_stop"}});
    http::Response res = http::text_response(Status::ok, std::move(out), "text/event-stream");
    res.set(boost::beast::http::field::cache_control, "no-cache");
    res.set("request-id", ids_.next("req_01", 22));
    return res;
  }

  IdSource& ids_;
};

}  // namespace

std::unique_ptr<Provider> make_anthropic_provider(IdSource& ids) {
  return std::make_unique<AnthropicProvider>(ids);
}

}  // namespace wharf::mock
