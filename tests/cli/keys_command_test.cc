#include "cli/keys_command.h"

#include <gtest/gtest.h>

#include <sstream>

#include "auth/master_key.h"

namespace wharf::cli {
namespace {

TEST(KeysGenerate, PrintsABase64MasterKeyAndItsIdSeparately) {
  std::ostringstream out, err;
  EXPECT_EQ(run_keys_generate(out, err), 0);
  std::string text = out.str();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find('\n'), text.size() - 1);  // one line
  auto key = auth::MasterKey::from_base64(text);
  ASSERT_TRUE(key);
  EXPECT_NE(err.str().find(key->id()), std::string::npos);
  EXPECT_EQ(err.str().find(key->to_base64()), std::string::npos);
}

TEST(KeysGenerate, EveryKeyIsNew) {
  std::ostringstream out1, out2, err;
  run_keys_generate(out1, err);
  run_keys_generate(out2, err);
  EXPECT_NE(out1.str(), out2.str());
}

TEST(RegisterKeysCommands, RunsGenerateAndRequiresASubcommand) {
  CLI::App app;
  int exit_code = -1;
  register_keys_commands(app, &exit_code);
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  app.parse("keys generate");
  std::string out = testing::internal::GetCapturedStdout();
  testing::internal::GetCapturedStderr();
  EXPECT_EQ(exit_code, 0);
  EXPECT_TRUE(auth::MasterKey::from_base64(out));

  CLI::App bare;
  register_keys_commands(bare, &exit_code);
  EXPECT_THROW(bare.parse("keys"), CLI::RequiredError);
  CLI::App help;
  register_keys_commands(help, &exit_code);
  EXPECT_THROW(help.parse("keys generate --help"), CLI::CallForHelp);
}

}  // namespace
}  // namespace wharf::cli

namespace wharf::cli {
namespace {

// Answers every request with one scripted reply, and records what was sent.
class OneReply final : public HttpTransport {
 public:
  explicit OneReply(Result<HttpReply> reply) : reply_(std::move(reply)) {}
  Result<HttpReply> send(HttpMethod method, const std::string& url, const HeaderList& headers,
                         const std::string&) override {
    this->method = method;
    this->url = url;
    this->headers = headers;
    return reply_;
  }
  HttpMethod method = HttpMethod::kGet;
  std::string url;
  HeaderList headers;

 private:
  Result<HttpReply> reply_;
};

EnvLookup no_env() {
  return [](const std::string&) { return std::optional<std::string>(); };
}

TEST(KeysRotate, CallsTheGatewayAndSaysWhatItDid) {
  OneReply http(HttpReply{200, R"({"master_key_id":"ab12cd34ef56ab78","data_key_id":)"
                               R"("dk0123456789abcdef","data_keys":3,"reencrypted":42})"});
  std::ostringstream out, err;
  AdminFlags flags{.url = "http://127.0.0.1:8080", .config_path = "", .token = "t0ken-t0ken-t0ken"};
  EXPECT_EQ(run_keys_rotate(flags, http, no_env(), out, err), 0) << err.str();
  EXPECT_EQ(http.method, HttpMethod::kPost);
  EXPECT_EQ(http.url, "http://127.0.0.1:8080/api/v1/vault/rotate");
  EXPECT_EQ(out.str(),
            "rotated: master key ab12cd34ef56ab78 wraps 3 data keys; new data key "
            "dk0123456789abcdef; 42 secrets re-encrypted\n");
}

TEST(KeysRotate, AGatewayErrorIsOneLineAndExitOne) {
  OneReply http(
      HttpReply{503, R"({"error":"connections are not available: set vault.master_key"})"});
  std::ostringstream out, err;
  AdminFlags flags{.url = "http://127.0.0.1:8080", .config_path = "", .token = "t0ken-t0ken-t0ken"};
  EXPECT_EQ(run_keys_rotate(flags, http, no_env(), out, err), 1);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(err.str(), "wharf: 503: connections are not available: set vault.master_key\n");
}

TEST(KeysRotate, NoTokenAnywhereIsAUsageError) {
  OneReply http(HttpReply{200, "{}"});
  std::ostringstream out, err;
  AdminFlags flags{.url = "http://127.0.0.1:8080", .config_path = "/nonexistent.yaml", .token = ""};
  EXPECT_EQ(run_keys_rotate(flags, http, no_env(), out, err), 2);
  EXPECT_TRUE(err.str().starts_with("wharf: ")) << err.str();
}

}  // namespace
}  // namespace wharf::cli
