#include "gateway/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace wharf::gateway {
namespace {

const dispatch::HandlerRegistry& handlers() {
  static const dispatch::HandlerRegistry registry = make_handler_registry();
  return registry;
}

std::string write_temp(const std::string& text) {
  static int n = 0;
  auto p = std::filesystem::temp_directory_path() /
           ("wharf-config-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".yaml");
  std::ofstream(p) << text;
  return p.string();
}

EnvLookup env_with(std::map<std::string, std::string> vars) {
  return [vars](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// Loads `yaml` expecting it to be refused; returns every error, one per line.
std::string refusal_of(const std::string& yaml) {
  auto path = write_temp(yaml);
  ConfigErrors errors(path);
  auto env = env_with({});
  EXPECT_FALSE(load_config(path, errors, env, handlers()));
  std::string all;
  for (auto& m : errors.messages()) all += m + "\n";
  return all;
}

std::size_t count_lines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

TEST(GatewayConfig, LoadsAValidConfig) {
  auto path = write_temp(R"(server:
  listen: "127.0.0.1:0"
  admin_token: ${TOKEN}
storage: { url: "sqlite://./x.db" }
sources:
  stripe: { verifier: stripe, secret: "whsec_abc", tolerance: 60s }
  gh: { verifier: github, secret: [old, new] }
)");
  ConfigErrors errors(path);
  auto env = env_with({{"TOKEN", "0123456789abcdef"}});
  auto cfg = load_config(path, errors, env, handlers());
  ASSERT_TRUE(cfg) << (errors.messages().empty() ? "" : errors.messages()[0]);
  EXPECT_EQ(cfg->server.port, 0);
  EXPECT_EQ(cfg->admin_tokens, (std::vector<std::string>{"0123456789abcdef"}));
  ASSERT_EQ(cfg->sources.size(), 2u);
  EXPECT_EQ(cfg->sources[0].name, "stripe");
  EXPECT_EQ(cfg->sources[1].verifier_name, "github");
}

TEST(GatewayConfig, ReportsEveryErrorWithItsLine) {
  std::string all = refusal_of(R"(server:
  listen: "nowhere"
  max_body_bytes: lots
storage: { url: "mysql://x" }
sources:
  "Bad Name": { verifier: stripe, secret: x }
  s2: { verifier: nosuch }
  s3: { verifier: standard, secret: "not-whsec" }
bogus: 1
)");
  EXPECT_NE(all.find(":2: server.listen:"), std::string::npos) << all;
  EXPECT_NE(all.find(":3: server.max_body_bytes:"), std::string::npos) << all;
  EXPECT_NE(all.find(":4: storage.url:"), std::string::npos) << all;
  EXPECT_NE(all.find("sources.Bad Name"), std::string::npos) << all;
  EXPECT_NE(all.find(":7: sources.s2.verifier: unknown verifier 'nosuch'"), std::string::npos)
      << all;
  EXPECT_NE(all.find("sources.s3"), std::string::npos) << all;
  EXPECT_NE(all.find(":9: bogus: unknown key"), std::string::npos) << all;
}

TEST(GatewayConfig, ValidatesDestinationsRoutesAndRetryScheduleWithLines) {
  std::string all = refusal_of(R"(sources:
  stripe: { verifier: stripe, secret: "whsec_abc" }
destinations:
  app: { url: "http://127.0.0.1:9000/hooks" }
routes:
  - match: { source: stripe, types: ["invoice.*"] }
    to: [ { handler: wharf.noop }, { forward: app } ]
  - match: { source: "*" }
    to: [ { forward: nowhere } ]
dispatch:
  retry_schedule: [5s, soon]
  jitter: most
)");
  EXPECT_NE(all.find(":4: destinations.app: needs `secret`"), std::string::npos) << all;
  EXPECT_NE(all.find(":9:"), std::string::npos) << all;  // the unknown destination
  EXPECT_NE(all.find("unknown destination 'nowhere'"), std::string::npos) << all;
  EXPECT_NE(all.find(":11: dispatch.retry_schedule[1]"), std::string::npos) << all;
  EXPECT_NE(all.find(":12: dispatch.jitter"), std::string::npos) << all;
  EXPECT_EQ(count_lines(all), 4u) << all;
}

TEST(GatewayConfig, RoutesMayNameOnlyRegisteredHandlers) {
  std::string all = refusal_of(R"(routes:
  - match: { source: stripe }
    to: [ { handler: outreach.billing } ]
)");
  EXPECT_NE(all.find("no built-in handler named `outreach.billing`"), std::string::npos) << all;
  EXPECT_NE(all.find("wharf.noop"), std::string::npos) << all;  // what the build has
}

TEST(GatewayConfig, LoadsDestinationsRoutesAndDispatchSettings) {
  auto path = write_temp(R"(destinations:
  app:
    url: "http://127.0.0.1:9000/hooks"
    secret: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_c2Vjb25k"]
    timeout: 2s
    max_in_flight: 4
    breaker: { failure_rate: 25%, window: 10, min_calls: 5, open_for: 10s }
    headers: { X-Env: prod }
routes:
  - match: { source: stripe, types: ["invoice.*"] }
    to: [ { handler: wharf.noop }, { forward: app } ]
    retry_schedule: [1s, 2s]
dispatch:
  retry_schedule: [5s, 30s, 2m]
  jitter: none
)");
  ConfigErrors errors(path);
  auto env = env_with({});
  auto cfg = load_config(path, errors, env, handlers());
  ASSERT_TRUE(cfg) << (errors.messages().empty() ? "" : errors.messages()[0]);
  ASSERT_EQ(cfg->destinations.size(), 1u);
  const auto& d = cfg->destinations[0];
  EXPECT_EQ(d.name, "app");
  EXPECT_EQ(d.keys.size(), 2u);
  EXPECT_EQ(d.timeout, std::chrono::seconds(2));
  EXPECT_EQ(d.max_in_flight, 4);
  EXPECT_EQ(d.breaker.failure_rate_threshold, 25.0);
  EXPECT_EQ(d.breaker.minimum_calls, 5);
  ASSERT_EQ(d.headers.size(), 1u);
  EXPECT_EQ(cfg->routes.routes().size(), 1u);
  EXPECT_EQ(cfg->retry_schedule.delays.size(), 3u);
  EXPECT_EQ(cfg->retry_jitter, 0.0);
}

TEST(GatewayConfig, ReportsYamlSyntaxErrorsWithALine) {
  auto path = write_temp("server:\n  listen: [unclosed\n");
  ConfigErrors errors(path);
  auto env = env_with({});
  EXPECT_FALSE(load_config(path, errors, env, handlers()));
  ASSERT_EQ(errors.messages().size(), 1u);
  EXPECT_NE(errors.messages()[0].find("invalid YAML"), std::string::npos);
}

TEST(GatewayConfig, MissingFileIsOneClearError) {
  ConfigErrors errors("/nonexistent/wharf.yaml");
  auto env = env_with({});
  EXPECT_FALSE(load_config("/nonexistent/wharf.yaml", errors, env, handlers()));
  ASSERT_EQ(errors.messages().size(), 1u);
  EXPECT_EQ(errors.messages()[0], "/nonexistent/wharf.yaml: cannot read the file");
}

TEST(GatewayConfig, RejectsAMasterKeyThatIsNot32Bytes) {
  auto path = write_temp("vault: { master_key: \"c2hvcnQ=\" }\n");
  ConfigErrors errors(path);
  auto env = env_with({});
  EXPECT_FALSE(load_config(path, errors, env, handlers()));
}

TEST(ParseListen, AcceptsHostPortV6AndBarePort) {
  std::string h;
  unsigned short p = 0;
  ASSERT_TRUE(parse_listen("127.0.0.1:8080", &h, &p));
  EXPECT_EQ(h, "127.0.0.1");
  EXPECT_EQ(p, 8080);
  ASSERT_TRUE(parse_listen("[::1]:9", &h, &p));
  EXPECT_EQ(h, "::1");
  ASSERT_TRUE(parse_listen(":80", &h, &p));
  EXPECT_EQ(h, "0.0.0.0");
  EXPECT_FALSE(parse_listen("localhost", &h, &p));
  EXPECT_FALSE(parse_listen("x:99999", &h, &p));
  EXPECT_FALSE(parse_listen("x:", &h, &p));
}

TEST(GatewayConfig, ReadsProvidersWithTheirKindsDefaults) {
  auto path = write_temp(R"(providers:
  billing:
    kind: generic
    base_url: "http://127.0.0.1:9/api"
    credentials: { type: bearer, value: "${KEY}" }
    rate_limit: { limit: 100, per: 1h }
  internal:
    base_url: "https://crm.example"
)");
  ConfigErrors errors(path);
  auto env = env_with({{"KEY", "sk_test_1"}});
  auto cfg = load_config(path, errors, env, handlers());
  ASSERT_TRUE(cfg) << (errors.messages().empty() ? "" : errors.messages()[0]);
  ASSERT_EQ(cfg->providers.size(), 2u);
  EXPECT_EQ(cfg->providers[0].name, "billing");
  EXPECT_EQ(cfg->providers[0].base_url, "http://127.0.0.1:9/api");
  EXPECT_EQ(cfg->providers[0].credentials.values, std::vector<std::string>{"sk_test_1"});
  EXPECT_EQ(cfg->providers[0].rate_limit->limit, 100);
  EXPECT_EQ(cfg->providers[1].kind, "generic");  // named after no kind
  EXPECT_EQ(cfg->providers[1].breaker.window_size, 20);
  EXPECT_EQ(cfg->providers[1].retry.max_attempts, 3);
}

TEST(GatewayConfig, RefusesProvidersItCannotServe) {
  const std::string all = refusal_of(R"(providers:
  a: { kind: nosuch, base_url: "https://a.example" }
  b: { kind: generic }
  c: { kind: generic, base_url: "https://c.example/", timeout: 0 }
  d: { kind: generic, base_url: "https://d.example", rate_limit: { limit: 5, per: 1m, scope: cluster } }
  e: { kind: generic, base_url: "https://e.example", credentials: { type: oauth, client: x } }
  "f g": { kind: generic, base_url: "https://f.example" }
  h: { kind: generic, base_url: "https://u:p@h.example", colour: blue }
  i: { kind: generic, base_url: "https://i.example", idempotency_header: Authorization }
  j: { kind: generic, base_url: "https://j.example", quota_headers: { remaining: "X Left" } }
)");
  EXPECT_NE(all.find("providers.a.kind: unknown kind `nosuch` (this build has: "),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("providers.b: needs `base_url`"), std::string::npos) << all;
  EXPECT_NE(all.find("providers.c.base_url: base_url must not end with '/'"), std::string::npos)
      << all;
  EXPECT_NE(all.find("providers.c.timeout: must be greater than 0"), std::string::npos) << all;
  EXPECT_NE(all.find("providers.d.rate_limit.scope: scope: cluster needs"), std::string::npos)
      << all;
  EXPECT_NE(all.find("providers.e.credentials.client: no OAuth client `x` in oauth.clients"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("provider names are letters"), std::string::npos) << all;
  EXPECT_NE(all.find("providers.h.colour: unknown key"), std::string::npos) << all;
  EXPECT_NE(all.find("providers.i.idempotency_header: Authorization is set by wharf itself"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("providers.j.quota_headers.remaining: must be an HTTP header name"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("providers.h.base_url: base_url must not contain user information"),
            std::string::npos)
      << all;
}

TEST(GatewayConfig, LoadsTheVaultAndOAuthClients) {
  auto path = write_temp(R"(vault:
  master_key: ["${NEW_KEY}", "${OLD_KEY}"]
oauth:
  redirect_uri: "https://wharf.example.com/oauth/callback"
  refresh_margin: 2m
  state_ttl: 5m
  clients:
    google:
      client_id: "id.apps.googleusercontent.com"
      client_secret: ${GOOGLE_SECRET}
      scopes: ["https://www.googleapis.com/auth/gmail.send"]
    idp:
      template: generic
      authorization_endpoint: "http://127.0.0.1:9000/auth"
      token_endpoint: "http://127.0.0.1:9000/token"
      auth_method: client_secret_post
      client_id: wharf
      client_secret: s3cret
      extra_authorization_params: { prompt: consent }
providers:
  gmail: { credentials: { type: oauth, client: google } }
)");
  ConfigErrors errors(path);
  auto env = env_with({{"NEW_KEY", std::string(43, 'A') + "="},
                       {"OLD_KEY", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="},
                       {"GOOGLE_SECRET", "GOCSPX-secret"}});
  auto cfg = load_config(path, errors, env, handlers());
  ASSERT_TRUE(cfg) << (errors.messages().empty() ? "" : errors.messages()[0]);
  EXPECT_EQ(cfg->master_keys.size(), 2u);
  EXPECT_EQ(cfg->oauth.refresh_margin, std::chrono::minutes(2));
  EXPECT_EQ(cfg->oauth.state_ttl, std::chrono::minutes(5));
  ASSERT_EQ(cfg->oauth.clients.size(), 2u);
  const oauth::ClientConfig& google = cfg->oauth.clients[0].config;
  EXPECT_EQ(google.token_endpoint, "https://oauth2.googleapis.com/token");  // the template's
  EXPECT_EQ(google.redirect_uri, "https://wharf.example.com/oauth/callback");
  EXPECT_EQ(google.client_secret, "GOCSPX-secret");
  const oauth::ClientConfig& idp = cfg->oauth.clients[1].config;
  EXPECT_EQ(idp.auth_method, oauth::ClientAuthMethod::kClientSecretPost);
  EXPECT_EQ(idp.extra_authorization_params, (oauth::FormParams{{"prompt", "consent"}}));
  ASSERT_EQ(cfg->providers.size(), 1u);
  EXPECT_EQ(cfg->providers[0].credentials.client, "google");
}

TEST(GatewayConfig, RefusesOAuthClientsItCannotUse) {
  const std::string all = refusal_of(R"(oauth:
  clients:
    a: { template: nosuch, client_id: x, client_secret: y }
    b: { template: generic, client_id: x, client_secret: y, token_endpoint: "https://t.example/t" }
    c: { client_id: x, client_secret: y, redirect_uri: "https://w.example/cb",
         template: generic, authorization_endpoint: "http://idp.example/auth",
         token_endpoint: "https://idp.example/token" }
    d: { template: google, client_id: x, redirect_uri: "https://w.example/cb" }
)");
  EXPECT_NE(all.find("oauth.clients.a.template: unknown template `nosuch`"), std::string::npos)
      << all;
  EXPECT_NE(all.find("oauth.clients.b: `redirect_uri` is required"), std::string::npos) << all;
  EXPECT_NE(all.find("oauth.clients.c: "), std::string::npos) << all;  // http off loopback
  EXPECT_NE(all.find("oauth.clients.d: `client_secret` is required"), std::string::npos) << all;
  EXPECT_NE(all.find("oauth: OAuth clients need the vault"), std::string::npos) << all;
  EXPECT_EQ(all.find("GOCSPX"), std::string::npos);
}

// An application as the gateway sees it (dispatch/application.h): its handler, its section.
class FakeApp final : public dispatch::Application {
 public:
  std::string_view name() const override { return "notes"; }
  store::AppSchema schema() const override { return {"notes", {}}; }
  void add_handlers(dispatch::HandlerRegistry& registry) override {
    struct Accept final : dispatch::Handler {
      Result<void> handle(const store::StoredEvent&, store::Transaction&) override { return {}; }
    };
    registry.add("notes.save", std::make_unique<Accept>());
  }
  void configure(const ConfigNode& section) override {
    ++configured;
    section.allow_only_keys({"folder"});
    folder = section["folder"].str_or("inbox");
  }
  int configured = 0;
  std::string folder;
};

TEST(GatewayConfig, ApplicationsRegisterHandlersAndReadTheirOwnSection) {
  FakeApp app;
  dispatch::Application* apps[] = {&app};
  auto registry = make_handler_registry(apps);
  EXPECT_TRUE(registry.find("wharf.noop"));
  EXPECT_TRUE(registry.find("notes.save"));
  auto path = write_temp(R"(routes:
  - match: { source: s }
    to: [ { handler: notes.save } ]
apps:
  notes: { folder: archive }
)");
  ConfigErrors errors(path);
  auto env = env_with({});
  ASSERT_TRUE(load_config(path, errors, env, registry, apps))
      << (errors.messages().empty() ? "" : errors.messages()[0]);
  EXPECT_EQ(app.configured, 1);
  EXPECT_EQ(app.folder, "archive");
}

TEST(GatewayConfig, ApplicationsWithoutASectionGetDefaults) {
  FakeApp app;
  dispatch::Application* apps[] = {&app};
  auto path = write_temp("server: { listen: \"127.0.0.1:0\" }\n");
  ConfigErrors errors(path);
  auto env = env_with({});
  ASSERT_TRUE(load_config(path, errors, env, handlers(), apps));
  EXPECT_EQ(app.configured, 1);
  EXPECT_EQ(app.folder, "inbox");
}

TEST(GatewayConfig, AppsSectionsNamingNoApplicationOrWithTyposAreErrors) {
  FakeApp app;
  dispatch::Application* apps[] = {&app};
  auto path = write_temp(R"(apps:
  notes: { fodler: archive }
  crm: {}
)");
  ConfigErrors errors(path);
  auto env = env_with({});
  EXPECT_FALSE(load_config(path, errors, env, handlers(), apps));
  std::string all;
  for (auto& m : errors.messages()) all += m + "\n";
  EXPECT_NE(all.find(":2: apps.notes.fodler:"), std::string::npos) << all;
  EXPECT_NE(all.find(":3: apps.crm: no application named `crm` (this build has: notes)"),
            std::string::npos)
      << all;
}

}  // namespace
}  // namespace wharf::gateway
