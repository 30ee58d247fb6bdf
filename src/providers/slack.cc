#include "providers/slack.h"

#include <boost/json/serialize.hpp>

namespace wharf::providers::slack {

namespace asio = boost::asio;
namespace json = boost::json;

outbound::Call chat_post_message_call(const PostMessage& message) {
  json::object body{{"channel", message.channel}, {"text", message.text}};
  if (message.blocks) body["blocks"] = *message.blocks;
  if (!message.thread_ts.empty()) body["thread_ts"] = message.thread_ts;
  outbound::Call call;
  call.method = "POST";
  call.target = "/chat.postMessage";
  call.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  call.body = json::serialize(body);
  call.endpoint = "chat.postMessage";
  return call;
}

Outcome<PostMessageResult> parse_chat_post_message(const outbound::HttpResponse& response) {
  auto answer = json_answer(kName, response);
  if (!answer) return answer.error();
  const json::value* ok = answer->if_contains("ok");
  if (!ok || !ok->is_bool()) {
    return ActionError{ActionError::Kind::kBadResponse, "slack answered without \"ok\"",
                       response.status, std::nullopt};
  }
  if (!ok->as_bool()) return rejected(kName, response);
  return PostMessageResult{text_of(*answer, "channel"), text_of(*answer, "ts")};
}

namespace {

asio::awaitable<ActionResult> run_chat_post_message(outbound::Caller& caller,
                                                    const json::object& input, const ChunkSink*) {
  InputReader in(input);
  PostMessage message;
  message.channel = in.text("channel");
  message.text = in.text("text");
  if (const json::value* blocks = in.raw("blocks")) {
    if (blocks->is_array()) {
      message.blocks = blocks->as_array();
    } else {
      in.fail("blocks", "must be an array of Block Kit blocks");
    }
  }
  message.thread_ts = in.optional_text("thread_ts").value_or("");
  if (auto error = in.error()) co_return *error;
  outbound::Call call = chat_post_message_call(message);
  Outcome<PostMessageResult> result =
      co_await call_and_parse<PostMessageResult>(caller, std::move(call), parse_chat_post_message);
  if (!result) co_return result.error();
  co_return json::object{{"channel", result->channel}, {"ts", result->ts}};
}

}  // namespace

ProviderKind kind() {
  return ProviderKind{
      kName,
      "https://slack.com/api",
      "",
      {Action{"chat_post_message", "Post a message to a channel", false, run_chat_post_message}}};
}

}  // namespace wharf::providers::slack
