#include "providers/anthropic.h"

#include <boost/json/serialize.hpp>
#include <memory>

namespace wharf::providers::anthropic {

namespace asio = boost::asio;
namespace json = boost::json;

outbound::Call messages_call(const MessagesRequest& request, ChunkSink sink) {
  json::array messages;
  for (const Message& m : request.messages) {
    messages.push_back(json::object{{"role", m.role}, {"content", m.content}});
  }
  json::object body{{"model", request.model}, {"max_tokens", request.max_tokens}};
  if (!request.system.empty()) body["system"] = request.system;
  body["messages"] = std::move(messages);
  if (sink) body["stream"] = true;
  outbound::Call call;
  call.method = "POST";
  call.target = "/messages";
  call.headers = {{"Content-Type", "application/json"},
                  {"anthropic-version", std::string(kApiVersion)}};
  call.body = json::serialize(body);
  call.endpoint = "messages";
  if (sink) call.on_body_chunk = std::move(sink);
  return call;
}

Outcome<MessagesResult> parse_messages(const outbound::HttpResponse& response) {
  auto answer = json_answer(kName, response);
  if (!answer) return answer.error();
  const json::object& o = *answer;
  MessagesResult r{text_of(o, "id"), text_of(o, "model"), {}, text_of(o, "stop_reason"), 0, 0};
  const json::value* content = o.if_contains("content");
  if (!content || !content->is_array()) {
    return ActionError{ActionError::Kind::kBadResponse, "anthropic answered without content",
                       response.status, std::nullopt};
  }
  for (const json::value& block : content->as_array()) {
    if (text_of(block, "type") == "text") r.text += text_of(block, "text");
  }
  if (const json::value* usage = o.if_contains("usage"); usage && usage->is_object()) {
    r.input_tokens = int_of(usage->as_object(), "input_tokens");
    r.output_tokens = int_of(usage->as_object(), "output_tokens");
  }
  return r;
}

json::value to_json(const MessagesResult& r) {
  return json::object{
      {"id", r.id},
      {"model", r.model},
      {"text", r.text},
      {"stop_reason", r.stop_reason},
      {"usage", {{"input_tokens", r.input_tokens}, {"output_tokens", r.output_tokens}}}};
}

namespace {

asio::awaitable<ActionResult> run_messages(outbound::Caller& caller, const json::object& input,
                                           const ChunkSink* sink) {
  InputReader in(input);
  MessagesRequest request;
  request.model = in.text("model");
  request.max_tokens = in.integer("max_tokens", 1024, 1, 1'000'000);
  request.system = in.optional_text("system").value_or("");
  if (const json::array* messages = in.objects("messages", true)) {
    for (std::size_t i = 0; i < messages->size(); ++i) {
      InputReader m((*messages)[i].as_object(), "messages[" + std::to_string(i) + "].");
      Message message{m.text("role"), m.text("content")};
      if (!message.role.empty() && message.role != "user" && message.role != "assistant") {
        m.fail("role", "must be \"user\" or \"assistant\"");
      }
      in.merge(m);
      request.messages.push_back(std::move(message));
    }
  }
  bool stream = in.boolean("stream", false);
  if (stream && !sink) in.fail("stream", "this client cannot receive a stream");
  if (auto error = in.error()) co_return *error;

  if (!stream) {
    outbound::Call call = messages_call(request);
    Outcome<MessagesResult> result =
        co_await call_and_parse<MessagesResult>(caller, std::move(call), parse_messages);
    if (!result) co_return result.error();
    co_return to_json(*result);
  }
  // Count what went to the sink, for the summary.
  auto bytes = std::make_shared<std::size_t>(0);
  ChunkSink counting = [bytes, forward = *sink](std::string_view chunk) {
    *bytes += chunk.size();
    forward(chunk);
  };
  outbound::Call call = messages_call(request, std::move(counting));
  outbound::CallResult result = co_await caller.call(std::move(call));
  if (!result) co_return call_failed(std::move(result.error()));
  if (!is_success(*result)) co_return rejected(kName, *result);
  co_return json::object{{"streamed", true}, {"bytes", *bytes}};
}

}  // namespace

ProviderKind kind() {
  return ProviderKind{kName,
                      "https://api.anthropic.com/v1",
                      "",
                      {Action{"messages",
                              "Generate a message (a draft); with \"stream\": true, relayed as "
                              "server-sent events",
                              true, run_messages}}};
}

}  // namespace wharf::providers::anthropic
