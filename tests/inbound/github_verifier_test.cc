#include <gtest/gtest.h>

#include "core/crypto.h"
#include "core/encoding.h"
#include "inbound/verifiers/github.h"
#include "support/verifier_test_support.h"

namespace wharf::inbound {
namespace {

using testing::FakeRequest;
using testing::SourceConfig;
using Reason = VerifyFailure::Reason;

constexpr std::int64_t kNow = 1'700'000'000;
const std::string kBody = R"({"action":"opened","issue":{"number":1},"repository":{"id":7}})";

std::unique_ptr<Verifier> verifier(const std::string& yaml) {
  SourceConfig config(yaml);
  auto v = make_github_verifier(config.node());
  EXPECT_NE(v, nullptr) << config.error_text();
  return v;
}

std::string signature(std::string_view secret, std::string_view body) {
  return "sha256=" + encoding::hex_encode(crypto::hmac(crypto::Digest::kSha256, secret, body));
}

FakeRequest request(std::string sig, std::string body = kBody) {
  return FakeRequest({{"X-Hub-Signature-256", std::move(sig)},
                      {"X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
                      {"X-GitHub-Event", "issues"}},
                     std::move(body));
}

// GitHub's documented example ("Validating webhook deliveries", docs.github.com).
TEST(GithubVerifier, AcceptsGithubDocumentedExample) {
  auto v = verifier("{verifier: github, secret: \"It's a Secret to Everybody\"}");
  auto req = request("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
                     "Hello, World!");
  EXPECT_EQ(v->verify(req, kNow), std::nullopt);
  auto tampered = request("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
                          "Hello, World?");
  EXPECT_EQ(v->verify(tampered, kNow)->reason, Reason::kMismatch);
}

TEST(GithubVerifier, AcceptsUppercaseHex) {
  auto v = verifier("{verifier: github, secret: \"It's a Secret to Everybody\"}");
  auto req = request("sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17",
                     "Hello, World!");
  EXPECT_EQ(v->verify(req, kNow), std::nullopt);
}

TEST(GithubVerifier, AcceptsSignatureFromRotatedSecret) {
  auto v = verifier("{verifier: github, secret: [old-secret, new-secret]}");
  EXPECT_EQ(v->verify(request(signature("new-secret", kBody)), kNow), std::nullopt);
  EXPECT_EQ(v->verify(request(signature("old-secret", kBody)), kNow), std::nullopt);
}

TEST(GithubVerifier, RejectsTamperedBody) {
  auto v = verifier("{verifier: github, secret: s}");
  auto f = v->verify(request(signature("s", kBody), kBody + "\n"), kNow);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->reason, Reason::kMismatch);
}

TEST(GithubVerifier, RejectsWrongSecret) {
  auto v = verifier("{verifier: github, secret: [a, b]}");
  auto f = v->verify(request(signature("c", kBody)), kNow);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->message, "no signature matches (checked 2 keys)");
}

TEST(GithubVerifier, HasNoTimestampSoAnyTimeIsAccepted) {
  auto v = verifier("{verifier: github, secret: s, tolerance: 1s}");
  EXPECT_EQ(v->verify(request(signature("s", kBody)), 0), std::nullopt);
  EXPECT_EQ(v->verify(request(signature("s", kBody)), 4'000'000'000), std::nullopt);
}

TEST(GithubVerifier, RejectsMissingHeader) {
  auto v = verifier("{verifier: github, secret: s}");
  auto f = v->verify(FakeRequest({{"X-Hub-Signature", "sha1=00"}}, kBody), kNow);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->reason, Reason::kMissing);
  EXPECT_EQ(f->message, "missing X-Hub-Signature-256 header");
}

TEST(GithubVerifier, RejectsMalformedHeaders) {
  auto v = verifier("{verifier: github, secret: s}");
  std::string hex = signature("s", kBody).substr(7);
  for (const std::string& h : std::vector<std::string>{hex, "sha1=" + hex, "sha256=", "sha256=xyz",
                                                       "sha256=" + hex.substr(2)}) {
    auto f = v->verify(request(h), kNow);
    ASSERT_TRUE(f.has_value()) << h;
    EXPECT_EQ(f->reason, Reason::kMalformed) << h;
  }
}

TEST(GithubVerifier, VerifiesEmptyBody) {
  auto v = verifier("{verifier: github, secret: s}");
  EXPECT_EQ(v->verify(request(signature("s", ""), ""), kNow), std::nullopt);
  EXPECT_EQ(v->verify(request(signature("s", kBody), ""), kNow)->reason, Reason::kMismatch);
}

TEST(GithubVerifier, RejectsSignatureMadeForAnotherSourceOrScheme) {
  auto v = verifier("{verifier: github, secret: s}");
  auto other = testing::signer_from("github", "{verifier: github, secret: other}");
  EXPECT_EQ(v->verify(FakeRequest(other->sign(kBody, "", kNow, "")), kNow)->reason,
            Reason::kMismatch);
  auto slack = testing::signer_from("slack", "{verifier: slack, signing_secret: s}");
  EXPECT_EQ(v->verify(FakeRequest(slack->sign(kBody, "", kNow, "")), kNow)->reason,
            Reason::kMissing);
}

TEST(GithubVerifier, ParsesDeliveryIdAndEventWithAction) {
  auto v = verifier("{verifier: github, secret: s}");
  auto out = v->parse(request(""));
  ASSERT_TRUE(out.has_value());
  ASSERT_EQ(out->events.size(), 1u);
  EXPECT_EQ(out->events[0].provider_event_id, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
  EXPECT_EQ(out->events[0].type, "issues.opened");
  EXPECT_EQ(out->events[0].payload, kBody);
}

TEST(GithubVerifier, ParsesEventWithoutAction) {
  auto v = verifier("{verifier: github, secret: s}");
  FakeRequest req = request("", R"({"ref":"refs/heads/main","commits":[]})");
  req.set("X-GitHub-Event", "push");
  auto out = v->parse(req);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->events[0].type, "push");
}

TEST(GithubVerifier, ParsesFormEncodedDelivery) {
  auto v = verifier("{verifier: github, secret: s}");
  std::string body = "payload=" + encoding::url_encode(kBody);
  FakeRequest req = request(signature("s", body), body);
  req.set("Content-Type", "application/x-www-form-urlencoded");
  EXPECT_EQ(v->verify(req, kNow), std::nullopt);
  auto out = v->parse(req);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->events[0].type, "issues.opened");
  EXPECT_EQ(out->events[0].payload, body);  // the raw body, as received
}

TEST(GithubVerifier, ParseRequiresDeliveryHeaderAndJson) {
  auto v = verifier("{verifier: github, secret: s}");
  FakeRequest no_id = request("");
  no_id.set("X-GitHub-Delivery", "");
  auto out = v->parse(no_id);
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(out.error().message, "missing X-GitHub-Delivery header");
  EXPECT_FALSE(v->parse(request("", "not json")).has_value());
  EXPECT_FALSE(v->parse(request("", "")).has_value());
}

TEST(GithubSigner, SendsWhatGithubSends) {
  auto signer = testing::signer_from("github", "{verifier: github, secret: s}");
  ASSERT_NE(signer, nullptr);
  FakeRequest req(signer->sign(kBody, "", kNow, "d-42"));
  EXPECT_EQ(req.header("X-Hub-Signature-256"), signature("s", kBody));
  EXPECT_EQ(req.header("X-Hub-Signature"),
            "sha1=" + encoding::hex_encode(crypto::hmac(crypto::Digest::kSha1, "s", kBody)));
  EXPECT_EQ(req.header("X-GitHub-Delivery"), "d-42");
  EXPECT_EQ(req.header("X-GitHub-Event"), "issues");
  EXPECT_EQ(req.header("Content-Type"), "application/json");
  auto v = verifier("{verifier: github, secret: s}");
  EXPECT_EQ(v->verify(req, kNow), std::nullopt);
  EXPECT_EQ(v->parse(req)->events[0].type, "issues.opened");
}

TEST(GithubSigner, GeneratesAUuidDeliveryIdWhenNoneIsGiven) {
  auto signer = testing::signer_from("github", "{verifier: github, secret: s}");
  FakeRequest a(signer->sign(R"({"zen":"Keep it logically awesome."})", "", kNow, ""));
  FakeRequest b(signer->sign(R"({"zen":"Keep it logically awesome."})", "", kNow, ""));
  EXPECT_EQ(a.header("X-GitHub-Delivery").size(), 36u);
  EXPECT_NE(a.header("X-GitHub-Delivery"), b.header("X-GitHub-Delivery"));
  EXPECT_EQ(a.header("X-GitHub-Event"), "ping");
}

TEST(GithubVerifier, ReportsConfigErrors) {
  for (const std::string& yaml : std::vector<std::string>{
           "{verifier: github}", "{verifier: github, secret: s, signing_secret: s}"}) {
    SourceConfig config(yaml);
    EXPECT_EQ(make_github_verifier(config.node()), nullptr) << yaml;
    EXPECT_FALSE(config.errors().empty()) << yaml;
  }
}

}  // namespace
}  // namespace wharf::inbound
