// Each simulated provider: its happy path and one error, in the real API's shapes.
#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>
#include <set>

#include "core/crypto.h"
#include "core/encoding.h"
#include "simulator_driver.h"

namespace wharf::mock {
namespace {

using http::Status;
using http::Verb;
using testing::SimulatorDriver;
constexpr auto kForm = "application/x-www-form-urlencoded";

class ProvidersTest : public ::testing::Test {
 protected:
  http::Response stripe(std::string path, std::string form, std::string idempotency_key = {}) {
    if (idempotency_key.empty()) {
      return d_.send(Verb::post, path, form, kForm, {{"Authorization", "Bearer sk_test_1"}});
    }
    return d_.send(Verb::post, path, form, kForm,
                   {{"Authorization", "Bearer sk_test_1"}, {"Idempotency-Key", idempotency_key}});
  }
  SimulatorDriver d_;
};

TEST_F(ProvidersTest, StripeCreatesCustomerSubscriptionAndCancelsAtPeriodEnd) {
  auto cus = stripe("/v1/customers", "email=a%40b.com&name=Ada+L&metadata[user_id]=u1");
  ASSERT_EQ(cus.result(), Status::ok) << cus.body();
  auto customer = SimulatorDriver::json_of(cus).as_object();
  EXPECT_TRUE(customer["id"].as_string().starts_with("cus_"));
  EXPECT_EQ(customer["object"], "customer");
  EXPECT_EQ(customer["email"], "a@b.com");
  EXPECT_EQ(customer["name"], "Ada L");
  EXPECT_EQ(customer["metadata"].as_object()["user_id"], "u1");

  std::string cid(customer["id"].as_string());
  auto sub_res =
      stripe("/v1/subscriptions", "customer=" + cid +
                                      "&items[0][price]=price_1&payment_behavior=default_incomplete"
                                      "&expand[]=latest_invoice.payment_intent");
  ASSERT_EQ(sub_res.result(), Status::ok) << sub_res.body();
  auto sub = SimulatorDriver::json_of(sub_res).as_object();
  EXPECT_TRUE(sub["id"].as_string().starts_with("sub_"));
  EXPECT_EQ(sub["status"], "incomplete");
  EXPECT_EQ(sub["customer"].as_string(), cid);
  auto& invoice = sub["latest_invoice"].as_object();
  EXPECT_EQ(invoice["object"], "invoice");
  EXPECT_TRUE(
      invoice["payment_intent"].as_object()["client_secret"].as_string().starts_with("pi_"));
  EXPECT_EQ(sub["items"].as_object()["data"].as_array()[0].as_object()["price"].as_object()["id"],
            "price_1");

  auto plain = SimulatorDriver::json_of(
      stripe("/v1/subscriptions", "customer=" + cid + "&items[0][price]=price_1"));
  EXPECT_TRUE(plain.as_object()["latest_invoice"].is_string()) << "not expanded unless asked";

  std::string sid(sub["id"].as_string());
  auto cancel =
      SimulatorDriver::json_of(stripe("/v1/subscriptions/" + sid, "cancel_at_period_end=true"))
          .as_object();
  EXPECT_EQ(cancel["cancel_at_period_end"], true);
  EXPECT_EQ(cancel["cancel_at"], sub["current_period_end"]);
}

TEST_F(ProvidersTest, StripeErrorsHaveTypeAndMessage) {
  auto missing = stripe("/v1/subscriptions", "items[0][price]=price_1");
  EXPECT_EQ(missing.result(), Status::bad_request);
  auto err = SimulatorDriver::json_of(missing).as_object()["error"].as_object();
  EXPECT_EQ(err["type"], "invalid_request_error");
  EXPECT_EQ(err["param"], "customer");
  EXPECT_FALSE(err["message"].as_string().empty());

  auto unknown = stripe("/v1/subscriptions/sub_nope", "cancel_at_period_end=true");
  EXPECT_EQ(unknown.result(), Status::not_found);
  auto noauth = d_.send(Verb::post, "/v1/customers", "email=x", kForm);
  EXPECT_EQ(noauth.result(), Status::unauthorized);
}

TEST_F(ProvidersTest, StripeReplaysTheFirstResponseForARepeatedIdempotencyKey) {
  auto first = stripe("/v1/customers", "email=a%40b.com", "key-1");
  auto again = stripe("/v1/customers", "email=a%40b.com", "key-1");
  ASSERT_EQ(first.result(), Status::ok);
  EXPECT_EQ(again.body(), first.body()) << "same customer, not a second one";
  EXPECT_EQ(again["Idempotent-Replayed"], "true");
  auto other = stripe("/v1/customers", "email=a%40b.com", "key-2");
  EXPECT_NE(other.body(), first.body());
  auto misuse = stripe("/v1/customers", "email=other%40b.com", "key-1");
  EXPECT_EQ(misuse.result(), Status::bad_request);
  EXPECT_EQ(SimulatorDriver::json_of(misuse).as_object()["error"].as_object()["type"],
            "idempotency_error");

  auto journal = SimulatorDriver::json_of(d_.control(Verb::get, "/_mock/requests"));
  auto& entries = journal.as_object()["requests"].as_array();
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].as_object()["headers"].as_object()["idempotency-key"], "key-1");
  EXPECT_EQ(entries[1].as_object()["headers"].as_object()["idempotency-key"], "key-1");
  EXPECT_EQ(entries[1].as_object()["idempotent_replayed"], true);
  EXPECT_FALSE(entries[0].as_object().contains("idempotent_replayed"));
}

TEST_F(ProvidersTest, SendGridAccepts202WithMessageIdOr400WithErrors) {
  std::string mail = R"({"personalizations":[{"to":[{"email":"t@x.com"}]}],
    "from":{"email":"f@x.com"},"subject":"Hi","content":[{"type":"text/html","value":"<p>x</p>"}]})";
  auto ok = d_.send(Verb::post, "/v3/mail/send", mail, "application/json",
                    {{"Authorization", "Bearer SG.key"}});
  EXPECT_EQ(ok.result(), Status::accepted);
  EXPECT_TRUE(ok.body().empty());
  EXPECT_FALSE(ok["X-Message-Id"].empty());

  auto bad = d_.send(Verb::post, "/v3/mail/send", R"({"subject":"Hi"})", "application/json",
                     {{"Authorization", "Bearer SG.key"}});
  EXPECT_EQ(bad.result(), Status::bad_request);
  auto errors = SimulatorDriver::json_of(bad).as_object()["errors"].as_array();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].as_object()["field"], "personalizations");
  EXPECT_EQ(errors[1].as_object()["field"], "from.email");
}

TEST_F(ProvidersTest, ApolloReturnsAPageOfPeopleAndRequiresAKey) {
  auto ok = d_.send(Verb::post, "/v1/mixed_people/search",
                    R"({"api_key":"k","person_titles":["CTO"],"page":2,"per_page":5})");
  ASSERT_EQ(ok.result(), Status::ok);
  auto body = SimulatorDriver::json_of(ok).as_object();
  EXPECT_EQ(body["people"].as_array().size(), 5u);
  EXPECT_EQ(body["people"].as_array()[0].as_object()["title"], "CTO");
  EXPECT_EQ(body["pagination"].as_object()["page"], 2);
  EXPECT_EQ(body["pagination"].as_object()["per_page"], 5);
  auto header_key = d_.send(Verb::post, "/v1/mixed_people/search", "{}", "application/json",
                            {{"X-Api-Key", "k"}});
  EXPECT_EQ(header_key.result(), Status::ok);
  auto no_key = d_.send(Verb::post, "/v1/mixed_people/search", R"({"page":1})");
  EXPECT_EQ(no_key.result(), Status::unauthorized);
}

TEST_F(ProvidersTest, AnthropicAnswersAMessageOrAnEventStream) {
  std::string req =
      R"({"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"Hi"}]})";
  auto ok = d_.send(Verb::post, "/v1/messages", req, "application/json", {{"x-api-key", "k"}});
  ASSERT_EQ(ok.result(), Status::ok) << ok.body();
  auto msg = SimulatorDriver::json_of(ok).as_object();
  EXPECT_EQ(msg["type"], "message");
  EXPECT_EQ(msg["role"], "assistant");
  EXPECT_EQ(msg["model"], "claude-sonnet-4-5");
  EXPECT_EQ(msg["content"].as_array()[0].as_object()["type"], "text");
  EXPECT_EQ(msg["stop_reason"], "end_turn");
  EXPECT_TRUE(msg["usage"].as_object().contains("output_tokens"));

  std::string streaming = req;
  streaming.insert(1, R"("stream":true,)");
  auto sse =
      d_.send(Verb::post, "/v1/messages", streaming, "application/json", {{"x-api-key", "k"}});
  ASSERT_EQ(sse.result(), Status::ok);
  EXPECT_EQ(sse[boost::beast::http::field::content_type], "text/event-stream");
  const std::string& events = sse.body();
  std::size_t at = 0;
  for (const char* name : {"message_start", "content_block_start", "content_block_delta",
                           "content_block_stop", "message_delta", "message_stop"}) {
    std::size_t found = events.find(std::string("event: ") + name + "\n", at);
    ASSERT_NE(found, std::string::npos) << name << " in order";
    at = found;
  }

  auto no_key = d_.send(Verb::post, "/v1/messages", req);
  EXPECT_EQ(no_key.result(), Status::unauthorized);
  EXPECT_EQ(SimulatorDriver::json_of(no_key).as_object()["error"].as_object()["type"],
            "authentication_error");
}

constexpr auto kStreamingMessage =
    R"({"stream":true,"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"Hi"}]})";

TEST_F(ProvidersTest, AnthropicStreamsOneEventPerChunkAPauseApart) {
  testing::RecordingStream stream;
  d_.set_stream(&stream);
  d_.send(Verb::post, "/v1/messages", kStreamingMessage, "application/json", {{"x-api-key", "k"}});
  ASSERT_TRUE(stream.head());
  EXPECT_EQ((*stream.head())[boost::beast::http::field::content_type], "text/event-stream");
  std::vector<std::string> names;
  std::string text;
  boost::json::object message_delta;
  for (const std::string& chunk : stream.chunks) {
    ASSERT_TRUE(chunk.starts_with("event: ")) << chunk;
    ASSERT_TRUE(chunk.ends_with("\n\n")) << chunk;
    ASSERT_EQ(chunk.find("\n\n"), chunk.size() - 2) << "one event per chunk: " << chunk;
    std::size_t eol = chunk.find('\n');
    names.push_back(chunk.substr(7, eol - 7));
    ASSERT_TRUE(chunk.substr(eol + 1).starts_with("data: "));
    auto data = boost::json::parse(chunk.substr(eol + 7)).as_object();
    EXPECT_EQ(std::string(data["type"].as_string()), names.back()) << "data.type names the event";
    if (names.back() == "content_block_delta") {
      auto& delta = data["delta"].as_object();
      EXPECT_EQ(delta["type"], "text_delta");
      text += delta["text"].as_string();
    }
    if (names.back() == "message_delta") message_delta = data;
  }
  std::vector<std::string> expected{"message_start", "content_block_start", "ping"};
  expected.insert(expected.end(), 6, "content_block_delta");
  expected.insert(expected.end(), {"content_block_stop", "message_delta", "message_stop"});
  EXPECT_EQ(names, expected);
  EXPECT_EQ(text, "Hello from the wharf provider simulator.");
  EXPECT_EQ(message_delta["delta"].as_object()["stop_reason"], "end_turn");
  EXPECT_GT(message_delta["usage"].as_object()["output_tokens"].as_int64(), 0);
  for (std::size_t i = 1; i < stream.times.size(); ++i) {
    EXPECT_GE(stream.times[i] - stream.times[i - 1], std::chrono::milliseconds(15)) << i;
  }
}

TEST_F(ProvidersTest, SlackPostsAMessageOrSaysNotAuthed) {
  auto ok = d_.send(Verb::post, "/api/chat.postMessage", R"({"channel":"C123","text":"hi"})",
                    "application/json", {{"Authorization", "Bearer xoxb-1"}});
  auto body = SimulatorDriver::json_of(ok).as_object();
  EXPECT_EQ(body["ok"], true);
  EXPECT_EQ(body["channel"], "C123");
  EXPECT_EQ(body["message"].as_object()["text"], "hi");
  EXPECT_EQ(body["ts"], body["message"].as_object()["ts"]);

  auto no_token = d_.send(Verb::post, "/api/chat.postMessage", R"({"channel":"C1","text":"x"})");
  EXPECT_EQ(no_token.result(), Status::ok) << "Slack reports errors with HTTP 200";
  EXPECT_EQ(SimulatorDriver::json_of(no_token).as_object()["error"], "not_authed");
}

TEST_F(ProvidersTest, NeverBounceVerifiesAJobOfAddressesPageByPage) {
  auto created = SimulatorDriver::json_of(d_.send(Verb::post, "/v4/jobs/create", R"({
      "key":"secret_nb","input_location":"supplied","auto_parse":true,"auto_start":true,
      "filename":"leads.csv",
      "input":[{"id":"1","email":"ada@example.com","name":"Ada"},["invalid.bob@example.com","Bob"],
               "catchall@corp.example.org","me@disposable-mail.test","disposable@x.io"]})"))
                     .as_object();
  ASSERT_EQ(created["status"], "success") << created;
  std::string job = std::to_string(created["job_id"].as_int64());

  auto status =
      SimulatorDriver::json_of(d_.send(Verb::get, "/v4/jobs/status?key=secret_nb&job_id=" + job))
          .as_object();
  EXPECT_EQ(status["job_status"], "complete");
  EXPECT_EQ(status["filename"], "leads.csv");
  auto& total = status["total"].as_object();
  EXPECT_EQ(total["records"], 5);
  EXPECT_EQ(total["processed"], 5);
  EXPECT_EQ(total["valid"], 2);
  EXPECT_EQ(total["invalid"], 1);
  EXPECT_EQ(total["catchall"], 1);
  EXPECT_EQ(total["disposable"], 1);

  auto page = [&](int n) {
    return SimulatorDriver::json_of(
               d_.send(Verb::get, "/v4/jobs/results?key=secret_nb&job_id=" + job +
                                      "&page=" + std::to_string(n) + "&items_per_page=2"))
        .as_object();
  };
  auto first = page(1);
  EXPECT_EQ(first["status"], "success");
  EXPECT_EQ(first["total_results"], 5);
  EXPECT_EQ(first["total_pages"], 3);
  EXPECT_EQ(first["query"].as_object()["items_per_page"], 2);
  auto& results = first["results"].as_array();
  ASSERT_EQ(results.size(), 2u);
  auto& ada = results[0].as_object();
  EXPECT_EQ(ada["data"].as_object()["name"], "Ada") << "the row comes back as supplied";
  auto& verification = ada["verification"].as_object();
  EXPECT_EQ(verification["result"], "valid");
  EXPECT_EQ(verification["suggested_correction"], "");
  EXPECT_EQ(verification["address_info"].as_object()["host"], "example.com");
  EXPECT_EQ(results[1].as_object()["verification"].as_object()["result"], "invalid");
  EXPECT_EQ(results[1].as_object()["data"].as_object()["1"], "Bob");
  auto third = page(3);
  ASSERT_EQ(third["results"].as_array().size(), 1u);
  EXPECT_EQ(third["results"].as_array()[0].as_object()["verification"].as_object()["result"],
            "disposable");
}

TEST_F(ProvidersTest, NeverBounceChecksOneAddressAndFailsWithHttp200) {
  auto single =
      SimulatorDriver::json_of(
          d_.send(Verb::get, "/v4/single/check?key=k&email=pat%40gmial.com&address_info=1"))
          .as_object();
  EXPECT_EQ(single["status"], "success");
  EXPECT_EQ(single["result"], "invalid");
  EXPECT_EQ(single["suggested_correction"], "pat@gmail.com");
  EXPECT_EQ(single["address_info"].as_object()["tld"], "com");
  auto form = SimulatorDriver::json_of(d_.send(Verb::post, "/v4/single/check",
                                               "key=k&email=catchall%40x.com",
                                               "application/x-www-form-urlencoded"))
                  .as_object();
  EXPECT_EQ(form["result"], "catchall");

  auto no_key = d_.send(Verb::get, "/v4/single/check?email=a%40b.com");
  EXPECT_EQ(no_key.result(), Status::ok) << "NeverBounce reports failures with HTTP 200";
  auto failure = SimulatorDriver::json_of(no_key).as_object();
  EXPECT_EQ(failure["status"], "auth_failure");
  EXPECT_EQ(failure["message"], "Invalid API key");
  EXPECT_EQ(SimulatorDriver::json_of(d_.send(Verb::get, "/v4/jobs/status?key=k&job_id=999"))
                .as_object()["status"],
            "general_failure");

  // Without auto_start the job waits for /v4/jobs/start.
  auto created = SimulatorDriver::json_of(
                     d_.send(Verb::post, "/v4/jobs/create",
                             R"({"key":"k","input_location":"supplied","input":["a@b.com"]})"))
                     .as_object();
  std::string job = std::to_string(created["job_id"].as_int64());
  auto status = [&] {
    return SimulatorDriver::json_of(d_.send(Verb::get, "/v4/jobs/status?key=k&job_id=" + job))
        .as_object()["job_status"];
  };
  EXPECT_EQ(status(), "waiting");
  d_.send(Verb::post, "/v4/jobs/start", R"({"key":"k","job_id":)" + job + "}");
  EXPECT_EQ(status(), "complete");
}

boost::json::object google_error_of(const http::Response& res) {
  return SimulatorDriver::json_of(res).as_object()["error"].as_object();
}

TEST_F(ProvidersTest, GmailSendsARawMessage) {
  std::string raw = encoding::base64url_encode(
      "From: me@example.com\r\nTo: you@example.com\r\nSubject: Hi\r\n\r\nHello?\r\n");
  auto sent = d_.send(Verb::post, "/gmail/v1/users/me/messages/send", R"({"raw":")" + raw + "\"}",
                      "application/json", {{"Authorization", "Bearer ya29.token"}});
  ASSERT_EQ(sent.result(), Status::ok) << sent.body();
  auto message = SimulatorDriver::json_of(sent).as_object();
  EXPECT_EQ(message["id"].as_string().size(), 16u);
  EXPECT_EQ(message["threadId"], message["id"]);
  EXPECT_EQ(message["labelIds"], boost::json::array{"SENT"});
  auto reply = SimulatorDriver::json_of(
                   d_.send(Verb::post, "/gmail/v1/users/me/messages/send",
                           R"({"raw":")" + raw + R"(","threadId":"18c0000000000001"})",
                           "application/json", {{"Authorization", "Bearer ya29.token"}}))
                   .as_object();
  EXPECT_EQ(reply["threadId"], "18c0000000000001");
  EXPECT_NE(reply["id"], message["id"]);

  auto anonymous =
      d_.send(Verb::post, "/gmail/v1/users/me/messages/send", R"({"raw":")" + raw + "\"}");
  EXPECT_EQ(anonymous.result(), Status::unauthorized);
  auto unauthenticated = google_error_of(anonymous);
  EXPECT_EQ(unauthenticated["code"], 401);
  EXPECT_EQ(unauthenticated["status"], "UNAUTHENTICATED");

  for (std::string body :
       {std::string("{}"), std::string(R"({"raw":"not base64url!"})"),
        R"({"raw":")" + encoding::base64url_encode("Subject: x\r\n\r\nx") + "\"}"}) {
    auto bad = d_.send(Verb::post, "/gmail/v1/users/me/messages/send", body, "application/json",
                       {{"Authorization", "Bearer ya29.token"}});
    EXPECT_EQ(bad.result(), Status::bad_request) << body;
    EXPECT_EQ(google_error_of(bad)["status"], "INVALID_ARGUMENT") << body;
  }
}

TEST_F(ProvidersTest, GoogleCalendarPagesThroughEventsWithTokens) {
  auto list = [&](const std::string& query) {
    return d_.send(Verb::get, "/calendar/v3/calendars/primary/events" + query, {},
                   "application/json", {{"Authorization", "Bearer ya29.token"}});
  };
  std::vector<std::string> ids;
  std::string token;
  int pages = 0;
  for (;;) {
    auto res = list("?maxResults=10&singleEvents=true" +
                    (token.empty() ? "" : "&pageToken=" + encoding::url_encode(token)));
    ASSERT_EQ(res.result(), Status::ok) << res.body();
    auto body = SimulatorDriver::json_of(res).as_object();
    ++pages;
    EXPECT_EQ(body["kind"], "calendar#events");
    for (const auto& item : body["items"].as_array()) {
      auto& event = item.as_object();
      EXPECT_EQ(event.at("kind"), "calendar#event");
      EXPECT_TRUE(event.at("start").as_object().contains("dateTime"));
      ids.emplace_back(event.at("id").as_string());
    }
    bool last = !body.contains("nextPageToken");
    EXPECT_EQ(body.contains("nextSyncToken"), last) << "a sync token on the last page only";
    if (last) break;
    token = body["nextPageToken"].as_string();
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(ids.size(), 25u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 25u) << "no event twice";

  auto all = SimulatorDriver::json_of(list("")).as_object();
  EXPECT_EQ(all["items"].as_array().size(), 25u) << "default maxResults is 250";
  auto later = SimulatorDriver::json_of(list("?timeMin=2030-01-27T00:00:00Z")).as_object();
  EXPECT_EQ(later["items"].as_array().size(), 5u);
  EXPECT_EQ(later["items"].as_array()[0].as_object()["start"].as_object()["dateTime"],
            "2030-01-27T09:00:00Z");

  EXPECT_EQ(list("?pageToken=nope").result(), Status::bad_request);
  EXPECT_EQ(google_error_of(list("?maxResults=0"))["status"], "INVALID_ARGUMENT");
  EXPECT_EQ(list("?timeMin=yesterday").result(), Status::bad_request);
  auto anonymous = d_.send(Verb::get, "/calendar/v3/calendars/primary/events");
  EXPECT_EQ(anonymous.result(), Status::unauthorized);
}

TEST_F(ProvidersTest, OAuthServerRunsTheCodeFlowWithPkceRotationAndRevocation) {
  const std::string verifier(64, 'v');
  const std::string challenge = encoding::base64url_encode(crypto::sha256(verifier));
  const std::string redirect = "http://127.0.0.1:8080/oauth/callback";
  auto authorize = d_.send(Verb::get,
                           "/oauth/authorize?response_type=code&client_id=wharf"
                           "&redirect_uri=" +
                               encoding::form_urlencode(redirect) +
                               "&state=st1&scope=read&code_challenge_method=S256"
                               "&code_challenge=" +
                               challenge);
  ASSERT_EQ(authorize.result(), Status::found);
  std::string location(authorize[boost::beast::http::field::location]);
  ASSERT_TRUE(location.starts_with(redirect + "?code=mock_code_")) << location;
  EXPECT_TRUE(location.ends_with("&state=st1")) << location;
  const std::string code =
      location.substr(location.find("code=") + 5, location.find('&') - location.find("code=") - 5);
  const auto basic = std::pair<std::string, std::string>{
      "Authorization", "Basic " + encoding::base64_encode("wharf:secret")};
  auto exchange = [&](const std::string& form) {
    return d_.send(Verb::post, "/oauth/token", form, "application/x-www-form-urlencoded", {basic});
  };
  const std::string code_form = "grant_type=authorization_code&code=" + code +
                                "&redirect_uri=" + encoding::form_urlencode(redirect);
  // A wrong verifier fails, and the code is spent by the attempt.
  EXPECT_EQ(exchange(code_form + "&code_verifier=" + std::string(64, 'x')).result(),
            Status::bad_request);
  EXPECT_EQ(SimulatorDriver::json_of(exchange(code_form + "&code_verifier=" + verifier))
                .as_object()["error"],
            "invalid_grant");

  // A fresh flow, exchanged properly.
  authorize = d_.send(Verb::get,
                      "/oauth/authorize?response_type=code&client_id=wharf"
                      "&redirect_uri=" +
                          encoding::form_urlencode(redirect) +
                          "&state=st2&code_challenge_method=S256&code_challenge=" + challenge);
  location = std::string(authorize[boost::beast::http::field::location]);
  const std::string code2 =
      location.substr(location.find("code=") + 5, location.find('&') - location.find("code=") - 5);
  auto tokens = exchange("grant_type=authorization_code&code=" + code2 + "&redirect_uri=" +
                         encoding::form_urlencode(redirect) + "&code_verifier=" + verifier);
  ASSERT_EQ(tokens.result(), Status::ok);
  auto t = SimulatorDriver::json_of(tokens).as_object();
  EXPECT_EQ(t["token_type"], "Bearer");
  EXPECT_EQ(t["expires_in"], 3600);
  const std::string access(t["access_token"].as_string());
  const std::string refresh(t["refresh_token"].as_string());
  auto me = d_.send(Verb::get, "/oauth/userinfo", {}, {}, {{"Authorization", "Bearer " + access}});
  EXPECT_EQ(me.result(), Status::ok);

  // Rotation: the refresh token works once.
  auto refreshed = exchange("grant_type=refresh_token&refresh_token=" + refresh);
  ASSERT_EQ(refreshed.result(), Status::ok);
  const std::string refresh2(
      SimulatorDriver::json_of(refreshed).as_object()["refresh_token"].as_string());
  EXPECT_EQ(exchange("grant_type=refresh_token&refresh_token=" + refresh).result(),
            Status::bad_request);

  // Revoking the refresh token ends the grant: its access tokens stop working.
  EXPECT_EQ(d_.send(Verb::post, "/oauth/revoke", "token=" + refresh2,
                    "application/x-www-form-urlencoded", {basic})
                .result(),
            Status::ok);
  auto introspected = d_.send(Verb::post, "/oauth/introspect", "token=" + access,
                              "application/x-www-form-urlencoded", {basic});
  EXPECT_EQ(SimulatorDriver::json_of(introspected).as_object()["active"], false);
  EXPECT_EQ(d_.send(Verb::get, "/oauth/userinfo", {}, {}, {{"Authorization", "Bearer " + access}})
                .result(),
            Status::unauthorized);
  // No client credentials: 401 invalid_client.
  EXPECT_EQ(d_.send(Verb::post, "/oauth/token", "grant_type=refresh_token&refresh_token=x",
                    "application/x-www-form-urlencoded")
                .result(),
            Status::unauthorized);
}

TEST_F(ProvidersTest, OAuthServerRefusesAuthorizationsWithoutPkceAndCanDeny) {
  auto no_pkce = d_.send(Verb::get,
                         "/oauth/authorize?response_type=code&client_id=w"
                         "&redirect_uri=http://127.0.0.1/cb&state=s");
  ASSERT_EQ(no_pkce.result(), Status::found);
  EXPECT_NE(std::string(no_pkce[boost::beast::http::field::location]).find("error=invalid_request"),
            std::string::npos);
  auto denied = d_.send(Verb::get,
                        "/oauth/authorize?response_type=code&client_id=w"
                        "&redirect_uri=http://127.0.0.1/cb&state=s&mock_deny=1"
                        "&code_challenge_method=S256&code_challenge=abc");
  const std::string location(denied[boost::beast::http::field::location]);
  EXPECT_NE(location.find("error=access_denied"), std::string::npos) << location;
  EXPECT_NE(location.find("state=s"), std::string::npos) << location;
}

TEST_F(ProvidersTest, UnknownRouteIs404) {
  EXPECT_EQ(d_.send(Verb::get, "/v1/nothing").result(), Status::not_found);
}

}  // namespace
}  // namespace wharf::mock
