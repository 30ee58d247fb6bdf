#include "outbound/credentials.h"

#include <gtest/gtest.h>

#include <map>

#include "core/config_node.h"
#include "support/yaml_config.h"

namespace wharf::outbound {
namespace {

constexpr std::string_view kSecret = "sk_live_s3cr3t";

CredentialsPolicy api_key(KeyPlacement in, std::string name,
                          std::vector<std::string> values = {std::string(kSecret)}) {
  CredentialsPolicy p;
  p.type = CredentialType::kApiKey;
  p.in = in;
  p.name = std::move(name);
  p.values = std::move(values);
  return p;
}

HttpRequest post(std::string url, std::string body = "") {
  HttpRequest r;
  r.method = "POST";
  r.url = std::move(url);
  r.body = std::move(body);
  return r;
}

// Every error path asserts this: a message may name a key, never hold a secret.
void expect_no_secret(const std::string& message) {
  EXPECT_EQ(message.find(kSecret), std::string::npos) << message;
  EXPECT_EQ(message.find("hunter22"), std::string::npos) << message;
  EXPECT_EQ(message.find("oauth-token-123"), std::string::npos) << message;
}

TEST(ApplyCredentials, SetsAnApiKeyHeaderReplacingAnyOfThatNameInAnyCase) {
  HttpRequest r = post("https://api.example.com/v1/x");
  r.headers = {{"x-api-key", "caller's"}, {"Accept", "application/json"}, {"X-API-KEY", "2"}};
  ASSERT_TRUE(apply_credentials(r, api_key(KeyPlacement::kHeader, "X-Api-Key"), {}));
  HeaderList expected = {{"Accept", "application/json"}, {"X-Api-Key", std::string(kSecret)}};
  EXPECT_EQ(r.headers, expected);
}

TEST(ApplyCredentials, SendsTheFirstValueWhenSeveralRotate) {
  HttpRequest r = post("https://api.example.com/v1/x");
  ASSERT_TRUE(apply_credentials(
      r, api_key(KeyPlacement::kHeader, "X-Api-Key", {"new-key", "old-key"}), {}));
  EXPECT_EQ(find_header(r.headers, "x-api-key"), "new-key");
}

TEST(ApplyCredentials, AddsAQueryParameterWhenTheUrlHasNoQuery) {
  HttpRequest r = post("https://api.example.com/v1/x");
  ASSERT_TRUE(apply_credentials(r, api_key(KeyPlacement::kQuery, "key", {"a b&c=d"}), {}));
  EXPECT_EQ(r.url, "https://api.example.com/v1/x?key=a%20b%26c%3Dd");
}

TEST(ApplyCredentials, AppendsToAnExistingQueryAndReplacesAParameterOfThatName) {
  HttpRequest r = post("https://api.example.com/v1/x?page=2&key=caller&q=a%20b");
  ASSERT_TRUE(apply_credentials(r, api_key(KeyPlacement::kQuery, "key"), {}));
  EXPECT_EQ(r.url, "https://api.example.com/v1/x?page=2&q=a%20b&key=" + std::string(kSecret));

  HttpRequest empty_query = post("https://api.example.com/v1/x?");
  ASSERT_TRUE(apply_credentials(empty_query, api_key(KeyPlacement::kQuery, "key"), {}));
  EXPECT_EQ(empty_query.url, "https://api.example.com/v1/x?key=" + std::string(kSecret));
}

TEST(ApplyCredentials, RemovesAPercentEncodedParameterOfThatName) {
  HttpRequest r = post("https://api.example.com/v1/x?api%5Fkey=caller&a=1");
  ASSERT_TRUE(apply_credentials(r, api_key(KeyPlacement::kQuery, "api_key", {"k1"}), {}));
  EXPECT_EQ(r.url, "https://api.example.com/v1/x?a=1&api_key=k1");
}

TEST(ApplyCredentials, PutsTheQueryParameterBeforeTheFragment) {
  HttpRequest r = post("https://api.example.com/v1/x#section?not=query");
  ASSERT_TRUE(apply_credentials(r, api_key(KeyPlacement::kQuery, "key", {"k1"}), {}));
  EXPECT_EQ(r.url, "https://api.example.com/v1/x?key=k1#section?not=query");

  HttpRequest with_query = post("https://api.example.com/v1/x?a=1#frag");
  ASSERT_TRUE(apply_credentials(with_query, api_key(KeyPlacement::kQuery, "key", {"k1"}), {}));
  EXPECT_EQ(with_query.url, "https://api.example.com/v1/x?a=1&key=k1#frag");
}

TEST(ApplyCredentials, TurnsAnEmptyBodyIntoAJsonObjectWithTheKey) {
  HttpRequest r = post("https://api.apollo.io/v1/mixed_people/search");
  ASSERT_TRUE(apply_credentials(r, api_key(KeyPlacement::kBody, "api_key"), {}));
  EXPECT_EQ(r.body, R"({"api_key":")" + std::string(kSecret) + R"("})");
  EXPECT_EQ(find_header(r.headers, "Content-Type"), "application/json");
}

TEST(ApplyCredentials, InjectsTheKeyIntoAnEmptyObjectAndKeepsTheContentType) {
  HttpRequest r = post("https://api.apollo.io/v1/x", " {} ");
  r.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  ASSERT_TRUE(apply_credentials(r, api_key(KeyPlacement::kBody, "api_key", {"k\"1"}), {}));
  EXPECT_EQ(r.body, R"( {"api_key":"k\"1"} )");
  EXPECT_EQ(r.headers.size(), 1u);
}

TEST(ApplyCredentials, InjectsTheKeyIntoAnObjectWithFieldsKeepingThemByteForByte) {
  const std::string body = R"({"q_keywords": "cto", "page": 1.0, "big": 123456789012345678901234})";
  HttpRequest r = post("https://api.apollo.io/v1/x", body);
  ASSERT_TRUE(apply_credentials(r, api_key(KeyPlacement::kBody, "api_key", {"k1"}), {}));
  EXPECT_EQ(r.body, R"({"api_key":"k1","q_keywords": "cto", "page": 1.0, )"
                    R"("big": 123456789012345678901234})");
  EXPECT_TRUE(boost::json::parse(r.body).as_object().contains("q_keywords"));
}

TEST(ApplyCredentials, ReplacesABodyFieldOfThatName) {
  HttpRequest r = post("https://api.apollo.io/v1/x", R"({"api_key":"caller","page":2})");
  ASSERT_TRUE(apply_credentials(r, api_key(KeyPlacement::kBody, "api_key", {"k1"}), {}));
  boost::json::value v = boost::json::parse(r.body);
  EXPECT_EQ(v.at("api_key").as_string(), "k1");
  EXPECT_EQ(v.at("page").as_int64(), 2);
  EXPECT_EQ(v.as_object().size(), 2u);
}

TEST(ApplyCredentials, RefusesABodyThatIsNotAJsonObjectAndLeavesTheRequestAlone) {
  for (std::string body : {"[1, 2]", "\"text\"", "42", "null", "{\"a\":", "a=1&b=2", "{} {}"}) {
    HttpRequest r = post("https://api.apollo.io/v1/x", body);
    r.headers = {{"Content-Type", "application/json"}};
    const HttpRequest before = r;
    Result<void> result = apply_credentials(r, api_key(KeyPlacement::kBody, "api_key"), {});
    ASSERT_FALSE(result) << body;
    EXPECT_EQ(result.error().code, Errc::kInvalidArgument);
    EXPECT_EQ(result.error().message,
              "credentials: the request body must be a JSON object to carry the API key field "
              "'api_key'");
    expect_no_secret(result.error().message);
    EXPECT_EQ(r.body, before.body);
    EXPECT_EQ(r.headers, before.headers);
  }
}

TEST(ApplyCredentials, SetsABearerToken) {
  CredentialsPolicy p;
  p.type = CredentialType::kBearer;
  p.values = {"tok1", "tok0"};
  HttpRequest r = post("https://api.example.com/");
  r.headers = {{"authorization", "Basic old"}};
  ASSERT_TRUE(apply_credentials(r, p, {}));
  HeaderList expected = {{"Authorization", "Bearer tok1"}};
  EXPECT_EQ(r.headers, expected);
}

TEST(ApplyCredentials, EncodesBasicCredentialsAsRfc7617Shows) {
  CredentialsPolicy p;
  p.type = CredentialType::kBasic;
  p.username = "Aladdin";
  p.passwords = {"open sesame"};
  HttpRequest r = post("https://api.example.com/");
  ASSERT_TRUE(apply_credentials(r, p, {}));
  EXPECT_EQ(find_header(r.headers, "Authorization"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  const std::vector<std::string> secrets = {"open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="};
  EXPECT_EQ(p.secret_values(), secrets);
  EXPECT_EQ(p.secret_header_names(), std::vector<std::string>{"Authorization"});
}

CredentialsPolicy oauth(std::string client) {
  CredentialsPolicy p;
  p.type = CredentialType::kOAuth;
  p.client = std::move(client);
  return p;
}

TEST(ApplyCredentials, SetsTheAccessTokenOfAnOAuthConnection) {
  HttpRequest r = post("https://gmail.googleapis.com/x");
  ASSERT_TRUE(apply_credentials(r, oauth("google"), std::string("oauth-token-123")));
  EXPECT_EQ(find_header(r.headers, "Authorization"), "Bearer oauth-token-123");
}

TEST(ApplyCredentials, OAuthWithoutAConnectionSaysToNameOne) {
  HttpRequest r = post("https://gmail.googleapis.com/x");
  Result<void> result = apply_credentials(r, oauth("google"), std::nullopt);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kFailedPrecondition);
  EXPECT_NE(result.error().message.find("OAuth client 'google' needs a connection"),
            std::string::npos);
  EXPECT_TRUE(r.headers.empty());
}

TEST(ApplyCredentials, RefusesAMalformedConnectionSecretWithoutShowingIt) {
  HttpRequest r = post("https://gmail.googleapis.com/x");
  Result<void> result =
      apply_credentials(r, oauth("google"), std::string("oauth-token-123\r\nX-Evil: 1"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kInternal);
  expect_no_secret(result.error().message);
  EXPECT_EQ(result.error().message.find("oauth-token-123"), std::string::npos);
  EXPECT_TRUE(r.headers.empty());
}

TEST(ApplyCredentials, AConnectionsKeyReplacesTheConfiguredOne) {
  HttpRequest r = post("https://api.apollo.io/v1/x", "{}");
  ASSERT_TRUE(apply_credentials(r, api_key(KeyPlacement::kBody, "api_key", {"configured"}),
                                std::string("users-own-key")));
  EXPECT_EQ(r.body, R"({"api_key":"users-own-key"})");
  CredentialsPolicy bearer;
  bearer.type = CredentialType::kBearer;
  bearer.values = {"configured"};
  HttpRequest b = post("https://api.example.com/");
  ASSERT_TRUE(apply_credentials(b, bearer, std::string("users-own-token")));
  EXPECT_EQ(find_header(b.headers, "Authorization"), "Bearer users-own-token");
}

TEST(ApplyCredentials, AKeyWithoutValueNeedsAConnection) {
  HttpRequest r = post("https://api.apollo.io/v1/x", "{}");
  Result<void> result = apply_credentials(r, api_key(KeyPlacement::kBody, "api_key", {}), {});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kFailedPrecondition);
  EXPECT_EQ(r.body, "{}");
}

TEST(ApplyCredentials, BasicAndNoneTakeNoConnection) {
  CredentialsPolicy basic;
  basic.type = CredentialType::kBasic;
  basic.username = "u";
  basic.passwords = {"p"};
  HttpRequest r = post("https://api.example.com/");
  EXPECT_FALSE(apply_credentials(r, basic, std::string("x")));
  EXPECT_FALSE(apply_credentials(r, CredentialsPolicy{}, std::string("x")));
  EXPECT_TRUE(r.headers.empty());
}

TEST(ApplyCredentials, DoesNothingForNone) {
  HttpRequest r = post("https://api.example.com/x?a=1", "body");
  r.headers = {{"Authorization", "Bearer caller"}};
  const HttpRequest before = r;
  ASSERT_TRUE(apply_credentials(r, CredentialsPolicy{}, {}));
  EXPECT_EQ(r.url, before.url);
  EXPECT_EQ(r.body, before.body);
  EXPECT_EQ(r.headers, before.headers);
}

// The environment these tests' configs interpolate from.
struct Config : wharf::testing::YamlConfig {
  explicit Config(const std::string& yaml)
      : YamlConfig(
            yaml,
            {{"APOLLO_API_KEY", std::string(kSecret)}, {"PASSWORD", "hunter22"}, {"EMPTY", ""}}) {}
};

TEST(ReadCredentials, ReadsTheSpecExampleWithTheKeyFromTheEnvironment) {
  Config c(
      "providers:\n  apollo:\n    credentials: { type: api_key, in: body, name: api_key, value: "
      "\"${APOLLO_API_KEY}\" }\n");
  auto p = read_credentials(c.node()["providers"]["apollo"]["credentials"]);
  ASSERT_TRUE(p) << c.errors.messages()[0];
  EXPECT_EQ(p->type, CredentialType::kApiKey);
  EXPECT_EQ(p->in, KeyPlacement::kBody);
  EXPECT_EQ(p->name, "api_key");
  EXPECT_EQ(p->values, std::vector<std::string>{std::string(kSecret)});
  EXPECT_EQ(p->secret_values(), std::vector<std::string>{std::string(kSecret)});
  EXPECT_TRUE(p->secret_query_names().empty());
  EXPECT_TRUE(p->secret_header_names().empty());
}

TEST(ReadCredentials, ReadsTheSpecExampleInBlockStyleWithoutQuotes) {
  // In a flow map ({ ... }) YAML needs the quotes: a plain scalar there cannot contain '{'.
  Config c(
      "credentials:\n  type: api_key\n  in: body\n  name: api_key\n  value: ${APOLLO_API_KEY}\n");
  auto p = read_credentials(c.node()["credentials"]);
  ASSERT_TRUE(p) << c.errors.messages()[0];
  EXPECT_EQ(p->values, std::vector<std::string>{std::string(kSecret)});
}

TEST(ReadCredentials, ReadsEachType) {
  Config c(
      "a: { type: api_key, name: X-Api-Key, value: [k-new, k-old] }\n"
      "b: { type: api_key, in: query, name: key, value: k1 }\n"
      "c: { type: bearer, value: tok1 }\n"
      "d: { type: basic, username: Aladdin, password: \"${PASSWORD}\" }\n"
      "e: { type: oauth, client: google, connection: gmail }\n"
      "f: { type: none }\n");
  auto a = read_credentials(c.node()["a"]);
  auto b = read_credentials(c.node()["b"]);
  auto cc = read_credentials(c.node()["c"]);
  auto d = read_credentials(c.node()["d"]);
  auto e = read_credentials(c.node()["e"]);
  auto f = read_credentials(c.node()["f"]);
  auto absent = read_credentials(c.node()["g"]);
  ASSERT_TRUE(a && b && cc && d && e && f && absent) << c.errors.messages()[0];
  EXPECT_TRUE(c.errors.empty());

  EXPECT_EQ(a->in, KeyPlacement::kHeader);  // the default placement
  EXPECT_EQ(a->values, (std::vector<std::string>{"k-new", "k-old"}));
  EXPECT_EQ(a->secret_values(), (std::vector<std::string>{"k-new", "k-old"}));
  EXPECT_EQ(a->secret_header_names(), std::vector<std::string>{"X-Api-Key"});

  EXPECT_EQ(b->in, KeyPlacement::kQuery);
  EXPECT_EQ(b->secret_query_names(), std::vector<std::string>{"key"});
  EXPECT_TRUE(b->secret_header_names().empty());

  EXPECT_EQ(cc->type, CredentialType::kBearer);
  EXPECT_EQ(cc->values, std::vector<std::string>{"tok1"});
  EXPECT_EQ(cc->secret_header_names(), std::vector<std::string>{"Authorization"});

  EXPECT_EQ(d->type, CredentialType::kBasic);
  EXPECT_EQ(d->username, "Aladdin");
  EXPECT_EQ(d->passwords, std::vector<std::string>{"hunter22"});

  EXPECT_EQ(e->type, CredentialType::kOAuth);
  EXPECT_EQ(e->client, "google");
  EXPECT_EQ(e->connection, "gmail");
  EXPECT_TRUE(e->secret_values().empty());

  EXPECT_EQ(f->type, CredentialType::kNone);
  EXPECT_EQ(absent->type, CredentialType::kNone);
  EXPECT_TRUE(absent->secret_header_names().empty());
}

TEST(ReadCredentials, RecordsEveryProblemWithItsLineAndNoSecret) {
  Config c(
      "a: { type: api_key, in: header, name: X-Api-Key, value: sk_live_s3cr3t, extra: 1 }\n"
      "b: { type: api_key, in: cookie, name: k, value: sk_live_s3cr3t }\n"
      "c: { type: api_key, in: header, name: \"X Api Key\", value: sk_live_s3cr3t }\n"
      "d: { type: api_key, in: query, value: sk_live_s3cr3t }\n"
      "e: { type: api_key, name: X-Api-Key, connection: \"\" }\n"
      "f: { type: bearer, value: \"${EMPTY:-}\" }\n"
      "g: { type: bearer, value: [] }\n"
      "h: { type: bearer, value: \"${UNSET_VAR}\" }\n"
      "i: { type: basic, username: \"al:addin\", password: hunter22 }\n"
      "j: { type: basic, username: al }\n"
      "k: { type: oauth }\n"
      "l: { type: oauth, client: x, value: sk_live_s3cr3t }\n"
      "m: { type: magic }\n"
      "n: { value: sk_live_s3cr3t }\n"
      "o: sk_live_s3cr3t\n"
      "p: { type: bearer, value: \"sk_live_s3cr3t\\r\\nX-Evil: 1\" }\n"
      "q: { type: none, value: sk_live_s3cr3t }\n"
      "r: { type: bearer, value: [tok1, {a: sk_live_s3cr3t}] }\n");
  for (const char* key :
       {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r"}) {
    EXPECT_FALSE(read_credentials(c.node()[key])) << key;
  }
  const std::vector<std::string> expected = {
      "c.yaml:1: a.extra: unknown key",
      "c.yaml:2: b.in: unknown value 'cookie' (expected one of: header, query, body)",
      "c.yaml:3: c.name: must be an HTTP header name, e.g. X-Api-Key",
      "c.yaml:4: d: `name` is required (the header, query parameter or body field of the key)",
      "c.yaml:5: e.connection: must not be empty (leave it out: calls then name their connection)",
      "c.yaml:6: f.value: must not be empty (is the environment variable set?)",
      "c.yaml:7: g.value: must not be an empty list",
      "c.yaml:8: h.value: environment variable UNSET_VAR is not set",
      "c.yaml:9: i.username: must not contain ':' or a line break (RFC 7617)",
      "c.yaml:10: j.password: is required",
      "c.yaml:11: k.client: is required",
      "c.yaml:12: l.value: unknown key",
      "c.yaml:13: m.type: unknown value 'magic' (expected one of: none, api_key, bearer, basic, "
      "oauth)",
      "c.yaml:14: n: `type` is required: none, api_key, bearer, basic or oauth",
      "c.yaml:15: o: expected a map, e.g. { type: bearer, value: ${TOKEN} }",
      "c.yaml:16: p.value: must not contain a line break",
      "c.yaml:17: q.value: unknown key",
      "c.yaml:18: r.value[1]: expected a string",
  };
  EXPECT_EQ(c.errors.messages(), expected);
  for (const std::string& m : c.errors.messages()) expect_no_secret(m);
}

TEST(ToString, NamesTypesAndPlacementsAsConfigWritesThem) {
  EXPECT_EQ(to_string(CredentialType::kApiKey), "api_key");
  EXPECT_EQ(to_string(CredentialType::kOAuth), "oauth");
  EXPECT_EQ(to_string(KeyPlacement::kBody), "body");
  EXPECT_EQ(to_string(KeyPlacement::kQuery), "query");
}

}  // namespace
}  // namespace wharf::outbound
