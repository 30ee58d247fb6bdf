#include "cli/samples/sample_builders.h"

namespace wharf::cli::samples {
namespace json = boost::json;
namespace {

json::object sendgrid_event(std::string_view type, SampleContext& ctx) {
  const Contact& c = pick_contact(ctx);
  std::string outreach = outreach_id(ctx);
  json::object e{
      {"email", ctx.setting("email").value_or(std::string(c.email))},
      {"timestamp", ctx.now_s() - ctx.between(1, 30)},
      {"smtp-id", ctx.setting("message_id").value_or("<outreach_" + outreach + "@roleferry.com>")},
      {"event", type},
      {"category", json::array{"outreach"}},
      {"sg_event_id", ctx.alnum(22)},
      {"sg_message_id", ctx.alnum(22) + ".recvd-7c8d8d7d5b-" + ctx.hex(5) + "-1-" +
                            ctx.upper_alnum(8) + "-" + ctx.upper_alnum(2) + ".0"},
      {"outreach_id", outreach}};
  constexpr std::string_view kUserAgent =
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)";
  if (type == "delivered") {
    e["ip"] = "149.72.154.232";
    e["response"] =
        "250 2.0.0 OK  " + std::to_string(ctx.now_s()) + " " + ctx.alnum(12) + " - gsmtp";
    e["tls"] = 1;
  } else if (type == "bounce") {
    e["bounce_classification"] = "Invalid Address";
    e["ip"] = "149.72.154.232";
    e["reason"] =
        "550 5.1.1 The email account that you tried to reach does not exist. Please try "
        "double-checking the recipient's email address for typos or unnecessary spaces.";
    e["status"] = "5.1.1";
    e["tls"] = 1;
    e["type"] = "bounce";
  } else if (type == "click") {
    e["ip"] = "73.162.41." + std::to_string(ctx.between(2, 254));
    e["url"] = "https://roleferry.com/p/alex-rivera?utm_source=outreach&o=" + outreach;
    e["url_offset"] = json::object{{"index", 0}, {"type", "html"}};
    e["useragent"] = kUserAgent;
  } else if (type == "open") {
    e["ip"] = "73.162.41." + std::to_string(ctx.between(2, 254));
    e["sg_machine_open"] = false;
    e["useragent"] = kUserAgent;
  } else if (type == "dropped") {
    e["reason"] = "Bounced Address";
    e["status"] = "5.0.0";
  } else if (type == "deferred") {
    e["attempt"] = "3";
    e["ip"] = "149.72.154.232";
    e["response"] =
        "451 4.7.650 The mail server has been temporarily rate limited due to IP reputation.";
    e["tls"] = 1;
  } else if (type == "processed") {
    e["pool"] = json::object{{"id", 210}, {"name", "outreach"}};
    e["send_at"] = 0;
  }  // spamreport carries only the common fields
  return e;
}

}  // namespace

Result<Sample> sendgrid_sample(std::string_view type, SampleContext& ctx) {
  json::array batch;
  if (type == "batch") {
    for (std::string_view t : {"delivered", "bounce", "spamreport", "click"}) {
      batch.push_back(sendgrid_event(t, ctx));
    }
  } else {
    batch.push_back(sendgrid_event(type, ctx));
  }
  std::string first_id(batch[0].at("sg_event_id").as_string());
  Sample s = json_sample(batch, 0, std::move(first_id));
  s.headers = {{"User-Agent", "SendGrid Event API"}};
  return s;
}

}  // namespace wharf::cli::samples
