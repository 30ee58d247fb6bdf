#include "oauth/oauth_client.h"

#include <gtest/gtest.h>

#include "oauth/pkce.h"
#include "oauth/provider_templates.h"

namespace wharf::oauth {
namespace {

constexpr std::int64_t kNow = 1'700'000'000'000;
constexpr char kSecret[] = "s3:cr+t/\xC3\xA9";  // ':' '+' '/' and a non-ASCII 'é'

ClientConfig test_config(ClientAuthMethod method = ClientAuthMethod::kClientSecretBasic) {
  ClientConfig config;
  config.provider = "example";
  config.authorization_endpoint = "https://as.example/authorize";
  config.token_endpoint = "https://as.example/token";
  config.revocation_endpoint = "https://as.example/revoke";
  config.client_id = "my client";
  config.client_secret = kSecret;
  config.auth_method = method;
  config.scopes = {"openid", "https://mail.example/send", "a+b"};
  config.redirect_uri = "https://wharf.example/oauth/callback?x=1 2";
  return config;
}

std::string header(const outbound::HttpRequest& request, std::string_view name) {
  return outbound::find_header(request.headers, name).value_or("<none>");
}

// ---- authorization URL ----

TEST(AuthorizationUrl, CarriesEveryParameterFormUrlEncodedInOrder) {
  auto config = test_config();
  config.extra_authorization_params = {{"access_type", "offline"}, {"prompt", "consent"}};
  EXPECT_EQ(authorization_url(config, "st/ate+1", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
            "https://as.example/authorize?response_type=code&client_id=my+client"
            "&redirect_uri=https%3A%2F%2Fwharf.example%2Foauth%2Fcallback%3Fx%3D1+2"
            "&scope=openid+https%3A%2F%2Fmail.example%2Fsend+a%2Bb"
            "&state=st%2Fate%2B1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
            "&code_challenge_method=S256&access_type=offline&prompt=consent");
}

TEST(AuthorizationUrl, KeepsTheEndpointsOwnQuery) {
  auto config = test_config();
  config.authorization_endpoint = "https://as.example/authorize?tenant=t1";
  config.scopes.clear();
  EXPECT_EQ(authorization_url(config, "s", "c"),
            "https://as.example/authorize?tenant=t1&response_type=code&client_id=my+client"
            "&redirect_uri=https%3A%2F%2Fwharf.example%2Foauth%2Fcallback%3Fx%3D1+2"
            "&state=s&code_challenge=c&code_challenge_method=S256");
}

TEST(AuthorizationUrl, JoinsScopesWithTheConfiguredSeparator) {
  auto config = test_config();
  config.scopes = {"chat:write", "channels:read"};
  config.scope_separator = ",";
  auto url = authorization_url(config, "s", "c");
  EXPECT_NE(url.find("&scope=chat%3Awrite%2Cchannels%3Aread&"), std::string::npos) << url;
}

// ---- token endpoint requests ----

TEST(CodeExchange, ClientSecretBasicFormEncodesBeforeBase64) {
  auto request = code_exchange_request(test_config(), "co de/+", "verifier~");
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://as.example/token");
  // base64("my+client:s3%3Acr%2Bt%2F%C3%A9")
  EXPECT_EQ(header(request, "Authorization"), "Basic bXkrY2xpZW50OnMzJTNBY3IlMkJ0JTJGJUMzJUE5");
  EXPECT_EQ(header(request, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(header(request, "Accept"), "application/json");
  EXPECT_EQ(request.body,
            "grant_type=authorization_code&code=co+de%2F%2B"
            "&redirect_uri=https%3A%2F%2Fwharf.example%2Foauth%2Fcallback%3Fx%3D1+2"
            "&code_verifier=verifier%7E");
}

TEST(CodeExchange, ClientSecretPostPutsTheCredentialsInTheBody) {
  auto request =
      code_exchange_request(test_config(ClientAuthMethod::kClientSecretPost), "abc", "v");
  EXPECT_EQ(header(request, "Authorization"), "<none>");
  EXPECT_EQ(request.body,
            "grant_type=authorization_code&code=abc"
            "&redirect_uri=https%3A%2F%2Fwharf.example%2Foauth%2Fcallback%3Fx%3D1+2"
            "&code_verifier=v&client_id=my+client&client_secret=s3%3Acr%2Bt%2F%C3%A9");
}

TEST(CodeExchange, PkceVerifierRoundTripsUnchanged) {
  auto verifier = make_code_verifier().value();
  auto request = code_exchange_request(test_config(), "c", verifier);
  EXPECT_NE(request.body.find("&code_verifier=" + verifier), std::string::npos);
}

TEST(Refresh, SendsGrantTypeAndTheRefreshToken) {
  auto basic = refresh_request(test_config(), "1//rt+x");
  EXPECT_EQ(basic.method, "POST");
  EXPECT_EQ(basic.url, "https://as.example/token");
  EXPECT_EQ(basic.body, "grant_type=refresh_token&refresh_token=1%2F%2Frt%2Bx");
  EXPECT_EQ(header(basic, "Authorization"), "Basic bXkrY2xpZW50OnMzJTNBY3IlMkJ0JTJGJUMzJUE5");

  auto post = refresh_request(test_config(ClientAuthMethod::kClientSecretPost), "rt");
  EXPECT_EQ(post.body,
            "grant_type=refresh_token&refresh_token=rt&client_id=my+client"
            "&client_secret=s3%3Acr%2Bt%2F%C3%A9");
}

TEST(Revocation, SendsTokenAndHintToTheRevocationEndpoint) {
  auto request = revocation_request(test_config(), "rt/1", TokenTypeHint::kRefreshToken).value();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://as.example/revoke");
  EXPECT_EQ(request.body, "token=rt%2F1&token_type_hint=refresh_token");
  EXPECT_EQ(header(request, "Authorization"), "Basic bXkrY2xpZW50OnMzJTNBY3IlMkJ0JTJGJUMzJUE5");

  auto access = revocation_request(test_config(ClientAuthMethod::kClientSecretPost), "at",
                                   TokenTypeHint::kAccessToken)
                    .value();
  EXPECT_EQ(access.body,
            "token=at&token_type_hint=access_token&client_id=my+client"
            "&client_secret=s3%3Acr%2Bt%2F%C3%A9");
  EXPECT_EQ(revocation_request(test_config(), "t", TokenTypeHint::kNone)->body, "token=t");
}

TEST(Revocation, RefusedWithoutARevocationEndpointAndNamesNoToken) {
  auto config = test_config();
  config.revocation_endpoint.clear();
  auto request = revocation_request(config, "secret-token", TokenTypeHint::kNone);
  ASSERT_FALSE(request);
  EXPECT_EQ(request.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(request.error().message.find("secret-token"), std::string::npos);
}

// ---- config validation ----

TEST(Validate, AcceptsHttpsAndLoopbackHttp) {
  EXPECT_TRUE(validate(test_config()));
  auto config = test_config();
  config.token_endpoint = "http://127.0.0.1:4000/token";
  config.authorization_endpoint = "http://localhost:4000/auth";
  config.redirect_uri = "http://[::1]:8080/oauth/callback";
  EXPECT_TRUE(validate(config));
}

TEST(Validate, RefusesMissingFieldsPlainHttpAndFragmentsWithoutTheSecret) {
  auto check = [](ClientConfig config, std::string_view field) {
    auto result = validate(config);
    ASSERT_FALSE(result) << field;
    EXPECT_NE(result.error().message.find(field), std::string::npos) << result.error().message;
    EXPECT_EQ(result.error().message.find(kSecret), std::string::npos);
  };
  auto config = test_config();
  config.client_id.clear();
  check(config, "client_id");
  config = test_config();
  config.token_endpoint = "http://as.example/token";
  check(config, "token_endpoint");
  config = test_config();
  config.redirect_uri = "https://wharf.example/cb#frag";
  check(config, "redirect_uri");
  config = test_config();
  config.authorization_endpoint = "";
  check(config, "authorization_endpoint");
  config = test_config();
  config.revocation_endpoint = "ftp://as.example/revoke";
  check(config, "revocation_endpoint");
  config = test_config();
  config.token_endpoint = "http://localhost.evil.example/token";
  check(config, "token_endpoint");
}

TEST(ClientAuthMethodNames, RoundTrip) {
  for (auto method : {ClientAuthMethod::kClientSecretBasic, ClientAuthMethod::kClientSecretPost}) {
    EXPECT_EQ(parse_client_auth_method(to_string(method)), method);
  }
  EXPECT_FALSE(parse_client_auth_method("private_key_jwt"));
}

// ---- token responses ----

TEST(TokenResponse, ParsesASuccessfulAnswer) {
  auto tokens = parse_token_response(200, R"({"access_token":"at-1","token_type":"bearer",
      "expires_in":3600,"refresh_token":"rt-1","scope":"openid email"})",
                                     kNow)
                    .value();
  EXPECT_EQ(tokens.access_token, "at-1");
  EXPECT_EQ(tokens.token_type, "bearer");
  EXPECT_EQ(tokens.expires_at_ms, kNow + 3'600'000);
  EXPECT_EQ(tokens.refresh_token, "rt-1");
  EXPECT_EQ(tokens.scope, "openid email");
}

TEST(TokenResponse, OptionalFieldsMayBeAbsent) {
  auto tokens =
      parse_token_response(200, R"({"access_token":"at","token_type":"Bearer"})", kNow).value();
  EXPECT_FALSE(tokens.expires_at_ms);
  EXPECT_FALSE(tokens.refresh_token);
  EXPECT_FALSE(tokens.scope);
}

TEST(TokenResponse, AcceptsExpiresInAsADigitString) {
  auto tokens = parse_token_response(
      200, R"({"access_token":"at","token_type":"Bearer","expires_in":"60"})", kNow);
  EXPECT_EQ(tokens->expires_at_ms, kNow + 60'000);
}

TEST(TokenResponse, ParsesRfc6749Section52Errors) {
  auto result = parse_token_response(
      400, R"({"error":"invalid_grant","error_description":"Code expired"})", kNow);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, TokenErrorKind::kAuthorizationServer);
  EXPECT_EQ(result.error().status, 400);
  EXPECT_EQ(result.error().error, "invalid_grant");
  EXPECT_EQ(result.error().error_description, "Code expired");
  EXPECT_EQ(result.error().message,
            "authorization server refused the token request: invalid_grant (Code expired)");
}

TEST(TokenResponse, ASlackStyleErrorWithStatus200IsAnError) {
  auto result = parse_token_response(200, R"({"ok":false,"error":"invalid_code"})", kNow);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, TokenErrorKind::kAuthorizationServer);
  EXPECT_EQ(result.error().error, "invalid_code");
}

TEST(TokenResponse, ErrorDescriptionIsMadePrintableAndBounded) {
  auto result =
      parse_token_response(400,
                           R"({"error":"invalid_client","error_description":"bad\nline )" +
                               std::string(400, 'x') + R"("})",
                           kNow);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().error_description.size(), 256u);
  EXPECT_EQ(result.error().error_description.find('\n'), std::string::npos);
}

TEST(TokenResponse, MalformedJsonIsAClearError) {
  for (std::string_view body : {"", "not json", "[]", "\"x\"", "{\"access_token\":"}) {
    auto result = parse_token_response(200, body, kNow);
    ASSERT_FALSE(result) << body;
    EXPECT_EQ(result.error().kind, TokenErrorKind::kMalformed) << body;
    EXPECT_EQ(result.error().message, "token endpoint answer is not a JSON object");
  }
}

TEST(TokenResponse, ANon2xxAnswerWithoutAnOAuthErrorIsUnexpectedStatus) {
  for (std::string_view body : {"<html>Bad Gateway</html>", "{}"}) {
    auto result = parse_token_response(502, body, kNow);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind, TokenErrorKind::kUnexpectedStatus);
    EXPECT_EQ(result.error().status, 502);
  }
  // Even a body with tokens in it is not success without a 2xx status.
  auto result = parse_token_response(500, R"({"access_token":"at","token_type":"Bearer"})", kNow);
  EXPECT_EQ(result.error().kind, TokenErrorKind::kUnexpectedStatus);
}

TEST(TokenResponse, MissingOrMistypedFieldsAreMalformed) {
  for (std::string_view body : {
           R"({"token_type":"Bearer"})",
           R"({"access_token":"","token_type":"Bearer"})",
           R"({"access_token":42,"token_type":"Bearer"})",
           R"({"access_token":"at"})",
           R"({"access_token":"at","token_type":7})",
           R"({"access_token":"at","token_type":"Bearer","expires_in":-1})",
           R"({"access_token":"at","token_type":"Bearer","expires_in":1.5})",
           R"({"access_token":"at","token_type":"Bearer","expires_in":"1h"})",
           R"({"access_token":"at","token_type":"Bearer","expires_in":99999999999999})",
           R"({"access_token":"at","token_type":"Bearer","refresh_token":5})",
           R"({"access_token":"at","token_type":"Bearer","refresh_token":""})",
           R"({"access_token":"at","token_type":"Bearer","scope":["a"]})",
       }) {
    auto result = parse_token_response(200, body, kNow);
    ASSERT_FALSE(result) << body;
    EXPECT_EQ(result.error().kind, TokenErrorKind::kMalformed) << body;
  }
}

TEST(TokenResponse, RefusesATokenTypeOtherThanBearer) {
  auto result =
      parse_token_response(200, R"({"access_token":"at-secret","token_type":"mac"})", kNow);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, TokenErrorKind::kUnsupportedTokenType);
  EXPECT_EQ(result.error().message, "token response has unsupported token_type 'mac'");
}

TEST(TokenResponse, AcceptsTheTokenTypesTheConfigAllows) {
  auto slack = provider_defaults("slack").value();
  auto body = R"({"ok":true,"access_token":"xoxb-1","token_type":"bot","scope":"chat:write"})";
  EXPECT_FALSE(parse_token_response(200, body, kNow));
  EXPECT_TRUE(parse_token_response(200, body, kNow, slack.token_types));
}

TEST(TokenResponse, NoErrorMessageContainsAToken) {
  const std::string at = "AT-SECRET-123";
  const std::string rt = "RT-SECRET-456";
  for (auto [status, body] : std::initializer_list<std::pair<int, std::string>>{
           {200, R"({"access_token":")" + at + R"(","token_type":"mac"})"},
           {200, R"({"access_token":")" + at + R"(","token_type":"Bearer","expires_in":"x"})"},
           {200, R"({"access_token":")" + at + R"(","token_type":"Bearer","scope":1,
                 "refresh_token":")" +
                     rt + R"("})"},
           {200, R"({"access_token":")" + at + R"(","token_type":"Bearer","refresh_token":)"},
           {200, R"({"access_token":")" + at + R"(","refresh_token":")" + rt + R"("})"},
           {500, R"({"access_token":")" + at + R"(","token_type":"Bearer"})"},
           {401, R"({"error":"invalid_token","access_token":")" + at + R"("})"},
       }) {
    auto result = parse_token_response(status, body, kNow);
    ASSERT_FALSE(result) << body;
    EXPECT_EQ(result.error().message.find(at), std::string::npos) << result.error().message;
    EXPECT_EQ(result.error().message.find(rt), std::string::npos) << result.error().message;
    EXPECT_EQ(result.error().error_description.find(at), std::string::npos);
  }
}

TEST(TokenRotation, ANewRefreshTokenReplacesTheOld) {
  TokenSet current{.access_token = "at-1",
                   .token_type = "Bearer",
                   .expires_at_ms = kNow,
                   .refresh_token = "rt-1",
                   .scope = "a b"};
  auto rotated = merge_refreshed(
      current, parse_token_response(
                   200, R"({"access_token":"at-2","token_type":"Bearer","refresh_token":"rt-2",
                        "expires_in":10})",
                   kNow)
                   .value());
  EXPECT_EQ(rotated.access_token, "at-2");
  EXPECT_EQ(rotated.refresh_token, "rt-2");
  EXPECT_EQ(rotated.expires_at_ms, kNow + 10'000);
  EXPECT_EQ(rotated.scope, "a b");
}

TEST(TokenRotation, KeepsTheOldRefreshTokenWhenNoneIsIssued) {
  TokenSet current{.access_token = "at-1",
                   .token_type = "Bearer",
                   .expires_at_ms = kNow,
                   .refresh_token = "rt-1",
                   .scope = std::nullopt};
  auto merged = merge_refreshed(
      current, parse_token_response(
                   200, R"({"access_token":"at-2","token_type":"Bearer","scope":"x"})", kNow)
                   .value());
  EXPECT_EQ(merged.access_token, "at-2");
  EXPECT_EQ(merged.refresh_token, "rt-1");
  EXPECT_EQ(merged.scope, "x");
}

TEST(NeedsRefresh, WithinTheMarginOrPastExpiry) {
  using std::chrono::seconds;
  EXPECT_FALSE(needs_refresh(kNow + 61'000, kNow, seconds(60)));
  EXPECT_TRUE(needs_refresh(kNow + 60'000, kNow, seconds(60)));
  EXPECT_TRUE(needs_refresh(kNow - 1, kNow, seconds(0)));
  EXPECT_FALSE(needs_refresh(kNow + 1, kNow, seconds(0)));
  EXPECT_TRUE(needs_refresh(kNow + 30'000, kNow));  // default margin: 60 s
  EXPECT_FALSE(needs_refresh(std::nullopt, kNow, seconds(60)));
}

// ---- provider templates ----

TEST(ProviderTemplates, GoogleAsksForOfflineAccessWithConsent) {
  auto google = provider_defaults("google").value();
  EXPECT_EQ(google.authorization_endpoint, "https://accounts.google.com/o/oauth2/v2/auth");
  EXPECT_EQ(google.token_endpoint, "https://oauth2.googleapis.com/token");
  EXPECT_EQ(google.revocation_endpoint, "https://oauth2.googleapis.com/revoke");
  EXPECT_EQ(google.auth_method, ClientAuthMethod::kClientSecretPost);
  google.client_id = "id";
  google.redirect_uri = "https://wharf.example/oauth/callback";
  EXPECT_TRUE(validate(google));
  auto url = authorization_url(google, "s", "c");
  EXPECT_TRUE(url.ends_with("&access_type=offline&prompt=consent")) << url;
}

TEST(ProviderTemplates, SlackUsesCommaScopesAndHasNoRevocationEndpoint) {
  auto slack = provider_defaults("slack").value();
  EXPECT_EQ(slack.token_endpoint, "https://slack.com/api/oauth.v2.access");
  EXPECT_EQ(slack.scope_separator, ",");
  EXPECT_TRUE(slack.revocation_endpoint.empty());
}

TEST(ProviderTemplates, GenericNeedsEndpointsFromConfig) {
  auto generic = provider_defaults("generic").value();
  EXPECT_EQ(generic.auth_method, ClientAuthMethod::kClientSecretBasic);
  generic.client_id = "id";
  generic.redirect_uri = "https://wharf.example/oauth/callback";
  EXPECT_FALSE(validate(generic));
  EXPECT_FALSE(provider_defaults("nope"));
  EXPECT_EQ(provider_templates().size(), 3u);
}

}  // namespace
}  // namespace wharf::oauth
