#include "cli/events_command.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <map>
#include <sstream>

#include "cli/event_views.h"

namespace wharf::cli {
namespace {

struct Sent {
  HttpMethod method;
  std::string url;
  HeaderList headers;
  std::string body;

  std::string header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return "<none>";
  }
};

// Records every request and answers from a queue (200 `{}` once it is empty).
class FakeTransport final : public HttpTransport {
 public:
  Result<HttpReply> send(HttpMethod method, const std::string& url, const HeaderList& headers,
                         const std::string& body) override {
    sent.push_back({method, url, headers, body});
    if (replies.empty()) return HttpReply{200, "{}"};
    Result<HttpReply> r = std::move(replies.front());
    replies.pop_front();
    return r;
  }
  void answer(long status, std::string body) { replies.push_back(HttpReply{status, body}); }

  std::vector<Sent> sent;
  std::deque<Result<HttpReply>> replies;
};

std::string write_config(std::string_view text) {
  static int n = 0;
  std::string path = testing::TempDir() + "wharf_events_test_" + std::to_string(::getpid()) + "_" +
                     std::to_string(n++) + ".yaml";
  std::ofstream(path) << text;
  return path;
}

constexpr std::string_view kTwoEvents = R"({"events":[
  {"id":"evt_2","source":"stripe","provider_event_id":"evt_1P","type":"invoice.paid",
   "status":"failed","attempts":3,"received_at":"2024-05-01T10:00:02.500Z"},
  {"id":"evt_1","source":"github","provider_event_id":"d-1","type":"push",
   "status":"done","attempts":1,"received_at":"2024-05-01T10:00:01.000Z"}],
  "next_cursor":"evt_1"})";

class EventsCommandTest : public testing::Test {
 protected:
  // Parses `args` as `wharf <args...>` and returns the exit code (-1 when nothing ran).
  int run(std::vector<std::string> args) {
    CLI::App app;
    int exit_code = -1;
    CommandIo io;
    io.http = http_;
    io.env = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    io.out = &out_;
    io.err = &err_;
    register_events_commands(app, &exit_code, io);
    std::reverse(args.begin(), args.end());  // CLI11 parses a reversed vector
    app.parse(args);
    return exit_code;
  }
  const Sent& only_request() {
    EXPECT_EQ(http_->sent.size(), 1u);
    return http_->sent.at(0);
  }

  std::shared_ptr<FakeTransport> http_ = std::make_shared<FakeTransport>();
  std::map<std::string, std::string> env_;
  std::ostringstream out_, err_;
  const std::string url_ = "http://gw.test:9000";
};

TEST_F(EventsCommandTest, ListBuildsTheQueryFromFlagsAndPrintsATable) {
  http_->answer(200, std::string(kTwoEvents));
  EXPECT_EQ(run({"events", "list", "--url", url_ + "/", "--token", "tok-1", "--source", "a b&c",
                 "--type", "invoice.paid", "--status", "failed", "--limit", "2"}),
            0)
      << err_.str();
  const Sent& s = only_request();
  EXPECT_EQ(s.method, HttpMethod::kGet);
  EXPECT_EQ(s.url,
            url_ + "/api/v1/events?source=a%20b%26c&type=invoice.paid&status=failed&limit=2");
  EXPECT_EQ(s.header("Authorization"), "Bearer tok-1");
  EXPECT_EQ(out_.str(),
            "ID     STATUS  ATTEMPTS  SOURCE  TYPE          RECEIVED\n"
            "evt_2  failed  3         stripe  invoice.paid  2024-05-01T10:00:02.500Z\n"
            "evt_1  done    1         github  push          2024-05-01T10:00:01.000Z\n"
            "more: wharf events list --url http://gw.test:9000/ --source 'a b&c' --type "
            "invoice.paid --status failed --limit 2 --cursor evt_1\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(EventsCommandTest, ListWithoutMoreOrEventsAndWithJson) {
  env_["WHARF_ADMIN_TOKEN"] = "from-env";
  http_->answer(200, R"({"events":[],"next_cursor":null})");
  EXPECT_EQ(run({"events", "list", "--url", url_, "--cursor", "evt_9"}), 0);
  EXPECT_EQ(only_request().url, url_ + "/api/v1/events?cursor=evt_9");
  EXPECT_EQ(only_request().header("Authorization"), "Bearer from-env");
  EXPECT_EQ(out_.str(), "no events\n");
  out_.str("");
  http_->answer(200, std::string(kTwoEvents));
  EXPECT_EQ(run({"events", "list", "--url", url_, "--json"}), 0);
  EXPECT_EQ(http_->sent.at(1).url, url_ + "/api/v1/events");
  EXPECT_EQ(out_.str(), std::string(kTwoEvents) + "\n");
}

TEST_F(EventsCommandTest, FindsTheGatewayAndTokenInTheConfig) {
  env_["TEST_ADMIN_TOKEN"] = "interpolated-token";
  std::string config =
      write_config("server:\n  listen: \"0.0.0.0:9123\"\n  admin_token: ${TEST_ADMIN_TOKEN}\n");
  EXPECT_EQ(run({"dlq", "list", "-c", config}), 0) << err_.str();
  EXPECT_EQ(only_request().url, "http://127.0.0.1:9123/api/v1/dlq");
  EXPECT_EQ(only_request().header("Authorization"), "Bearer interpolated-token");

  std::string listed = write_config(
      "server:\n  listen: \":7000\"\n  admin_token: [first-token, "
      "second-token]\n");
  EXPECT_EQ(run({"dlq", "list", "--config", listed}), 0) << err_.str();
  EXPECT_EQ(http_->sent.at(1).url, "http://127.0.0.1:7000/api/v1/dlq");
  EXPECT_EQ(http_->sent.at(1).header("Authorization"), "Bearer first-token");

  env_["WHARF_ADMIN_TOKEN"] = "env-token";  // the environment beats the config...
  EXPECT_EQ(run({"dlq", "list", "--config", listed}), 0);
  EXPECT_EQ(http_->sent.at(2).header("Authorization"), "Bearer env-token");
  EXPECT_EQ(run({"dlq", "list", "--config", listed, "--token", "flag-token"}),
            0);  // ...and --token
  EXPECT_EQ(http_->sent.at(3).header("Authorization"), "Bearer flag-token");
}

TEST_F(EventsCommandTest, ConfigProblemsAreOneLineUsageErrors) {
  std::string missing = testing::TempDir() + "no/such/wharf.yaml";
  EXPECT_EQ(run({"events", "list", "-c", missing, "--token", "t"}), 2);
  EXPECT_TRUE(err_.str().starts_with("wharf: cannot load config " + missing)) << err_.str();
  EXPECT_EQ(err_.str().find('\n'), err_.str().size() - 1);
  err_.str("");

  // With --url a missing config is fine, but the token must come from somewhere.
  EXPECT_EQ(run({"events", "list", "-c", missing, "--url", url_}), 2);
  EXPECT_EQ(err_.str(),
            "wharf: no admin token: pass --token, set WHARF_ADMIN_TOKEN or "
            "server.admin_token in " +
                missing + "\n");
  err_.str("");
  env_["WHARF_ADMIN_TOKEN"] = "t";
  EXPECT_EQ(run({"events", "list", "-c", missing, "--url", url_}), 0);
  EXPECT_EQ(only_request().url, url_ + "/api/v1/events");

  std::string unset_env = write_config("server:\n  admin_token: ${NOT_SET_ANYWHERE}\n");
  env_.clear();
  EXPECT_EQ(run({"events", "list", "-c", unset_env}), 2);
  EXPECT_NE(err_.str().find("server.admin_token: environment variable NOT_SET_ANYWHERE is not set"),
            std::string::npos)
      << err_.str();
  err_.str("");
  std::string bad_listen = write_config("server:\n  listen: nowhere\n  admin_token: t\n");
  EXPECT_EQ(run({"events", "list", "-c", bad_listen}), 2);
  EXPECT_NE(err_.str().find("server.listen 'nowhere' is not host:port"), std::string::npos);
  EXPECT_EQ(http_->sent.size(), 1u);
}

TEST_F(EventsCommandTest, ApiErrorsAndNetworkErrorsExitOne) {
  http_->answer(401, R"({"error":"missing or invalid bearer token"})");
  EXPECT_EQ(run({"events", "list", "--url", url_, "--token", "wrong"}), 1);
  EXPECT_EQ(err_.str(), "wharf: 401: missing or invalid bearer token\n");
  EXPECT_EQ(out_.str(), "");
  err_.str("");
  http_->answer(502, "<html><body>Bad Gateway</body></html>\n<p>x</p>");
  EXPECT_EQ(run({"events", "list", "--url", url_, "--token", "t"}), 1);
  EXPECT_EQ(err_.str(), "wharf: 502: <html><body>Bad Gateway</body></html>\n");
  err_.str("");
  http_->replies.push_back(make_error(Errc::kUnavailable, "GET x failed: Connection refused"));
  EXPECT_EQ(run({"events", "list", "--url", url_, "--token", "t"}), 1);
  EXPECT_EQ(err_.str(), "wharf: GET x failed: Connection refused\n");
  err_.str("");
  http_->answer(200, "not json");
  EXPECT_EQ(run({"events", "list", "--url", url_, "--token", "t"}), 1);
  EXPECT_EQ(err_.str(), "wharf: unexpected answer from the gateway (HTTP 200): not json\n");
}

TEST_F(EventsCommandTest, ShowEncodesTheIdAndPrintsAReadableView) {
  http_->answer(200, R"({"id":"evt_2","source":"stripe","provider_event_id":"evt_1P",
    "type":"invoice.paid","status":"failed","attempts":2,"received_at":"2024-05-01T10:00:02.500Z",
    "content_type":"application/json","payload":"{\"id\":\"evt_1P\"}",
    "targets":[{"target":"forward:app","status":"failed","attempts":2,"series":1,
                "next_attempt_at":"2024-05-01T10:05:00.000Z","last_error":"HTTP 500"},
               {"target":"handler:billing","status":"done","attempts":1,"series":1,
                "next_attempt_at":null,"last_error":null}],
    "deliveries":[{"at":"2024-05-01T10:00:03.000Z","target":"handler:billing","series":1,
                   "attempt":1,"outcome":"ok","status_code":null,"error":null,"duration_ms":4},
                  {"at":"2024-05-01T10:00:03.100Z","target":"forward:app","series":1,
                   "attempt":1,"outcome":"failed","status_code":500,"error":"HTTP 500\u001b[31m",
                   "duration_ms":120}]})");
  EXPECT_EQ(run({"events", "show", "evt/2 x", "--url", url_, "--token", "t"}), 0) << err_.str();
  EXPECT_EQ(only_request().url, url_ + "/api/v1/events/evt%2F2%20x");
  EXPECT_EQ(only_request().method, HttpMethod::kGet);
  EXPECT_EQ(out_.str(),
            "Event:        evt_2\n"
            "Source:       stripe\n"
            "Type:         invoice.paid\n"
            "Provider id:  evt_1P\n"
            "Status:       failed\n"
            "Attempts:     2\n"
            "Received:     2024-05-01T10:00:02.500Z\n"
            "\n"
            "Targets:\n"
            "  TARGET           STATUS  ATTEMPTS  SERIES  NEXT ATTEMPT              LAST ERROR\n"
            "  forward:app      failed  2         1       2024-05-01T10:05:00.000Z  HTTP 500\n"
            "  handler:billing  done    1         1       -                         -\n"
            "\n"
            "Attempts:\n"
            "  AT                        TARGET           SERIES  ATTEMPT  OUTCOME  HTTP  "
            "DURATION  ERROR\n"
            "  2024-05-01T10:00:03.000Z  handler:billing  1       1        ok       -     4 ms"
            "      -\n"
            "  2024-05-01T10:00:03.100Z  forward:app      1       1        failed   500   120 ms"
            "    HTTP 500\\x1b[31m\n"
            "\n"
            "Payload (application/json, 15 bytes):\n"
            "{\"id\":\"evt_1P\"}\n");
}

TEST_F(EventsCommandTest, ShowNotFoundAndUsage) {
  http_->answer(404, R"({"error":"no such event"})");
  EXPECT_EQ(run({"events", "show", "evt_x", "--url", url_, "--token", "t", "--json"}), 1);
  EXPECT_EQ(err_.str(), "wharf: 404: no such event\n");
  EXPECT_THROW(run({"events", "show", "--url", url_}), CLI::RequiredError);
  EXPECT_THROW(run({"events", "show", "a", "b"}), CLI::ParseError);  // exit 2 in main
}

TEST_F(EventsCommandTest, ShowJsonAndBinaryPayloads) {
  std::string raw =
      R"({"id":"e","payload_base64":"AAEC","content_type":"application/octet-stream"})";
  http_->answer(200, raw);
  EXPECT_EQ(run({"events", "show", "e", "--url", url_, "--token", "t", "--json"}), 0);
  EXPECT_EQ(out_.str(), raw + "\n");
  out_.str("");
  http_->answer(200, raw);
  EXPECT_EQ(run({"events", "show", "e", "--url", url_, "--token", "t"}), 0);
  EXPECT_NE(out_.str().find("Targets: none\n\nAttempts: none\n\nPayload (application/"
                            "octet-stream, 3 bytes, not UTF-8; base64):\nAAEC\n"),
            std::string::npos)
      << out_.str();
}

TEST_F(EventsCommandTest, ReplayByIdPostsEachAndGoesOnPastAnUnknownOne) {
  http_->answer(202, R"({"id":"evt_1","status":"pending","deliveries":2})");
  http_->answer(404, R"({"error":"no such event"})");
  http_->answer(202, R"({"id":"evt 3","status":"pending","deliveries":1})");
  EXPECT_EQ(run({"events", "replay", "evt_1", "evt_2", "evt 3", "--url", url_, "--token", "t"}), 1);
  ASSERT_EQ(http_->sent.size(), 3u);
  EXPECT_EQ(http_->sent[0].method, HttpMethod::kPost);
  EXPECT_EQ(http_->sent[0].url, url_ + "/api/v1/events/evt_1/replay");
  EXPECT_EQ(http_->sent[0].body, "");
  EXPECT_EQ(http_->sent[0].header("Content-Type"), "<none>");
  EXPECT_EQ(http_->sent[2].url, url_ + "/api/v1/events/evt%203/replay");
  EXPECT_EQ(out_.str(), "evt_1: replayed (2 deliveries)\nevt 3: replayed (1 deliveries)\n");
  EXPECT_EQ(err_.str(), "wharf: 404: no such event (evt_2)\n");
}

TEST_F(EventsCommandTest, ReplayByIdStopsAtANetworkError) {
  http_->replies.push_back(make_error(Errc::kUnavailable, "POST x failed: timeout"));
  EXPECT_EQ(run({"dlq", "replay", "a", "b", "--url", url_, "--token", "t"}), 1);
  EXPECT_EQ(http_->sent.size(), 1u);
  EXPECT_EQ(http_->sent[0].url, url_ + "/api/v1/dlq/a/replay");
  EXPECT_EQ(err_.str(), "wharf: POST x failed: timeout (a)\n");
}

TEST_F(EventsCommandTest, FilteredReplayFollowsTheCursorAndPrintsTotals) {
  http_->answer(202, R"({"replayed":2,"deliveries":3,"next_cursor":"k1"})");
  http_->answer(202, R"({"replayed":1,"deliveries":1,"next_cursor":null})");
  EXPECT_EQ(run({"events", "replay", "--url", url_, "--token", "t", "--source", "stripe",
                 "--status", "failed", "--since", "2024-05-01T00:00:00Z", "--until", "1714600000",
                 "--type", "invoice.paid", "--limit", "2"}),
            0)
      << err_.str();
  ASSERT_EQ(http_->sent.size(), 2u);
  const std::string filter = R"("source":"stripe","type":"invoice.paid","status":"failed",)"
                             R"("since":"2024-05-01T00:00:00Z","until":"1714600000","limit":2)";
  EXPECT_EQ(http_->sent[0].url, url_ + "/api/v1/events/replay");
  EXPECT_EQ(http_->sent[0].body, "{" + filter + "}");
  EXPECT_EQ(http_->sent[0].header("Content-Type"), "application/json");
  EXPECT_EQ(http_->sent[1].body, "{" + filter + R"(,"cursor":"k1"})");
  EXPECT_EQ(out_.str(), "replayed 3 events (4 deliveries)\n");
}

TEST_F(EventsCommandTest, FilteredReplayReportsProgressBeforeAnErrorAndRepeatedCursors) {
  http_->answer(202, R"({"replayed":5,"deliveries":5,"next_cursor":"k1"})");
  http_->answer(500, R"({"error":"storage unavailable"})");
  EXPECT_EQ(run({"events", "replay", "--url", url_, "--token", "t", "--type", "push"}), 1);
  EXPECT_EQ(out_.str(), "replayed 5 events (5 deliveries) before the error\n");
  EXPECT_EQ(err_.str(), "wharf: 500: storage unavailable\n");
  out_.str("");
  err_.str("");
  http_->answer(202, R"({"replayed":1,"deliveries":1,"next_cursor":"same"})");
  http_->answer(202, R"({"replayed":1,"deliveries":1,"next_cursor":"same"})");
  EXPECT_EQ(run({"events", "replay", "--url", url_, "--token", "t", "--type", "push"}), 1);
  EXPECT_EQ(http_->sent.size(), 4u);
  EXPECT_EQ(out_.str(), "replayed 2 events (2 deliveries)\n");
  EXPECT_EQ(err_.str(), "wharf: the gateway returned the same cursor twice; stopped\n");
}

TEST_F(EventsCommandTest, ReplayNeedsIdsOrFiltersButNotBoth) {
  EXPECT_EQ(run({"events", "replay", "--url", url_, "--token", "t"}), 2);
  EXPECT_EQ(err_.str(),
            "wharf: events replay needs event IDs or a filter (--source, --type, --status, "
            "--since, --until) (see --help)\n");
  err_.str("");
  EXPECT_EQ(run({"events", "replay", "evt_1", "--source", "s", "--url", url_, "--token", "t"}), 2);
  EXPECT_EQ(err_.str(), "wharf: give event IDs or filters, not both (see --help)\n");
  err_.str("");
  EXPECT_EQ(run({"events", "replay", "--limit", "5", "--url", url_, "--token", "t"}), 2);
  EXPECT_EQ(run({"events", "replay", "evt_1", "--limit", "5", "--url", url_, "--token", "t"}), 2);
  EXPECT_TRUE(http_->sent.empty());
  EXPECT_THROW(run({"events", "replay", "--type", "x", "--limit", "10001"}), CLI::ValidationError);
  EXPECT_THROW(run({"events", "list", "--status", "lost"}), CLI::ValidationError);
}

TEST_F(EventsCommandTest, DlqListUsesTheDlqEndpointAndItsOwnMoreLine) {
  http_->answer(200, std::string(kTwoEvents));
  EXPECT_EQ(run({"dlq", "list", "--url", url_, "--token", "t", "--type", "push", "--limit", "2"}),
            0);
  EXPECT_EQ(only_request().url, url_ + "/api/v1/dlq?type=push&limit=2");
  EXPECT_TRUE(out_.str().ends_with(
      "more: wharf dlq list --url http://gw.test:9000 --type push --limit 2 --cursor evt_1\n"))
      << out_.str();
  EXPECT_THROW(run({"dlq", "list", "--status", "dead"}), CLI::ExtrasError);
}

TEST_F(EventsCommandTest, DlqReplayAllFiltersAndUsage) {
  http_->answer(202, R"({"replayed":1000,"deliveries":1000,"next_cursor":"k"})");
  http_->answer(202, R"({"replayed":7,"deliveries":9,"next_cursor":null})");
  EXPECT_EQ(run({"dlq", "replay", "--all", "--url", url_, "--token", "t"}), 0) << err_.str();
  ASSERT_EQ(http_->sent.size(), 2u);
  EXPECT_EQ(http_->sent[0].url, url_ + "/api/v1/dlq/replay");
  EXPECT_EQ(http_->sent[0].body, "{}");
  EXPECT_EQ(http_->sent[1].body, R"({"cursor":"k"})");
  EXPECT_EQ(out_.str(), "replayed 1007 events (1009 deliveries)\n");

  http_->answer(202, R"({"replayed":0,"deliveries":0,"next_cursor":null})");
  EXPECT_EQ(run({"dlq", "replay", "--source", "sendgrid", "--since", "1714521600", "--url", url_,
                 "--token", "t"}),
            0);
  EXPECT_EQ(http_->sent[2].body, R"({"source":"sendgrid","since":"1714521600"})");

  EXPECT_EQ(run({"dlq", "replay", "--url", url_, "--token", "t"}), 2);
  EXPECT_EQ(run({"dlq", "replay", "evt_1", "--all", "--url", url_, "--token", "t"}), 2);
  EXPECT_EQ(run({"dlq", "replay", "--all", "--type", "x", "--url", url_, "--token", "t"}), 2);
  EXPECT_EQ(http_->sent.size(), 3u);
  EXPECT_THROW(run({"dlq", "replay", "--status", "dead"}), CLI::ExtrasError);
}

TEST(EventsCommandHelp, EveryCommandDescribesItselfAndItsApiCall) {
  CLI::App app;
  int exit_code = 0;
  register_events_commands(app, &exit_code);
  std::map<std::pair<std::string, std::string>, std::string> calls{
      {{"events", "list"}, "GET /api/v1/events"},
      {{"events", "show"}, "GET /api/v1/events/{ID}"},
      {{"events", "replay"}, "POST /api/v1/events/replay"},
      {{"dlq", "list"}, "GET /api/v1/dlq"},
      {{"dlq", "replay"}, "POST /api/v1/dlq/replay"}};
  for (const auto& [names, call] : calls) {
    CLI::App* cmd = app.get_subcommand(names.first)->get_subcommand(names.second);
    std::string help = cmd->help();
    EXPECT_FALSE(cmd->get_description().empty());
    EXPECT_NE(help.find(call), std::string::npos) << names.first << " " << names.second;
    EXPECT_NE(help.find("--url"), std::string::npos);
    EXPECT_NE(help.find("WHARF_ADMIN_TOKEN"), std::string::npos);
  }
}

TEST(FormatTable, AlignsByCodePointsWithoutTrailingSpaces) {
  EXPECT_EQ(format_table({{"A", "B", "C"}, {"été", "x", ""}, {"long", "yy", "z"}}, "> "),
            "> A     B   C\n> été   x\n> long  yy  z\n");
  EXPECT_EQ(printable("a\x1b[0m\tb\nc", false), "a\\x1b[0m\tb\\x0ac");
  EXPECT_EQ(printable("a\nb\r", true), "a\nb\\x0d");
}

TEST(GatewayBaseUrl, WildcardsBecomeLoopback) {
  EXPECT_EQ(gateway_base_url("0.0.0.0:8080"), "http://127.0.0.1:8080");
  EXPECT_EQ(gateway_base_url(":8080"), "http://127.0.0.1:8080");
  EXPECT_EQ(gateway_base_url("[::]:8080"), "http://[::1]:8080");
  EXPECT_EQ(gateway_base_url("gw.internal:1"), "http://gw.internal:1");
  EXPECT_EQ(gateway_base_url("8080"), "");
}

}  // namespace
}  // namespace wharf::cli
