// The inbox on a private io_context with a fake Store: what each outcome of verification,
// parsing and the commit turns into on the wire.
#include "inbound/inbox.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <map>

#include "auth/wrapped_key_store.h"
#include "core/crypto.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "observe/metrics.h"

namespace wharf::inbound {
namespace {

// An in-memory Store that dedups like the real one, and fails every commit on demand.
class FakeStore final : public store::Store {
 public:
  void submit(std::vector<store::NewEvent> events, store::IngestHandler done) override {
    ++submissions;
    if (fail) {
      std::move(done)(make_error(Errc::kUnavailable, "disk full"));
      return;
    }
    std::vector<store::IngestOutcome> out;
    for (auto& e : events) {
      auto key = e.source + "\n" + e.provider_event_id;
      auto [it, inserted] = by_key.try_emplace(key, format_event_id(++next_id));
      if (inserted) stored.push_back(e);
      out.push_back({it->second, !inserted});
    }
    std::move(done)(std::move(out));
  }
  Result<store::EventPage> list_events(const store::EventFilter&) override {
    return store::EventPage{};
  }
  Result<std::optional<store::EventDetail>> get_event(std::string_view) override {
    return std::optional<store::EventDetail>();
  }
  Result<void> ping() override { return {}; }
  void close() override {}
  auth::WrappedKeyStore& vault_keys() override { return vault_keys_; }
  store::ConnectionStore& connections() override { return connections_; }
  // The inbox never touches the delivery queue.
  void claim(std::string, int, std::int64_t, std::int64_t,
             std::function<void(Result<store::ClaimResult>)>) override {}
  void complete(std::vector<store::DeliveryResult>, std::function<void(Result<void>)>) override {}
  void run_handler(store::HandlerRun,
                   std::function<void(Result<store::HandlerRunResult>)>) override {}
  Result<store::ReplaySelection> select_for_replay(const store::ReplayFilter&) override {
    return store::ReplaySelection{};
  }
  void replay(store::ReplaySelection, std::function<void(Result<store::ReplayResult>)>) override {}
  void transact(std::function<Result<void>(store::Transaction&)>,
                std::function<void(Result<void>)>) override {}
  void set_target_disabled(std::string, std::optional<std::string>, std::int64_t,
                           std::function<void(Result<void>)>) override {}
  Result<std::vector<store::TargetState>> disabled_targets() override { return {}; }
  Result<std::vector<store::QueueDepth>> queue_depth() override { return {}; }
  Result<std::vector<std::string>> waiting_targets() override { return {}; }

  bool fail = false;
  int submissions = 0;
  std::uint64_t next_id = 0;
  std::map<std::string, std::string> by_key;
  std::vector<store::NewEvent> stored;
  auth::InMemoryWrappedKeyStore vault_keys_;
  store::InMemoryConnectionStore connections_;
};

class InboxTest : public ::testing::Test {
 protected:
  InboxTest() : errors_("test.yaml") {
    env_ = process_env();
    YAML::Node node = YAML::Load("{verifier: github, secret: s3cret}");
    ConfigNode cfg(node, "sources.gh", &errors_, &env_);
    std::vector<Source> sources;
    sources.push_back(Source{"gh", "github", make_verifier("github", cfg)});
    inbox_ = std::make_unique<Inbox>(std::move(sources), store_, clock_, metrics_);
  }

  http::Response call(http::Request req, std::string_view source) {
    boost::asio::io_context ioc;
    auto fut = boost::asio::co_spawn(
        ioc,
        [&]() -> boost::asio::awaitable<http::Response> {
          http::Response r = co_await inbox_->handle(req, source);
          co_return r;
        },
        boost::asio::use_future);
    ioc.run();
    return fut.get();
  }

  static http::Request signed_post(const std::string& delivery, const std::string& body,
                                   const std::string& secret = "s3cret") {
    http::Request req{http::Verb::post, "/webhooks/gh", 11};
    req.set("Content-Type", "application/json");
    req.set("X-GitHub-Event", "issues");
    req.set("X-GitHub-Delivery", delivery);
    req.set("X-Hub-Signature-256",
            "sha256=" + encoding::hex_encode(crypto::hmac(crypto::Digest::kSha256, secret, body)));
    req.body() = body;
    return req;
  }

  static boost::json::object json(const http::Response& r) {
    return boost::json::parse(r.body()).as_object();
  }

  ConfigErrors errors_;
  EnvLookup env_;
  FakeClock clock_;
  observe::Registry metrics_;
  FakeStore store_;
  std::unique_ptr<Inbox> inbox_;
};

TEST_F(InboxTest, StoredEventIsAckedWithItsId) {
  auto r = call(signed_post("d-1", R"({"action":"opened"})"), "gh");
  ASSERT_EQ(r.result(), http::Status::ok) << r.body();
  EXPECT_EQ(json(r).at("status"), "ok");
  EXPECT_EQ(json(r).at("id").as_string(), store_.by_key.begin()->second);
  ASSERT_EQ(store_.stored.size(), 1u);
  EXPECT_EQ(store_.stored[0].type, "issues.opened");
  EXPECT_EQ(store_.stored[0].provider_event_id, "d-1");
  EXPECT_EQ(store_.stored[0].received_at_ms, clock_.now_ms());
}

TEST_F(InboxTest, RepeatIsADuplicateWithTheFirstId) {
  auto first = call(signed_post("d-1", R"({"action":"opened"})"), "gh");
  auto again = call(signed_post("d-1", R"({"action":"opened"})"), "gh");
  ASSERT_EQ(again.result(), http::Status::ok);
  EXPECT_EQ(json(again).at("status"), "duplicate");
  EXPECT_EQ(json(again).at("id"), json(first).at("id"));
  EXPECT_EQ(store_.stored.size(), 1u);
}

TEST_F(InboxTest, FailedCommitIs503WithRetryAfterAndNeverA200) {
  store_.fail = true;
  auto r = call(signed_post("d-1", R"({"action":"opened"})"), "gh");
  EXPECT_EQ(r.result(), http::Status::service_unavailable);
  EXPECT_EQ(r["Retry-After"], "5");
  EXPECT_TRUE(json(r).at("error").is_string());
  EXPECT_TRUE(store_.stored.empty());
  EXPECT_NE(metrics_.expose().find(
                "wharf_webhook_requests_total{source=\"gh\",outcome=\"unavailable\"} 1"),
            std::string::npos);
}

TEST_F(InboxTest, BadSignatureIs401AndNothingReachesTheStore) {
  auto r = call(signed_post("d-1", R"({"action":"opened"})", "wrong"), "gh");
  EXPECT_EQ(r.result(), http::Status::unauthorized);
  EXPECT_TRUE(json(r).at("error").is_string());
  EXPECT_EQ(store_.submissions, 0);
  EXPECT_NE(metrics_.expose().find("wharf_webhook_verification_failures_total{source=\"gh\","
                                   "reason=\"mismatch\"} 1"),
            std::string::npos);
}

TEST_F(InboxTest, SignedButMalformedBodyIs400) {
  auto r = call(signed_post("d-1", "{not json"), "gh");
  EXPECT_EQ(r.result(), http::Status::bad_request);
  EXPECT_TRUE(json(r).at("error").is_string());
  EXPECT_EQ(store_.submissions, 0);
}

TEST_F(InboxTest, UnknownSourceIs404AndWrongMethodIs405WithAllow) {
  auto unknown = call(signed_post("d-1", "{}"), "nope");
  EXPECT_EQ(unknown.result(), http::Status::not_found);
  http::Request get{http::Verb::get, "/webhooks/gh", 11};
  auto r = call(get, "gh");
  EXPECT_EQ(r.result(), http::Status::method_not_allowed);
  EXPECT_EQ(r["Allow"], "POST");
  EXPECT_TRUE(json(r).at("error").is_string());
}

}  // namespace
}  // namespace wharf::inbound
