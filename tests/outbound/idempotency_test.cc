#include "outbound/idempotency.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace wharf::outbound {
namespace {

const std::regex kUuidV4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

std::vector<std::string> values_of(const HttpRequest& r, std::string_view name) {
  std::vector<std::string> values;
  for (const auto& [n, v] : r.headers) {
    if (n == name) values.push_back(v);
  }
  return values;
}

TEST(NewIdempotencyKey, IsALowercaseUuidV4) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string key = new_idempotency_key();
    EXPECT_EQ(key.size(), 36u);
    EXPECT_TRUE(std::regex_match(key, kUuidV4)) << key;
    seen.insert(key);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(LogicalCall, SendsTheSameKeyOnEveryAttempt) {
  LogicalCall call("Idempotency-Key");
  ASSERT_TRUE(call.has_idempotency_key());
  EXPECT_TRUE(std::regex_match(call.key(), kUuidV4));
  HttpRequest request;
  request.method = "POST";
  request.url = "https://api.stripe.com/v1/customers";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  for (int attempt = 1; attempt <= 3; ++attempt) {
    HttpRequest copy = request;  // each attempt starts from the call's request
    call.prepare(copy);
    EXPECT_EQ(values_of(copy, "Idempotency-Key"), std::vector<std::string>{call.key()});
    call.prepare(request);  // or reuses the previous attempt's: still one header
    EXPECT_EQ(values_of(request, "Idempotency-Key"), std::vector<std::string>{call.key()});
    EXPECT_EQ(request.headers.size(), 2u);
  }
}

TEST(LogicalCall, UsesADifferentKeyForEachCall) {
  LogicalCall a("Idempotency-Key");
  LogicalCall b("Idempotency-Key");
  EXPECT_NE(a.key(), b.key());
}

TEST(LogicalCall, SendsNoKeyWhenTheProviderHasNone) {
  LogicalCall call("");
  EXPECT_FALSE(call.has_idempotency_key());
  EXPECT_EQ(call.key(), "");
  HttpRequest request;
  request.headers = {{"Accept", "application/json"}};
  call.prepare(request);
  EXPECT_EQ(request.headers, (HeaderList{{"Accept", "application/json"}}));
}

TEST(ApplyIdempotency, ReplacesAnExistingHeaderOfAnyCase) {
  HttpRequest request;
  request.headers = {{"idempotency-key", "stale"}, {"Accept", "*/*"}, {"IDEMPOTENCY-KEY", "x"}};
  apply_idempotency(request, "Idempotency-Key", "k1");
  EXPECT_EQ(request.headers, (HeaderList{{"Accept", "*/*"}, {"Idempotency-Key", "k1"}}));
}

}  // namespace
}  // namespace wharf::outbound

namespace wharf::outbound {
namespace {

TEST(LogicalCallWithKey, UsesTheCallersKeyOnEveryAttempt) {
  LogicalCall call("Idempotency-Key", "signup-u77");
  EXPECT_EQ(call.key(), "signup-u77");
  HttpRequest a;
  call.prepare(a);
  EXPECT_EQ(find_header(a.headers, "idempotency-key"), "signup-u77");
  LogicalCall none("", "signup-u77");
  EXPECT_FALSE(none.has_idempotency_key());
}

TEST(ValidIdempotencyKey, AcceptsVisibleAsciiUpTo255) {
  EXPECT_TRUE(valid_idempotency_key("a"));
  EXPECT_TRUE(valid_idempotency_key(std::string(255, 'k')));
  EXPECT_FALSE(valid_idempotency_key(""));
  EXPECT_FALSE(valid_idempotency_key(std::string(256, 'k')));
  EXPECT_FALSE(valid_idempotency_key("a b"));
  EXPECT_FALSE(valid_idempotency_key("a\r\nb"));
  EXPECT_FALSE(valid_idempotency_key("caf\xc3\xa9"));
}

}  // namespace
}  // namespace wharf::outbound
