#include "cli/samples/sample_builders.h"

namespace wharf::cli::samples {
namespace json = boost::json;
namespace {

// "invoice.paid" -> {"id": "invoice_...", "object": "invoice", ...}: a plausible resource.
json::object generic_data(std::string_view type, SampleContext& ctx) {
  std::string object(type.substr(0, type.find('.')));
  return {{"id", object + "_" + ctx.alnum(24)},
          {"object", object},
          {"created_at", iso8601(ctx.now_s())},
          {"livemode", false}};
}

}  // namespace

Result<Sample> standard_sample(std::string_view type, SampleContext& ctx) {
  json::object o{{"type", type},
                 {"timestamp", iso8601_micros(ctx.now_s(), ctx.between(0, 999999))},
                 {"data", generic_data(type, ctx)}};
  return json_sample(o, 0, "msg_" + ctx.alnum(27));
}

Result<Sample> hmac_sample(std::string_view type, SampleContext& ctx) {
  std::string id = "evt_" + ctx.alnum(24);
  json::object o{
      {"id", id}, {"type", type}, {"created", ctx.now_s()}, {"data", generic_data(type, ctx)}};
  return json_sample(o, 0, std::move(id));
}

}  // namespace wharf::cli::samples
