#include "cli/samples/sample_builders.h"

namespace wharf::cli::samples {
namespace json = boost::json;

Result<Sample> slack_sample(std::string_view type, SampleContext& ctx) {
  constexpr std::string_view kTeam = "T061EG9R6", kApp = "A0MDYCDME", kBot = "U0LAN0Z89";
  std::string verification_token = "Jhj5dZrVaK7ZwHHjRyZWjbDl";  // the deprecated v1 token
  if (type == "url_verification") {
    std::string challenge = ctx.alnum(48);
    json::object o{
        {"token", verification_token}, {"challenge", challenge}, {"type", "url_verification"}};
    Sample s = json_sample(o, 0, challenge);
    s.headers = {{"User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)"}};
    return s;
  }
  std::string ts = std::to_string(ctx.now_s()) + "." + std::to_string(ctx.between(100000, 999999));
  json::object event{{"type", type},
                     {"user", "U" + ctx.upper_alnum(10)},
                     {"ts", ts},
                     {"channel", "C" + ctx.upper_alnum(10)},
                     {"event_ts", ts}};
  if (type == "message") {
    event["client_msg_id"] = ctx.uuid();
    event["text"] = "Jordan from Acme Robotics replied - call booked for Thursday 2pm";
    event["team"] = kTeam;
    event["channel_type"] = "channel";
  } else {  // app_mention
    event["text"] = "<@" + std::string(kBot) + "> how many outreach replies came in today?";
    event["team"] = kTeam;
  }
  std::string event_id = "Ev" + ctx.upper_alnum(13);
  json::object o{{"token", verification_token},
                 {"team_id", kTeam},
                 {"context_team_id", kTeam},
                 {"api_app_id", kApp},
                 {"event", std::move(event)},
                 {"type", "event_callback"},
                 {"event_id", event_id},
                 {"event_time", ctx.now_s()},
                 {"authorizations", json::array{json::object{{"enterprise_id", nullptr},
                                                             {"team_id", kTeam},
                                                             {"user_id", kBot},
                                                             {"is_bot", true},
                                                             {"is_enterprise_install", false}}}},
                 {"is_ext_shared_channel", false},
                 {"event_context", "4-" + ctx.alnum(60)}};
  Sample s = json_sample(o, 0, event_id);
  s.headers = {{"User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)"}};
  return s;
}

}  // namespace wharf::cli::samples
