// The connection service against a scripted authorization server on a real loopback socket, the
// real SQLite store and the real vault: the authorization code flow with PKCE and state, shared
// refreshes with refresh-token rotation, refresh failures, revocation and key rotation.
// (tests/integration/oauth.test.mjs runs the same against oidc-provider.)
#include "oauth/connection_service.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <future>
#include <mutex>

#include "core/crypto.h"
#include "core/encoding.h"
#include "http/query.h"
#include "http/response.h"
#include "oauth/pkce.h"
#include "outbound/test_peers.h"
#include "store/store.h"
#include "support/test_dir.h"

namespace wharf::oauth {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using outbound::testing::IoThread;
using outbound::testing::LocalServer;
using namespace std::chrono_literals;

constexpr std::int64_t kT0 = 1'700'000'000'000;

std::string param(const http::QueryParams& params, std::string_view key) {
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  return {};
}

// A token endpoint and a revocation endpoint with rotation: every refresh consumes the refresh
// token it is given and issues the next one.
class AuthServer {
 public:
  AuthServer()
      : server_([this](http::Request& req) -> asio::awaitable<http::Response> {
          co_return co_await handle(req);
        }) {}

  std::string url(std::string_view path) const { return server_.url(path); }

  std::mutex mu;
  std::string expected_challenge;  // set by the test from the authorization URL
  std::string valid_refresh = "rt-1";
  int codes_exchanged = 0;
  int refreshes = 0;
  int refresh_attempts = 0;
  int access_counter = 0;
  std::string fail_refresh_with;  // "invalid_grant", "503", or empty
  int revocation_status = 200;
  std::vector<std::pair<std::string, std::string>> revoked;  // token, hint
  std::int64_t expires_in = 3600;

 private:
  asio::awaitable<http::Response> handle(http::Request& req) {
    auto form = http::parse_query(req.body()).value_or(http::QueryParams{});
    std::string target(req.target());
    if (target == "/revoke") {
      std::lock_guard lock(mu);
      revoked.emplace_back(param(form, "token"), param(form, "token_type_hint"));
      co_return http::json_response(static_cast<http::Status>(revocation_status), json::object{});
    }
    const std::string grant = param(form, "grant_type");
    if (grant == "refresh_token") {
      // Slow enough that concurrent callers overlap with this refresh.
      asio::steady_timer t(co_await asio::this_coro::executor, 100ms);
      co_await t.async_wait(asio::use_awaitable);
    }
    std::lock_guard lock(mu);
    if (std::string(req[boost::beast::http::field::authorization]) !=
        "Basic " + encoding::base64_encode("wharf-client:s3cret-client")) {
      co_return http::json_response(http::Status::unauthorized, {{"error", "invalid_client"}});
    }
    if (grant == "authorization_code") {
      if (param(form, "code") != "good-code" ||
          s256_code_challenge(param(form, "code_verifier")) != expected_challenge ||
          param(form, "redirect_uri") != "http://127.0.0.1:1/oauth/callback") {
        co_return http::json_response(http::Status::bad_request, {{"error", "invalid_grant"}});
      }
      ++codes_exchanged;
      co_return tokens();
    }
    if (grant == "refresh_token") {
      ++refresh_attempts;
      if (fail_refresh_with == "503") {
        co_return http::json_response(http::Status::service_unavailable, {{"x", 1}});
      }
      if (fail_refresh_with == "invalid_grant" || param(form, "refresh_token") != valid_refresh) {
        co_return http::json_response(
            http::Status::bad_request,
            {{"error", "invalid_grant"}, {"error_description", "refresh token is not valid"}});
      }
      ++refreshes;
      valid_refresh = "rt-" + std::to_string(refreshes + 1);
      co_return tokens();
    }
    co_return http::json_response(http::Status::bad_request, {{"error", "unsupported_grant_type"}});
  }
  http::Response tokens() {
    return http::json_response(http::Status::ok,
                               {{"access_token", "at-" + std::to_string(access_counter++)},
                                {"token_type", "Bearer"},
                                {"expires_in", expires_in},
                                {"refresh_token", valid_refresh},
                                {"scope", "mail.send calendar.read"}});
  }

  LocalServer server_;
};

CallbackParams callback(std::string state, std::string code, std::string error = {},
                        std::string description = {}) {
  CallbackParams p;
  p.state = std::move(state);
  p.code = std::move(code);
  p.error = std::move(error);
  p.error_description = std::move(description);
  return p;
}

outbound::CredentialsPolicy policy_of(outbound::CredentialType type, std::string client = {}) {
  outbound::CredentialsPolicy p;
  p.type = type;
  p.client = std::move(client);
  return p;
}

class ConnectionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::open_store(dir_.sqlite_url(), {});
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    masters_.emplace(auth::MasterKeySet::create({auth::MasterKey::generate()}).value());
    vault_ = auth::Vault::load(*masters_, store_->vault_keys()).value();
    Client client{"idp", ClientConfig{}};
    client.config.provider = "idp";
    client.config.authorization_endpoint = auth_.url("/authorize");
    client.config.token_endpoint = auth_.url("/token");
    client.config.revocation_endpoint = auth_.url("/revoke");
    client.config.client_id = "wharf-client";
    client.config.client_secret = "s3cret-client";
    client.config.scopes = {"mail.send", "calendar.read"};
    client.config.redirect_uri = "http://127.0.0.1:1/oauth/callback";
    ConnectionServiceOptions options;
    options.clock = &clock_;
    options.refresh_margin = 60s;
    options.max_refresh_failures = 2;
    service_.emplace(std::vector<Client>{client}, store_->connections(), *vault_, states_, lock_,
                     io_.ioc().get_executor(), pool_.get_executor(), metrics_, options);
  }
  void TearDown() override {
    service_.reset();
    pool_.join();
    store_->close();
  }

  template <class T, class F>
  T run(F f) {
    return asio::co_spawn(caller_.ioc(), std::move(f), asio::use_future).get();
  }

  // The connection `id` through the whole authorization code flow.
  store::ConnectionRecord connect(const std::string& id) {
    auto url = service_->authorization_redirect("idp", id, "");
    EXPECT_TRUE(url) << url.error().message;
    const std::string query = url->substr(url->find('?') + 1);
    auto params = http::parse_query(query).value();
    {
      std::lock_guard lock(auth_.mu);
      auth_.expected_challenge = param(params, "code_challenge");
    }
    CallbackResult r = complete(callback(param(params, "state"), "good-code"));
    EXPECT_TRUE(r) << (r ? "" : r.error().error.message);
    return r ? *r : store::ConnectionRecord{};
  }
  CallbackResult complete(CallbackParams p) {
    return run<CallbackResult>([&, p]() -> asio::awaitable<CallbackResult> {
      CallbackResult r = co_await service_->complete_authorization(p);
      co_return r;
    });
  }
  Result<std::string> secret(const std::string& id) {
    return run<Result<std::string>>([&, id]() -> asio::awaitable<Result<std::string>> {
      const outbound::ConnectionRequest request{"gmail", id, &policy_};
      Result<std::string> r = co_await service_->secret(request);
      co_return r;
    });
  }
  std::string stored_secret(const std::string& id, std::string_view column) {
    auto record = store_->connections().get(id).value().value();
    const std::string& envelope = column == "refresh_token"  ? record.refresh_token
                                  : column == "access_token" ? record.access_token
                                                             : record.api_key;
    return vault_->open(envelope, store::secret_context(id, column)).value();
  }

  wharf::testing::TestDir dir_{"wharf-connection-service"};
  FakeClock clock_{kT0};
  AuthServer auth_;
  std::unique_ptr<store::Store> store_;
  std::optional<auth::MasterKeySet> masters_;
  std::unique_ptr<auth::Vault> vault_;
  InMemoryStateStore states_;
  LocalLeaseLock lock_;
  observe::Registry metrics_;
  IoThread io_;
  IoThread caller_;
  asio::thread_pool pool_{2};
  std::optional<ConnectionService> service_;
  outbound::CredentialsPolicy policy_ = policy_of(outbound::CredentialType::kOAuth, "idp");
};

TEST_F(ConnectionServiceTest, TheCodeFlowUsesPkceAndStateAndStoresTheTokensSealed) {
  auto url = service_->authorization_redirect("idp", "alice", "");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_TRUE(url->starts_with(auth_.url("/authorize") + "?response_type=code&"));
  auto params = http::parse_query(url->substr(url->find('?') + 1)).value();
  EXPECT_EQ(param(params, "client_id"), "wharf-client");
  EXPECT_EQ(param(params, "redirect_uri"), "http://127.0.0.1:1/oauth/callback");
  EXPECT_EQ(param(params, "code_challenge_method"), "S256");
  EXPECT_EQ(param(params, "scope"), "mail.send calendar.read");
  EXPECT_GE(param(params, "state").size(), 43u);  // 32 CSPRNG bytes, base64url

  store::ConnectionRecord record = connect("alice");
  EXPECT_EQ(record.status, "connected");
  EXPECT_EQ(record.type, "oauth");
  EXPECT_EQ(record.provider, "idp");
  EXPECT_EQ(record.scopes, "mail.send calendar.read");
  EXPECT_EQ(record.expires_at_ms, kT0 + 3'600'000);
  EXPECT_TRUE(record.access_token.starts_with("v1:"));
  EXPECT_EQ(record.access_token.find("at-"), std::string::npos);
  EXPECT_EQ(stored_secret("alice", "access_token"), "at-0");
  EXPECT_EQ(stored_secret("alice", "refresh_token"), "rt-1");
  auto token = secret("alice");
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(*token, "at-0");
}

TEST_F(ConnectionServiceTest, AnExistingConnectionConnectsAgainOnlyWithItsConnectLink) {
  connect("alice");
  // Without the link nobody can put their own account in place of alice's.
  auto open_door = service_->authorization_redirect("idp", "alice", "");
  ASSERT_FALSE(open_door);
  EXPECT_EQ(open_door.error().code, Errc::kUnauthenticated);
  auto link = service_->issue_connect_link("alice");
  ASSERT_TRUE(link) << link.error().message;
  ASSERT_TRUE(link->url.starts_with("/connect/idp?connection_id=alice&connect_token="))
      << link->url;
  const std::string token = link->url.substr(link->url.find("connect_token=") + 14);
  EXPECT_FALSE(service_->authorization_redirect("idp", "alice", token + "x"));
  EXPECT_TRUE(service_->authorization_redirect("idp", "alice", token));
  // The database keeps a hash of the token, not the token.
  auto record = store_->connections().get("alice").value().value();
  EXPECT_EQ(record.connect_token_hash.find(token), std::string::npos);
  EXPECT_EQ(record.connect_token_hash.size(), 64u);
  clock_.advance_ms(24 * 3600 * 1000);
  EXPECT_FALSE(service_->authorization_redirect("idp", "alice", token));  // expired

  // A pending connection made for a user comes with its link.
  auto pending = service_->create_pending("bob", "idp");
  ASSERT_TRUE(pending) << pending.error().message;
  EXPECT_EQ(pending->record.status, "pending");
  EXPECT_FALSE(service_->authorization_redirect("idp", "bob", ""));
  const std::string bob_token =
      pending->link.url.substr(pending->link.url.find("connect_token=") + 14);
  EXPECT_TRUE(service_->authorization_redirect("idp", "bob", bob_token));
}

TEST_F(ConnectionServiceTest, AStateIsSingleUseAndAnUnknownOneIsRefused) {
  auto url = service_->authorization_redirect("idp", "alice", "");
  auto params = http::parse_query(url->substr(url->find('?') + 1)).value();
  {
    std::lock_guard lock(auth_.mu);
    auth_.expected_challenge = param(params, "code_challenge");
  }
  const std::string state = param(params, "state");
  ASSERT_TRUE(complete(callback(state, "good-code")));
  CallbackResult again = complete(callback(state, "good-code"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().http_status, 400);
  EXPECT_NE(again.error().error.message.find("unknown_state"), std::string::npos);
  CallbackResult forged = complete(callback("never-issued", "good-code"));
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().http_status, 400);
  CallbackResult missing = complete(callback("", "good-code"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(auth_.codes_exchanged, 1);
}

TEST_F(ConnectionServiceTest, TheServersRefusalsAreShownAndNothingIsStored) {
  auto url = service_->authorization_redirect("idp", "alice", "");
  auto params = http::parse_query(url->substr(url->find('?') + 1)).value();
  CallbackResult denied =
      complete(callback(param(params, "state"), "", "access_denied", "The user said no"));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().authorization_error, "access_denied");
  EXPECT_NE(denied.error().error.message.find("access_denied: The user said no"),
            std::string::npos);
  // A code the server refuses (here: a verifier that does not match) is invalid_grant.
  url = service_->authorization_redirect("idp", "alice", "");
  params = http::parse_query(url->substr(url->find('?') + 1)).value();
  CallbackResult refused = complete(callback(param(params, "state"), "good-code"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().http_status, 400);
  EXPECT_EQ(refused.error().authorization_error, "invalid_grant");
  EXPECT_FALSE(store_->connections().get("alice").value());
}

TEST_F(ConnectionServiceTest, FiftyCallersAtExpiryShareOneRefreshAndTheRotatedTokenIsStored) {
  connect("alice");
  clock_.advance_ms(3'600'000 - 30'000);  // within the 60 s margin
  std::vector<std::future<Result<std::string>>> calls;
  for (int i = 0; i < 50; ++i) {
    calls.push_back(asio::co_spawn(
        caller_.ioc(),
        [this]() -> asio::awaitable<Result<std::string>> {
          const outbound::ConnectionRequest request{"gmail", "alice", &policy_};
          Result<std::string> r = co_await service_->secret(request);
          co_return r;
        },
        asio::use_future));
  }
  for (auto& c : calls) {
    auto r = c.get();
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(*r, "at-1");
  }
  EXPECT_EQ(auth_.refreshes, 1);
  EXPECT_EQ(stored_secret("alice", "refresh_token"), "rt-2");
  EXPECT_EQ(stored_secret("alice", "access_token"), "at-1");
  auto record = store_->connections().get("alice").value().value();
  EXPECT_EQ(record.last_refresh_ms, clock_.now_ms());
  // A 401 on the old token finds the stored one newer and does not refresh again.
  auto renewed = run<Result<std::string>>([this]() -> asio::awaitable<Result<std::string>> {
    const outbound::ConnectionRequest request{"gmail", "alice", &policy_};
    const std::string rejected = "at-0";
    Result<std::string> r = co_await service_->renew(request, rejected);
    co_return r;
  });
  ASSERT_TRUE(renewed);
  EXPECT_EQ(*renewed, "at-1");
  EXPECT_EQ(auth_.refreshes, 1);
  // A 401 on the current one refreshes, with the rotated refresh token.
  renewed = run<Result<std::string>>([this]() -> asio::awaitable<Result<std::string>> {
    const outbound::ConnectionRequest request{"gmail", "alice", &policy_};
    const std::string rejected = "at-1";
    Result<std::string> r = co_await service_->renew(request, rejected);
    co_return r;
  });
  ASSERT_TRUE(renewed) << renewed.error().message;
  EXPECT_EQ(*renewed, "at-2");
  EXPECT_EQ(auth_.refreshes, 2);
  EXPECT_EQ(stored_secret("alice", "refresh_token"), "rt-3");
}

TEST_F(ConnectionServiceTest, RepeatedRefreshFailuresPutTheConnectionInError) {
  connect("alice");
  {
    std::lock_guard lock(auth_.mu);
    auth_.fail_refresh_with = "503";
  }
  clock_.advance_ms(3'600'000 + 1);  // expired
  auto first = secret("alice");
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, Errc::kUnavailable);
  auto record = store_->connections().get("alice").value().value();
  EXPECT_EQ(record.status, "connected");
  EXPECT_EQ(record.refresh_failures, 1);
  EXPECT_NE(record.last_error.find("HTTP 503"), std::string::npos) << record.last_error;
  ASSERT_FALSE(secret("alice"));
  record = store_->connections().get("alice").value().value();
  EXPECT_EQ(record.status, "error");
  auto refused = secret("alice");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kFailedPrecondition);
  // Once the server is back, a forced refresh revives the connection.
  {
    std::lock_guard lock(auth_.mu);
    auth_.fail_refresh_with.clear();
  }
  auto revived = run<Result<store::ConnectionRecord>>(
      [this]() -> asio::awaitable<Result<store::ConnectionRecord>> {
        const std::string id = "alice";
        Result<store::ConnectionRecord> r = co_await service_->refresh(id);
        co_return r;
      });
  ASSERT_TRUE(revived) << revived.error().message;
  EXPECT_EQ(revived->status, "connected");
  EXPECT_EQ(revived->refresh_failures, 0);
  EXPECT_TRUE(secret("alice"));
}

TEST_F(ConnectionServiceTest, AFailedRefreshKeepsTheValidTokenAndWaitsBeforeTryingAgain) {
  connect("alice");
  {
    std::lock_guard lock(auth_.mu);
    auth_.fail_refresh_with = "503";
  }
  clock_.advance_ms(3'600'000 - 30'000);  // within the margin, still valid
  auto first = secret("alice");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, "at-0");
  EXPECT_EQ(auth_.refresh_attempts, 1);
  for (int i = 0; i < 5; ++i) {
    auto again = secret("alice");
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, "at-0");
  }
  EXPECT_EQ(auth_.refresh_attempts, 1) << "no retry during the backoff";
  EXPECT_EQ(store_->connections().get("alice").value()->refresh_failures, 1);
  {
    std::lock_guard lock(auth_.mu);
    auth_.fail_refresh_with.clear();
  }
  clock_.advance_ms(10'000);
  auto later = secret("alice");
  ASSERT_TRUE(later);
  EXPECT_EQ(*later, "at-1");
  EXPECT_EQ(auth_.refresh_attempts, 2);
  EXPECT_EQ(store_->connections().get("alice").value()->refresh_failures, 0);
}

TEST_F(ConnectionServiceTest, InvalidGrantPutsTheConnectionInErrorAtOnce) {
  connect("alice");
  {
    std::lock_guard lock(auth_.mu);
    auth_.fail_refresh_with = "invalid_grant";
  }
  clock_.advance_ms(3'600'000);
  auto r = secret("alice");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kFailedPrecondition);
  auto record = store_->connections().get("alice").value().value();
  EXPECT_EQ(record.status, "error");
  EXPECT_NE(record.last_error.find("invalid_grant"), std::string::npos);
  EXPECT_EQ(record.last_error.find("rt-1"), std::string::npos);
}

TEST_F(ConnectionServiceTest, DisconnectRevokesTheRefreshTokenAndDeletesTheSecrets) {
  connect("alice");
  {
    std::lock_guard lock(auth_.mu);
    auth_.revocation_status = 503;
  }
  auto disconnect = [this](bool force) {
    return run<Result<DisconnectOutcome>>(
        [this, force]() -> asio::awaitable<Result<DisconnectOutcome>> {
          const std::string id = "alice";
          Result<DisconnectOutcome> r = co_await service_->disconnect(id, force);
          co_return r;
        });
  };
  auto failed = disconnect(false);
  ASSERT_TRUE(failed) << failed.error().message;
  EXPECT_TRUE(failed->refused);
  EXPECT_NE(failed->revocation_note.find("HTTP 503"), std::string::npos);
  EXPECT_EQ(store_->connections().get("alice").value()->status, "connected");
  {
    std::lock_guard lock(auth_.mu);
    auth_.revocation_status = 200;
    auth_.revoked.clear();
  }
  auto done = disconnect(false);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_TRUE(done->revoked_at_provider);
  ASSERT_GE(auth_.revoked.size(), 1u);
  EXPECT_EQ(auth_.revoked[0], (std::pair<std::string, std::string>{"rt-1", "refresh_token"}));
  auto record = store_->connections().get("alice").value().value();
  EXPECT_EQ(record.status, "revoked");
  EXPECT_TRUE(record.access_token.empty());
  EXPECT_TRUE(record.refresh_token.empty());
  auto after = secret("alice");
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, Errc::kFailedPrecondition);
}

TEST_F(ConnectionServiceTest, KeyRotationReencryptsEverySecretAndTheyStillOpen) {
  connect("alice");
  ASSERT_TRUE(service_->create_api_key("bob-apollo", "apollo", "users-apollo-key"));
  const std::string old_dek = vault_->current_data_key_id();
  auto report = service_->rotate_keys();
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->reencrypted, 3u);
  EXPECT_NE(report->data_key_id, old_dek);
  for (const auto& r : store_->connections().list().value()) {
    for (const std::string* e : {&r.access_token, &r.refresh_token, &r.api_key}) {
      if (!e->empty()) {
        EXPECT_TRUE(vault_->is_current(*e));
      }
    }
  }
  EXPECT_EQ(stored_secret("alice", "refresh_token"), "rt-1");
  EXPECT_EQ(stored_secret("bob-apollo", "api_key"), "users-apollo-key");
  outbound::CredentialsPolicy key_policy = policy_of(outbound::CredentialType::kApiKey);
  const outbound::ConnectionRequest apollo_request{"apollo", "bob-apollo", &key_policy};
  const outbound::ConnectionRequest stripe_request{"stripe", "bob-apollo", &key_policy};
  auto key = run<Result<std::string>>([&]() -> asio::awaitable<Result<std::string>> {
    Result<std::string> r = co_await service_->secret(apollo_request);
    co_return r;
  });
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(*key, "users-apollo-key");
  // The key serves its own provider only.
  auto wrong = run<Result<std::string>>([&]() -> asio::awaitable<Result<std::string>> {
    Result<std::string> r = co_await service_->secret(stripe_request);
    co_return r;
  });
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, Errc::kFailedPrecondition);
}

}  // namespace
}  // namespace wharf::oauth
