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
