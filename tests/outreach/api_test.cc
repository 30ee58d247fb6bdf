// The outreach API (/api/v1/outreach, api.h) as the gateway serves it: mounted on the admin API
// (Application::admin_routes, AdminApi::mount) behind a real http::Server on a loopback port,
// over the real SQLite store, with SendGrid and Anthropic at the provider simulator through real
// provider pipelines.
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include "admin/admin_api.h"
#include "core/config_node.h"
#include "mock/simulator.h"
#include "outbound/http_client.h"
#include "outbound/test_peers.h"
#include "outreach_fixture.h"

namespace wharf::outreach::testing {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

struct Answer {
  int status = 0;
  json::value body;
  std::string raw;
  std::string content_type;
};

class OutreachApiTest : public OutreachTest {
 protected:
  void SetUp() override {
    add_provider("sendgrid", "sendgrid", "/v3");
    add_provider("anthropic", "anthropic", "/v1",
                 R"({ type: api_key, in: header, name: x-api-key, value: "${KEY}" })");
    add_provider("apollo", "apollo", "/v1",
                 R"({ type: api_key, in: body, name: api_key, value: "${KEY}" })");
    add_provider("neverbounce", "neverbounce", "/v4",
                 R"({ type: api_key, in: query, name: key, value: "${KEY}" })");
    add_provider("stripe", "stripe", "/v1");
    OutreachTest::SetUp();  // starts the application with these providers
    admin_.emplace(std::vector<std::string>{"t0ken"}, *store_, pool_.get_executor(), metrics_);
    ASSERT_TRUE(admin_->mount("outreach", app_.admin_routes()));
    gateway_.emplace([this](http::Request& req) -> asio::awaitable<http::Response> {
      std::string_view target = req.target();
      std::string_view path = target.substr(0, target.find('?'));
      std::string_view query =
          path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view();
      http::Response r = co_await admin_->handle(req, path.substr(7), query);  // after /api/v1
      co_return r;
    });
  }
  void TearDown() override {
    // The store first: its writer thread may still hold a copy of a request's strand executor
    // (store::await_result posts the completion, then drops its copy), and the server's
    // io_context must outlive that copy.
    store_->close();
    gateway_.reset();
    admin_.reset();
    providers_.close();
    providers_ = outbound::ProviderSet();  // its clients run on io_, which goes first
    OutreachTest::TearDown();
    pool_.join();
  }

  void add_provider(std::string name, std::string kind, std::string_view base_path,
                    std::string credentials = R"({ type: bearer, value: "${KEY}" })") {
    ConfigErrors errors("test.yaml");
    EnvLookup env = [](const std::string&) { return std::optional<std::string>("dummy-key"); };
    ConfigNode node(YAML::Load("{ credentials: " + credentials + ", retry: { max_attempts: 1 } }"),
                    "providers." + name, &errors, &env);
    auto cfg = outbound::read_provider_config(name, kind, node,
                                              outbound::ProviderDefaults{sim_url(base_path)});
    ASSERT_TRUE(cfg && errors.empty()) << (errors.empty() ? "" : errors.messages().front());
    providers_.add(std::make_unique<outbound::ProviderClient>(std::move(*cfg),
                                                              io_.ioc().get_executor(), metrics_));
  }
  std::string sim_url(std::string_view path) const { return simulator_.url(path); }

  Answer request(std::string method, std::string url, std::string body = {},
                 std::string token = "t0ken") {
    outbound::HttpRequest r{.method = std::move(method),
                            .url = std::move(url),
                            .headers = {{"Content-Type", "application/json"}},
                            .body = std::move(body)};
    if (!token.empty()) r.headers.emplace_back("Authorization", "Bearer " + token);
    auto f = client_.async_request(std::move(r), outbound::RequestOptions{}, asio::use_future);
    outbound::HttpResponse res = f.get().value();
    Answer a{res.status, nullptr, res.body, res.header("Content-Type").value_or("")};
    boost::system::error_code ec;
    json::value v = json::parse(res.body, ec);
    if (!ec) a.body = std::move(v);
    return a;
  }
  Answer api(std::string method, std::string path, std::string body = {},
             std::string token = "t0ken") {
    return request(std::move(method), gateway_->url("/api/v1/outreach" + path), std::move(body),
                   std::move(token));
  }
  // POSTs a record; its id.
  std::string create(const std::string& collection, const std::string& body) {
    Answer a = api("POST", "/" + collection, body);
    EXPECT_EQ(a.status, 201) << a.raw;
    return a.body.is_object() ? std::string(a.body.at("id").as_string()) : "";
  }
  json::array journal(std::string route) {
    return request("GET", sim_url("/_mock/requests?route=" + route), "", "")
        .body.at("requests")
        .as_array();
  }

  // A user with `credits`, an application, a contact, a mailbox and a draft to that contact.
  std::string draft_outreach(int credits = 5) {
    user_ = create("users", R"({"email":"Seeker@Example.com","subscription_tier":"pro",
                                "credits_remaining":)" +
                                std::to_string(credits) + "}");
    application_ =
        create("applications",
               R"({"user_id":")" + user_ + R"(","job_title":"Staff Engineer","company":"Acme"})");
    contact_ = create("contacts", R"({"email":"ada@acme.com","first_name":"Ada",
                                      "last_name":"Lovelace","title":"VP Engineering"})");
    create("mailboxes", R"({"address":"me@rf-send-01.com"})");
    return create("outreach", R"({"application_id":")" + application_ + R"(","contact_id":")" +
                                  contact_ + R"(","from_mailbox":"me@rf-send-01.com",
                                  "subject":"Advice?","body":"Hi Ada, ..."})");
  }

  mock::Simulator sim_;
  outbound::testing::LocalServer simulator_{sim_.handler()};
  outbound::testing::IoThread io_;
  outbound::HttpClient client_{io_.ioc().get_executor()};
  asio::thread_pool pool_{1};
  std::optional<admin::AdminApi> admin_;
  std::optional<outbound::testing::LocalServer> gateway_;
  std::string user_, application_, contact_;
};

TEST_F(OutreachApiTest, CreatesAndReadsEveryRecord) {
  std::string id = draft_outreach();
  EXPECT_TRUE(user_.starts_with("usr_"));
  Answer u = api("GET", "/users/" + user_);
  ASSERT_EQ(u.status, 200) << u.raw;
  EXPECT_EQ(u.body.at("email"), "seeker@example.com");  // lower-cased
  EXPECT_EQ(u.body.at("subscription_tier"), "pro");
  EXPECT_EQ(u.body.at("credits_remaining"), 5);
  EXPECT_EQ(u.body.at("stripe_customer_id"), nullptr);
  Answer a = api("GET", "/applications/" + application_);
  EXPECT_EQ(a.body.at("status"), "applied");
  EXPECT_EQ(a.body.at("company"), "Acme");
  Answer c = api("GET", "/contacts/" + contact_);
  EXPECT_EQ(c.body.at("domain"), "acme.com");  // from the address
  EXPECT_EQ(c.body.at("opted_out"), false);
  Answer o = api("GET", "/outreach/" + id);
  EXPECT_EQ(o.body.at("status"), "draft");
  EXPECT_EQ(o.body.at("body"), "Hi Ada, ...");
  EXPECT_EQ(o.body.at("sequence_step"), 1);
  // Read beside the store: it is committed.
  EXPECT_EQ(value("SELECT health FROM outreach_mailboxes WHERE address = 'me@rf-send-01.com'"),
            "100");
  // A new free user gets the free plan's credits.
  std::string free_user = create("users", R"({"email":"free@example.com"})");
  EXPECT_EQ(api("GET", "/users/" + free_user).body.at("credits_remaining"), 0);
}

TEST_F(OutreachApiTest, AnswersClearJsonErrors) {
  draft_outreach();
  Answer missing = api("GET", "/contacts/con_nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body.at("reason"), "not_found");
  Answer bad = api("POST", "/applications", R"({"user_id":")" + user_ + R"(","company":"X"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(std::string(bad.body.at("error").as_string()).find("job_title"), std::string::npos)
      << bad.raw;
  Answer unknown_field = api("POST", "/mailboxes", R"({"address":"a@b.c","colour":"red"})");
  EXPECT_EQ(unknown_field.status, 400);
  EXPECT_NE(unknown_field.raw.find("colour"), std::string::npos) << unknown_field.raw;
  Answer dup = api("POST", "/users", R"({"email":"seeker@example.com"})");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.body.at("reason"), "exists");
  Answer orphan =
      api("POST", "/applications", R"({"user_id":"usr_nope","job_title":"T","company":"C"})");
  EXPECT_EQ(orphan.status, 400);
  EXPECT_EQ(orphan.body.at("error"), "user_id: no such user");
  EXPECT_EQ(api("POST", "/users", "[1]").status, 400);
  EXPECT_EQ(api("POST", "/users", R"({"email":"not-an-address"})").status, 400);
  EXPECT_EQ(api("DELETE", "/users/" + user_).status, 405);
  EXPECT_EQ(api("GET", "/nothing").status, 404);
  EXPECT_EQ(api("GET", "/users/" + user_, "", "").status, 401);
  EXPECT_EQ(api("GET", "/users/" + user_, "", "wrong").status, 401);
}

TEST_F(OutreachApiTest, SendsADraftThroughSendGridTaggedWithItsIdAndTakesOneCredit) {
  std::string id = draft_outreach(2);
  Answer sent = api("POST", "/outreach/" + id + "/send");
  ASSERT_EQ(sent.status, 200) << sent.raw;
  EXPECT_EQ(sent.body.at("status"), "sent");
  EXPECT_FALSE(sent.body.at("sendgrid_message_id").as_string().empty());
  EXPECT_TRUE(sent.body.at("sent_at").is_int64());
  EXPECT_EQ(api("GET", "/users/" + user_).body.at("credits_remaining"), 1);
  EXPECT_TRUE(api("GET", "/contacts/" + contact_).body.at("last_contacted_at").is_int64());

  json::array mails = journal("/v3/mail/send");
  ASSERT_EQ(mails.size(), 1u);
  json::value mail = json::parse(mails[0].at("body").as_string());
  EXPECT_EQ(mail.at("custom_args").at("outreach_id").as_string(), id);
  EXPECT_EQ(mail.at("from").at("email"), "me@rf-send-01.com");
  EXPECT_EQ(mail.at("personalizations").at(0).at("to").at(0).at("email"), "ada@acme.com");
  EXPECT_EQ(mail.at("subject"), "Advice?");

  // Sent once: a second send is refused, and nothing more is charged or sent.
  Answer again = api("POST", "/outreach/" + id + "/send");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.body.at("reason"), "not_a_draft");
  EXPECT_EQ(api("GET", "/users/" + user_).body.at("credits_remaining"), 1);
  EXPECT_EQ(journal("/v3/mail/send").size(), 1u);

  // SendGrid's events find it by the id it carried.
  json::object delivered{
      {"event", "delivered"}, {"timestamp", kT0 / 1000}, {"outreach_id", id}, {"email", "x"}};
  EXPECT_EQ(deliver("sendgrid", "sg-d1", "delivered", json::serialize(delivered)), "done");
  EXPECT_EQ(api("GET", "/outreach/" + id).body.at("status"), "delivered");
}

TEST_F(OutreachApiTest, RefusesOptedOutOrSuppressedContactsAndUsersWithoutCredits) {
  std::string id = draft_outreach(1);
  exec("UPDATE outreach_contacts SET opted_out = 1");
  Answer opted = api("POST", "/outreach/" + id + "/send");
  EXPECT_EQ(opted.status, 409);
  EXPECT_EQ(opted.body.at("reason"), "contact_opted_out");
  exec("UPDATE outreach_contacts SET opted_out = 0, suppressed = 1");
  Answer suppressed = api("POST", "/outreach/" + id + "/send");
  EXPECT_EQ(suppressed.status, 409);
  EXPECT_EQ(suppressed.body.at("reason"), "contact_suppressed");
  exec(
      "UPDATE outreach_contacts SET suppressed = 0; UPDATE outreach_users SET "
      "credits_remaining = 0");
  Answer broke = api("POST", "/outreach/" + id + "/send");
  EXPECT_EQ(broke.status, 402);
  EXPECT_EQ(broke.body.at("reason"), "no_credits");
  EXPECT_EQ(journal("/v3/mail/send").size(), 0u);
  EXPECT_EQ(api("GET", "/outreach/" + id).body.at("status"), "draft");
  for (const char* reason : {"contact_opted_out", "contact_suppressed", "no_credits"}) {
    EXPECT_EQ(counter("wharf_outreach_sends_total", {{"outcome", reason}}), 1u) << reason;
  }
  EXPECT_EQ(api("POST", "/outreach/out_nope/send").status, 404);
}

TEST_F(OutreachApiTest, AFailedSendGivesTheCreditBackAndStaysADraft) {
  std::string id = draft_outreach(1);
  request("POST", sim_url("/_mock/faults"), R"({"route": "POST /v3/mail/send", "status": 503})",
          "");
  Answer failed = api("POST", "/outreach/" + id + "/send");
  EXPECT_EQ(failed.status, 502) << failed.raw;
  EXPECT_EQ(failed.body.at("provider"), "sendgrid");
  EXPECT_EQ(failed.body.at("upstream_status"), 503);
  EXPECT_EQ(api("GET", "/users/" + user_).body.at("credits_remaining"), 1);
  EXPECT_EQ(api("GET", "/outreach/" + id).body.at("status"), "draft");
  // Once SendGrid is back, the same draft goes.
  request("DELETE", sim_url("/_mock/faults"), "", "");
  EXPECT_EQ(api("POST", "/outreach/" + id + "/send").status, 200);
  EXPECT_EQ(counter("wharf_outreach_sends_total", {{"outcome", "failed"}}), 1u);
  EXPECT_EQ(counter("wharf_outreach_sends_total", {{"outcome", "sent"}}), 1u);
}

TEST_F(OutreachApiTest, DraftsWithTheSeedsPromptWholeOrStreamed) {
  draft_outreach();
  std::string body = R"({"application_id":")" + application_ + R"(","contact_id":")" + contact_ +
                     R"(","user":{"current_role":"Senior Engineer","years_exp":8,
                        "top_metric":"cut p99 latency by 40%"}})";
  Answer whole = api("POST", "/drafts", body);
  ASSERT_EQ(whole.status, 200) << whole.raw;
  EXPECT_FALSE(whole.body.at("draft").as_string().empty());
  json::array calls = journal("/v1/messages");
  ASSERT_EQ(calls.size(), 1u);
  json::value sent = json::parse(calls[0].at("body").as_string());
  EXPECT_EQ(sent.at("model"), "claude-3-5-sonnet-20241022");
  EXPECT_EQ(sent.at("max_tokens"), 500);
  std::string prompt(sent.at("messages").at(0).at("content").as_string());
  EXPECT_NE(prompt.find("User: Senior Engineer, 8 years\nJob: Staff Engineer at Acme\n"
                        "Contact: Ada Lovelace (VP Engineering)"),
            std::string::npos)
      << prompt;
  EXPECT_NE(prompt.find("Include the user's key metric: cut p99 latency by 40%"),
            std::string::npos);

  std::string streamed_body = body;
  streamed_body.insert(1, R"("stream":true,)");
  Answer streamed = api("POST", "/drafts", streamed_body);
  ASSERT_EQ(streamed.status, 200) << streamed.raw;
  EXPECT_EQ(streamed.content_type, "text/event-stream");
  EXPECT_NE(streamed.raw.find("content_block_delta"), std::string::npos);
  EXPECT_NE(streamed.raw.find("message_stop"), std::string::npos);

  Answer no_user =
      api("POST", "/drafts",
          R"({"application_id":")" + application_ + R"(","contact_id":")" + contact_ + R"("})");
  EXPECT_EQ(no_user.status, 400);
  EXPECT_NE(no_user.raw.find("user"), std::string::npos);
  Answer unknown = api(
      "POST", "/drafts",
      R"({"application_id":"app_nope","contact_id":")" + contact_ + R"(","user":{"current_role":"x",
                                              "years_exp":1,"top_metric":"y"}})");
  EXPECT_EQ(unknown.status, 404);
}

TEST_F(OutreachApiTest, SearchesPeopleAtApolloByDomainAndTitles) {
  Answer found = api("POST", "/contacts/search",
                     R"({"domain":"acme.com","titles":["VP Engineering","CTO"],"per_page":3})");
  ASSERT_EQ(found.status, 200) << found.raw;
  ASSERT_EQ(found.body.at("people").as_array().size(), 3u);
  EXPECT_EQ(found.body.at("people").at(0).at("title"), "VP Engineering");
  EXPECT_EQ(found.body.at("people").at(0).at("email_locked"), true);  // Apollo's placeholder
  json::array calls = journal("/v1/mixed_people/search");
  ASSERT_EQ(calls.size(), 1u);
  json::value sent = json::parse(calls[0].at("body").as_string());
  EXPECT_EQ(sent.at("q_organization_domains"), "acme.com");
  EXPECT_EQ(sent.at("person_titles").as_array().size(), 2u);
  EXPECT_EQ(api("POST", "/contacts/search", R"({"domain":"acme.com"})").status, 400);
}

TEST_F(OutreachApiTest, EnrichmentStoresOnlyTheAddressesNeverBounceFindsValid) {
  draft_outreach();  // contact ada@acme.com exists, unverified
  // Apollo with unlocked addresses: one known, one new, one NeverBounce refuses, one locked.
  json::array people;
  auto person = [&](std::string name, std::string email) {
    people.push_back(
        json::object{{"id", "p" + std::to_string(people.size())},
                     {"name", name},
                     {"title", "Engineering Manager"},
                     {"email", email},
                     {"organization", {{"name", "Acme"}, {"primary_domain", "acme.com"}}}});
  };
  person("Ada Lovelace", "ada@acme.com");
  person("Grace Hopper", "Grace@Acme.com");
  person("Bob Invalid", "invalid.bob@acme.com");
  person("Alan Turing", "email_not_unlocked@domain.com");
  json::object answer{
      {"people", people},
      {"pagination", {{"page", 1}, {"per_page", 10}, {"total_entries", 4}, {"total_pages", 1}}}};
  json::object rule{{"route", "POST /v1/mixed_people/search"},
                    {"status", 200},
                    {"body", json::serialize(answer)}};
  request("POST", sim_url("/_mock/faults"), json::serialize(rule), "");

  Answer r = api("POST", "/applications/" + application_ + "/enrich",
                 R"({"domain":"acme.com","titles":["Engineering Manager"]})");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("found"), 4);
  EXPECT_EQ(r.body.at("email_locked"), 1);
  EXPECT_EQ(r.body.at("rejected"), 1);
  ASSERT_EQ(r.body.at("contacts").as_array().size(), 2u);
  EXPECT_EQ(column("SELECT email || ':' || verified || ':' || title FROM outreach_contacts "
                   "ORDER BY email"),
            (std::vector<std::string>{"ada@acme.com:1:Engineering Manager",
                                      "grace@acme.com:1:Engineering Manager"}));
  EXPECT_EQ(r.body.at("contacts").at(0).at("id").as_string(), contact_);  // updated, not a copy
  json::array jobs = journal("/v4/jobs/create");
  ASSERT_EQ(jobs.size(), 1u);
  std::string job(jobs[0].at("body").as_string());
  EXPECT_NE(job.find("invalid.bob@acme.com"), std::string::npos);
  EXPECT_EQ(job.find("email_not_unlocked"), std::string::npos);  // never sent to be verified

  EXPECT_EQ(
      api("POST", "/applications/app_nope/enrich", R"({"domain":"a.com","titles":["x"]})").status,
      404);
}

TEST_F(OutreachApiTest, SubscribesAUserThroughStripeCreatingTheCustomerOnce) {
  draft_outreach();
  Answer sub = api("POST", "/users/" + user_ + "/subscription", R"({"price":"price_pro_monthly"})");
  ASSERT_EQ(sub.status, 200) << sub.raw;
  EXPECT_TRUE(sub.body.at("subscription_id").as_string().starts_with("sub_"));
  EXPECT_EQ(sub.body.at("status"), "incomplete");
  EXPECT_TRUE(sub.body.at("client_secret").is_string());
  std::string customer(sub.body.at("customer").as_string());
  EXPECT_TRUE(customer.starts_with("cus_"));
  EXPECT_EQ(api("GET", "/users/" + user_).body.at("stripe_customer_id").as_string(), customer);
  json::array customers = journal("/v1/customers");
  ASSERT_EQ(customers.size(), 1u);
  EXPECT_NE(std::string(customers[0].at("body").as_string()).find("metadata%5Buser_id%5D=" + user_),
            std::string::npos);

  // Its webhook finds the user by the customer recorded here, and sets the plan.
  json::object item{{"price", json::object{{"id", "price_pro_monthly"}}}};
  json::object object{{"id", sub.body.at("subscription_id")},
                      {"object", "subscription"},
                      {"customer", customer},
                      {"items", json::object{{"data", json::array{item}}}}};
  json::object event{{"id", "evt_sub"},
                     {"type", "customer.subscription.created"},
                     {"created", kT0 / 1000},
                     {"data", {{"object", object}}}};
  EXPECT_EQ(deliver("stripe", "evt_sub", "customer.subscription.created", json::serialize(event)),
            "done");
  Answer upgraded = api("GET", "/users/" + user_);
  EXPECT_EQ(upgraded.body.at("subscription_tier"), "pro");
  EXPECT_EQ(upgraded.body.at("credits_remaining"), 500);

  Answer again =
      api("POST", "/users/" + user_ + "/subscription", R"({"price":"price_teams_monthly"})");
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body.at("customer").as_string(), customer);
  EXPECT_EQ(journal("/v1/customers").size(), 1u);

  Answer unknown = api("POST", "/users/" + user_ + "/subscription", R"({"price":"price_nope"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.body.at("reason"), "unknown_price");
  EXPECT_EQ(api("POST", "/users/usr_nope/subscription", R"({"price":"price_pro_monthly"})").status,
            404);
}

TEST_F(OutreachApiTest, ListsTheOutboxAndSendsADeadMessageAgain) {
  exec(R"sql(
INSERT INTO outreach_outbox(id, dedup_key, provider, action, payload, status, attempts,
                            next_attempt_at, last_error, created_at)
VALUES (1, 'evt_a:spam_alert', 'slack', 'chat_post_message', '{}', 'dead', 6, 0,
        'gave up after 6 attempts: slack answered HTTP 503', 5),
       (2, 'evt_b:welcome', 'sendgrid', 'mail_send', '{}', 'pending', 0, 0, NULL, 6);
)sql");
  Answer all = api("GET", "/outbox");
  ASSERT_EQ(all.status, 200) << all.raw;
  ASSERT_EQ(all.body.at("messages").as_array().size(), 2u);
  EXPECT_EQ(all.body.at("messages").at(0).at("id"), 2);  // newest first
  Answer dead = api("GET", "/outbox?status=dead");
  ASSERT_EQ(dead.body.at("messages").as_array().size(), 1u);
  EXPECT_EQ(dead.body.at("messages").at(0).at("last_error"),
            "gave up after 6 attempts: slack answered HTTP 503");
  EXPECT_EQ(api("GET", "/outbox?status=lost").status, 400);
  EXPECT_EQ(api("GET", "/outbox?colour=red").status, 400);

  Answer retried = api("POST", "/outbox/1/retry");
  ASSERT_EQ(retried.status, 200) << retried.raw;
  EXPECT_EQ(retried.body.at("status"), "pending");
  EXPECT_EQ(retried.body.at("attempts"), 0);
  EXPECT_EQ(value("SELECT status || ',' || attempts FROM outreach_outbox WHERE id = 1"),
            "pending,0");
  EXPECT_TRUE(app_.context().outbox.take());  // the sender is told at once
  Answer again = api("POST", "/outbox/1/retry");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.body.at("reason"), "not_dead");
  EXPECT_EQ(api("POST", "/outbox/99/retry").status, 404);
  EXPECT_EQ(api("POST", "/outbox/x1/retry").status, 404);
  EXPECT_EQ(api("GET", "/outbox/1/retry").status, 405);
}

}  // namespace
}  // namespace wharf::outreach::testing
