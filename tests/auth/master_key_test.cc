#include "auth/master_key.h"

#include <gtest/gtest.h>

#include "core/crypto.h"
#include "core/encoding.h"

namespace wharf::auth {
namespace {

std::string b64(std::string_view bytes) { return encoding::base64_encode(bytes); }

TEST(MasterKey, ParsesBase64OfExactly32BytesWithSurroundingWhitespace) {
  std::string raw(32, '\x07');
  auto key = MasterKey::from_base64("  " + b64(raw) + "\n");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->bytes(), raw);
  EXPECT_EQ(key->to_base64(), b64(raw));
}

TEST(MasterKey, IdIsTheFirst8BytesOfSha256InHex) {
  std::string raw(32, '\x07');
  auto key = MasterKey::from_base64(b64(raw)).value();
  EXPECT_EQ(key.id(), encoding::hex_encode(crypto::sha256(raw).substr(0, 8)));
  EXPECT_EQ(key.id().size(), 16u);
  EXPECT_EQ(key.id().find(b64(raw)), std::string::npos);
}

TEST(MasterKey, RefusesWrongSizesWithoutEchoingTheText) {
  for (std::size_t n : {1, 16, 31, 33, 64}) {
    std::string text = b64(std::string(n, 'Q'));
    auto key = MasterKey::from_base64(text);
    ASSERT_FALSE(key) << n;
    EXPECT_EQ(key.error().code, Errc::kInvalidArgument);
    EXPECT_NE(key.error().message.find("exactly 32 bytes"), std::string::npos);
    EXPECT_EQ(key.error().message.find(text), std::string::npos);
  }
}

TEST(MasterKey, RefusesEmptyAndNonBase64WithoutEchoingTheText) {
  EXPECT_NE(MasterKey::from_base64(" \n").error().message.find("empty"), std::string::npos);
  std::string text = "not!base64!secret-value-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz";
  auto key = MasterKey::from_base64(text);
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find("not valid base64"), std::string::npos);
  EXPECT_EQ(key.error().message.find("secret-value"), std::string::npos);
}

TEST(MasterKey, GeneratesDistinct32ByteKeysThatRoundTrip) {
  MasterKey a = MasterKey::generate();
  MasterKey b = MasterKey::generate();
  EXPECT_EQ(a.bytes().size(), 32u);
  EXPECT_NE(a.id(), b.id());
  EXPECT_EQ(MasterKey::from_base64(a.to_base64()).value().id(), a.id());
}

TEST(MasterKeySet, FirstIsCurrentAndOthersAreFound) {
  MasterKey a = MasterKey::generate();
  MasterKey b = MasterKey::generate();
  auto set = MasterKeySet::from_base64_list({b.to_base64(), a.to_base64()}).value();
  EXPECT_EQ(set.current().id(), b.id());
  ASSERT_NE(set.find(a.id()), nullptr);
  EXPECT_EQ(set.find(a.id())->bytes(), a.bytes());
  EXPECT_EQ(set.find("0000000000000000"), nullptr);
  EXPECT_EQ(set.describe_ids(), b.id() + ", " + a.id());
}

TEST(MasterKeySet, RefusesEmptyDuplicateAndMalformedEntries) {
  EXPECT_FALSE(MasterKeySet::create({}));
  MasterKey a = MasterKey::generate();
  auto dup = MasterKeySet::from_base64_list({a.to_base64(), a.to_base64()});
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message.find("configured twice"), std::string::npos);
  EXPECT_EQ(dup.error().message.find(a.to_base64()), std::string::npos);
  auto bad = MasterKeySet::from_base64_list({a.to_base64(), "c2hvcnQ="});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("master key #2"), std::string::npos);
}

TEST(MasterKeySet, WithCurrentPutsTheNewKeyFirstWithoutDuplicating) {
  MasterKey a = MasterKey::generate();
  MasterKey b = MasterKey::generate();
  auto set = MasterKeySet::create({a}).value();
  auto rotated = set.with_current(b);
  EXPECT_EQ(rotated.describe_ids(), b.id() + ", " + a.id());
  EXPECT_EQ(rotated.with_current(a).describe_ids(), a.id() + ", " + b.id());
}

}  // namespace
}  // namespace wharf::auth
