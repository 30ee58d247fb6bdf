#include "outbound/redaction.h"

#include <gtest/gtest.h>

#include "outbound/credentials.h"

namespace wharf::outbound {
namespace {

TEST(RedactUrl, DropsUserInfoAndFragment) {
  EXPECT_EQ(redact_url("https://alice:hunter22@api.example.com:8443/v1/x?page=2#frag", {}),
            "https://api.example.com:8443/v1/x?page=2");
  EXPECT_EQ(redact_url("https://alice@api.example.com", {}), "https://api.example.com");
  EXPECT_EQ(redact_url("http://a:b@host?x=1", {}), "http://host?x=1");
  // An '@' in the path is not user info.
  EXPECT_EQ(redact_url("https://host/users/@me?x=1", {}), "https://host/users/@me?x=1");
}

TEST(RedactUrl, HidesTheValueOfEveryWellKnownSecretName) {
  for (std::string_view name : well_known_secret_query_names()) {
    const std::string url = "https://host/p?a=1&" + std::string(name) + "=s3cr3tvalue&b=2";
    EXPECT_EQ(redact_url(url, {}), "https://host/p?a=1&" + std::string(name) + "=REDACTED&b=2")
        << name;
  }
}

TEST(RedactUrl, HidesConfiguredNamesCaseInsensitively) {
  EXPECT_EQ(redact_url("https://host/p?hapikey=abc&HAPIKEY=def&other=1", {"hapikey"}),
            "https://host/p?hapikey=REDACTED&HAPIKEY=REDACTED&other=1");
  EXPECT_EQ(redact_url("https://host/p?Api_Key=abc&TOKEN=def", {}),
            "https://host/p?Api_Key=REDACTED&TOKEN=REDACTED");
}

TEST(RedactUrl, HidesEveryRepeatOfAParameter) {
  EXPECT_EQ(redact_url("https://host/p?key=one&key=two&keys=three", {}),
            "https://host/p?key=REDACTED&key=REDACTED&keys=three");
}

TEST(RedactUrl, HidesPercentEncodedValuesAndNames) {
  EXPECT_EQ(redact_url("https://host/p?token=a%2Fb%3D%3D&q=a%20b", {}),
            "https://host/p?token=REDACTED&q=a%20b");
  // The provider decodes the name too: api%5Fkey is api_key.
  EXPECT_EQ(redact_url("https://host/p?api%5Fkey=abc&x%5Fkey=1", {}),
            "https://host/p?api%5Fkey=REDACTED&x%5Fkey=1");
}

TEST(RedactUrl, KeepsParametersWithoutValuesAndEmptyQueries) {
  EXPECT_EQ(redact_url("https://host/p?token&a=&&b=1", {}), "https://host/p?token&a=&&b=1");
  EXPECT_EQ(redact_url("https://host/p?", {}), "https://host/p?");
  EXPECT_EQ(redact_url("https://host/p?token=", {}), "https://host/p?token=REDACTED");
}

TEST(RedactUrl, TreatsAStringWithoutSchemeAsPathAndQuery) {
  EXPECT_EQ(redact_url("/v1/x?api_key=abc", {}), "/v1/x?api_key=REDACTED");
}

TEST(RedactHeaders, HidesWellKnownAndConfiguredHeadersKeepingOrder) {
  const HeaderList headers = {{"authorization", "Bearer t"},
                              {"Accept", "*/*"},
                              {"PROXY-AUTHORIZATION", "Basic x"},
                              {"Cookie", "s=1"},
                              {"set-cookie", "s=2"},
                              {"X-Api-Key", "k"},
                              {"X-Hubspot-Key", "h"},
                              {"Content-Type", "application/json"}};
  const HeaderList expected = {
      {"authorization", "REDACTED"},       {"Accept", "*/*"},
      {"PROXY-AUTHORIZATION", "REDACTED"}, {"Cookie", "REDACTED"},
      {"set-cookie", "REDACTED"},          {"X-Api-Key", "REDACTED"},
      {"X-Hubspot-Key", "REDACTED"},       {"Content-Type", "application/json"}};
  EXPECT_EQ(redact_headers(headers, {"x-hubspot-key"}), expected);
  EXPECT_EQ(redact_headers(headers)[6].second, "h");
}

TEST(RedactSecrets, HidesEveryOccurrenceOfSeveralSecrets) {
  EXPECT_EQ(redact_secrets("bad key sk_live_1 for acct tok_99; again sk_live_1.",
                           {"sk_live_1", "tok_99"}),
            "bad key REDACTED for acct REDACTED; again REDACTED.");
}

TEST(RedactSecrets, HidesOverlappingOccurrencesWhole) {
  // "abcd" and "cdef" overlap in "abcdef": replacing one then the other would leave "ef" or "ab".
  EXPECT_EQ(redact_secrets("x abcdef y", {"abcd", "cdef"}), "x REDACTED y");
  EXPECT_EQ(redact_secrets("x abcdef y", {"cdef", "abcd"}), "x REDACTED y");
  // A secret overlapping itself.
  EXPECT_EQ(redact_secrets("[aaaaaa]", {"aaaa"}), "[REDACTED]");
  // One secret inside another.
  EXPECT_EQ(redact_secrets("key=secret-long-value", {"long", "secret-long-value"}), "key=REDACTED");
}

TEST(RedactSecrets, HidesUrlEncodedOccurrences) {
  EXPECT_EQ(redact_secrets("GET /x?key=a%2Fb%2Bc%3D failed", {"a/b+c="}),
            "GET /x?key=REDACTED failed");
}

TEST(RedactSecrets, IgnoresSecretsShorterThanFourBytes) {
  EXPECT_EQ(redact_secrets("a cat sat on abc", {"abc", "", "a"}), "a cat sat on abc");
  EXPECT_EQ(redact_secrets("", {"abcd"}), "");
  EXPECT_EQ(redact_secrets("nothing here", {}), "nothing here");
}

TEST(Redaction, HidesWhatACredentialsPolicyNames) {
  CredentialsPolicy p;
  p.type = CredentialType::kApiKey;
  p.in = KeyPlacement::kQuery;
  p.name = "hapikey";
  p.values = {"pat-na1-new", "pat-na1-old"};
  const std::string line =
      redact_secrets(redact_url("https://api.hubapi.com/x?hapikey=pat-na1-new&echo=pat-na1-old",
                                p.secret_query_names()),
                     p.secret_values());
  EXPECT_EQ(line, "https://api.hubapi.com/x?hapikey=REDACTED&echo=REDACTED");
}

}  // namespace
}  // namespace wharf::outbound
