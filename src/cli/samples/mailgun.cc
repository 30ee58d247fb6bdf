#include "cli/samples/sample_builders.h"
#include "inbound/form.h"

namespace wharf::cli::samples {
namespace json = boost::json;
namespace {

json::object mailgun_client_info() {
  return {{"client-os", "macOS"},
          {"device-type", "desktop"},
          {"client-name", "Chrome"},
          {"client-type", "browser"},
          {"user-agent",
           "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
           "Gecko) Chrome/119.0.0.0 Safari/537.36"}};
}

Sample mailgun_event(std::string_view type, SampleContext& ctx) {
  const Contact& c = pick_contact(ctx);
  std::string outreach = outreach_id(ctx);
  std::string message_id =
      ctx.setting("message_id").value_or(ctx.hex(14) + "." + ctx.hex(16) + "@rf-send-01.com");
  const std::string email = ctx.setting("email").value_or(std::string(c.email));
  double timestamp = static_cast<double>(ctx.now_s()) + ctx.between(0, 999999) / 1e6;
  json::object d{
      {"id", ctx.alnum(22)},
      {"timestamp", timestamp},
      {"log-level", "info"},
      {"event", type},
      {"recipient", email},
      {"recipient-domain", domain_of(email)},
      {"tags", json::array{"outreach"}},
      {"user-variables", json::object{{"outreach_id", outreach}}},
      {"flags",
       json::object{{"is-authenticated", true}, {"is-routed", false}, {"is-test-mode", false}}},
      {"message", json::object{{"headers", json::object{{"to", email},
                                                        {"message-id", message_id},
                                                        {"from", std::string(kSenderName) + " <" +
                                                                     std::string(kMailbox) + ">"},
                                                        {"subject", outreach_subject(c)}}},
                               {"attachments", json::array{}},
                               {"size", ctx.between(2000, 9000)}}}};
  json::object envelope{{"sender", kMailbox},
                        {"targets", c.email},
                        {"transport", "smtp"},
                        {"sending-ip", "209.61.151.224"}};
  json::object status{{"tls", true},
                      {"mx-host", "aspmx.l.google.com"},
                      {"attempt-no", 1},
                      {"description", ""},
                      {"session-seconds", 1.25},
                      {"utf8", true},
                      {"certificate-verified", true}};
  json::object geo{{"country", "US"}, {"region", "CA"}, {"city", "San Francisco"}};
  std::string ip = "73.162.41." + std::to_string(ctx.between(2, 254));
  if (type == "delivered") {
    status["code"] = 250;
    status["message"] = "OK";
    d["envelope"] = std::move(envelope);
    d["delivery-status"] = std::move(status);
  } else if (type == "failed") {
    d["log-level"] = "error";
    d["severity"] = "permanent";
    d["reason"] = "bounce";
    status["code"] = 550;
    status["message"] =
        "5.1.1 The email account that you tried to reach does not exist. Please try "
        "double-checking the recipient's email address for typos or unnecessary spaces.";
    d["envelope"] = std::move(envelope);
    d["delivery-status"] = std::move(status);
  } else if (type == "opened" || type == "clicked" || type == "unsubscribed") {
    d["ip"] = ip;
    d["geolocation"] = std::move(geo);
    d["client-info"] = mailgun_client_info();
    if (type == "clicked") {
      d["url"] = "https://roleferry.com/p/alex-rivera?utm_source=outreach&o=" + outreach;
    }
  } else {  // complained
    d["log-level"] = "warn";
  }
  std::string id(d.at("id").as_string());
  // The signer adds the {"signature": {"timestamp", "token", "signature"}} object.
  Sample s = json_sample(json::object{{"event-data", std::move(d)}}, 0, std::move(id));
  s.headers = {{"User-Agent", "mailgun/treq-16.12.0"}};
  return s;
}

// An inbound reply, as a route's forward() posts it: the parsed message as multipart form
// fields. The signer appends the `timestamp`, `token` and `signature` fields.
Sample mailgun_inbound(SampleContext& ctx) {
  const Contact& c = pick_contact(ctx);
  std::string outreach = outreach_id(ctx);
  std::string first_name(c.name.substr(0, c.name.find(' ')));
  std::string our_id =
      ctx.setting("message_id").value_or("<outreach_" + outreach + "@roleferry.com>");
  const std::string email = ctx.setting("email").value_or(std::string(c.email));
  const std::string mailbox = ctx.setting("mailbox").value_or(std::string(kMailbox));
  std::string their_id = "<CA+" + ctx.alnum(40) + "@mail.gmail.com>";
  std::string from = std::string(c.name) + " <" + email + ">";
  std::string to = std::string(kSenderName) + " <" + mailbox + ">";
  std::string subject = "Re: " + outreach_subject(c);
  std::string date = rfc5322_date(ctx.now_s());
  std::string stripped =
      "Hi Alex,\n\nThanks for reaching out - the role is still open and your background looks "
      "like a good fit. Could you do a 20-minute call on Thursday at 2pm PT?\n\nBest,\n" +
      first_name;
  std::string plain = stripped + "\n\nOn " + date + ", " + to + " wrote:\n> Hi " + first_name +
                      ", I came across the Senior Backend "
                      "Engineer opening at " +
                      std::string(c.company) + "...\n";
  std::string html = "<div dir=\"ltr\">" + stripped + "</div>";
  json::array headers{
      json::array{"Received", "by mail-lf1-f41.google.com with SMTP id " + ctx.alnum(12)},
      json::array{"Mime-Version", "1.0"},
      json::array{"From", from},
      json::array{"Date", date},
      json::array{"Message-Id", their_id},
      json::array{"In-Reply-To", our_id},
      json::array{"References", our_id},
      json::array{"Subject", subject},
      json::array{"To", to},
      json::array{"Content-Type",
                  "multipart/alternative; boundary=\"000000000000" + ctx.hex(12) + "\""}};
  const std::pair<std::string_view, std::string> fields[] = {
      {"recipient", mailbox},
      {"sender", email},
      {"from", from},
      {"subject", subject},
      {"body-plain", plain},
      {"stripped-text", stripped},
      {"stripped-signature", ""},
      {"body-html", html},
      {"stripped-html", html},
      {"attachment-count", "0"},
      {"Message-Id", their_id},
      {"In-Reply-To", our_id},
      {"References", our_id},
      {"Date", date},
      {"To", to},
      {"From", from},
      {"Subject", subject},
      {"X-Mailgun-Incoming", "Yes"},
      {"message-headers", to_json(headers, 0)},
  };
  std::string boundary = ctx.hex(32);
  std::string body;
  for (const auto& [name, value] : fields) body += inbound::form_data_part(boundary, name, value);
  body += "--" + boundary + "--\r\n";
  return Sample{std::move(body),
                "multipart/form-data; boundary=" + boundary,
                their_id,
                {{"User-Agent", "mailgun/treq-16.12.0"}}};
}

}  // namespace

Result<Sample> mailgun_sample(std::string_view type, SampleContext& ctx) {
  if (type == "inbound") return mailgun_inbound(ctx);
  return mailgun_event(type, ctx);
}

}  // namespace wharf::cli::samples
