#include "auth/key_ring.h"

#include <gtest/gtest.h>

namespace wharf::auth {
namespace {

MasterKeySet only(const MasterKey& k) { return MasterKeySet::create({k}).value(); }

TEST(KeyRing, GeneratedKeyUnwrapsAndBecomesCurrent) {
  MasterKey a = MasterKey::generate();
  KeyRing ring(only(a));
  EXPECT_EQ(ring.current(), nullptr);
  WrappedKey w = ring.generate();
  EXPECT_TRUE(is_data_key_id(w.id));
  EXPECT_EQ(w.generation, 1u);
  EXPECT_EQ(w.master_key_id, a.id());
  EXPECT_EQ(w.wrapped.size(), 12u + 32u + 16u);
  ASSERT_TRUE(ring.add(w));
  ASSERT_NE(ring.current(), nullptr);
  EXPECT_EQ(ring.current()->id, w.id);
  EXPECT_EQ(ring.generate().generation, 2u);
}

TEST(KeyRing, WrappedBytesDoNotContainTheKey) {
  KeyRing ring(only(MasterKey::generate()));
  ASSERT_TRUE(ring.add(ring.generate()));
  const DataKey& key = *ring.current();
  WrappedKey w = ring.wrap(key);
  EXPECT_EQ(w.wrapped.find(key.bytes), std::string::npos);
  EXPECT_EQ(w.wrapped.find(key.bytes.substr(0, 8)), std::string::npos);
}

TEST(KeyRing, MissingMasterKeyIsAClearErrorNamingItsId) {
  MasterKey a = MasterKey::generate();
  MasterKey c = MasterKey::generate();
  WrappedKey w = KeyRing(only(a)).generate();
  KeyRing other(only(c));
  auto r = other.add(w);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kNotFound);
  EXPECT_NE(r.error().message.find("master key " + a.id()), std::string::npos);
  EXPECT_NE(r.error().message.find("configured: " + c.id()), std::string::npos);
  EXPECT_NE(r.error().message.find(w.id), std::string::npos);
}

TEST(KeyRing, TamperedOrRelabelledWrappedKeysDoNotUnwrap) {
  MasterKey a = MasterKey::generate();
  KeyRing ring(only(a));
  WrappedKey w = ring.generate();

  WrappedKey flipped = w;
  flipped.wrapped[20] ^= 1;
  EXPECT_EQ(ring.add(flipped).error().code, Errc::kUnauthenticated);

  WrappedKey renamed = w;
  renamed.id = "dk0123456789abcdef";
  EXPECT_EQ(ring.add(renamed).error().code, Errc::kUnauthenticated);

  WrappedKey promoted = w;  // an old key made to look current
  promoted.generation = 99;
  EXPECT_EQ(ring.add(promoted).error().code, Errc::kUnauthenticated);

  WrappedKey malformed = w;
  malformed.id = "dk:oops";
  EXPECT_EQ(ring.add(malformed).error().code, Errc::kInvalidArgument);

  EXPECT_EQ(ring.size(), 0u);
  EXPECT_TRUE(ring.add(w));
}

TEST(KeyRing, WrapUsesTheCurrentMasterAndAnyConfiguredKeyUnwraps) {
  MasterKey a = MasterKey::generate();
  MasterKey b = MasterKey::generate();
  KeyRing ring(only(a));
  WrappedKey under_a = ring.generate();
  ASSERT_TRUE(ring.add(under_a));
  ring.set_masters(ring.masters().with_current(b));
  WrappedKey under_b = ring.wrap(*ring.current());
  EXPECT_EQ(under_b.master_key_id, b.id());
  EXPECT_EQ(under_b.id, under_a.id);

  KeyRing only_b(only(b));
  ASSERT_TRUE(only_b.add(under_b));
  EXPECT_EQ(only_b.current()->bytes, ring.current()->bytes);
  EXPECT_FALSE(only_b.add(under_a));
}

TEST(KeyRing, CurrentIsTheHighestGeneration) {
  KeyRing ring(only(MasterKey::generate()));
  WrappedKey first = ring.generate();
  ASSERT_TRUE(ring.add(first));
  WrappedKey second = ring.generate();
  ASSERT_TRUE(ring.add(second));
  ASSERT_TRUE(ring.add(first));  // re-adding an old key does not make it current
  EXPECT_EQ(ring.current()->id, second.id);
  auto keys = ring.keys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0]->id, first.id);
}

TEST(IsDataKeyId, AcceptsOnlyDkAnd16LowercaseHex) {
  EXPECT_TRUE(is_data_key_id("dk0123456789abcdef"));
  EXPECT_FALSE(is_data_key_id("dk0123456789ABCDEF"));
  EXPECT_FALSE(is_data_key_id("dk0123456789abcde"));
  EXPECT_FALSE(is_data_key_id("xx0123456789abcdef"));
  EXPECT_FALSE(is_data_key_id(""));
}

}  // namespace
}  // namespace wharf::auth
