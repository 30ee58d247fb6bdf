#include "auth/vault.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "core/encoding.h"

namespace wharf::auth {
namespace {

MasterKeySet keys(std::initializer_list<MasterKey> list) {
  return MasterKeySet::create(std::vector<MasterKey>(list)).value();
}

constexpr std::string_view kSecret = "ya29.a0-refresh-token-SECRET-4242";
constexpr std::string_view kRow = "connections/42/refresh_token";

std::string flip_char(std::string s, std::size_t i) {
  s[i] = s[i] == 'A' ? 'B' : 'A';
  return s;
}

TEST(Vault, SealsAndOpensAndCreatesTheFirstDataKeyOnLoad) {
  InMemoryWrappedKeyStore store;
  MasterKey a = MasterKey::generate();
  auto vault = Vault::load(keys({a}), store).value();
  EXPECT_EQ(store.list().value().size(), 1u);
  EXPECT_EQ(vault->current_master_key_id(), a.id());

  std::string envelope = vault->seal(kSecret, kRow).value();
  EXPECT_EQ(envelope.rfind("v1:" + vault->current_data_key_id() + ":", 0), 0u);
  EXPECT_EQ(vault->open(envelope, kRow).value(), kSecret);
  EXPECT_NE(vault->seal(kSecret, kRow).value(), envelope);  // fresh nonce
}

TEST(Vault, APlaintextNeverAppearsInTheEnvelopeOrTheStoredKeys) {
  InMemoryWrappedKeyStore store;
  auto vault = Vault::load(keys({MasterKey::generate()}), store).value();
  std::string envelope = vault->seal(kSecret, kRow).value();
  EXPECT_EQ(envelope.find(kSecret), std::string::npos);
  EXPECT_EQ(envelope.find("SECRET"), std::string::npos);
  EXPECT_EQ(envelope.find(encoding::base64url_encode(kSecret)), std::string::npos);
  for (const WrappedKey& w : store.list().value()) {
    EXPECT_EQ(w.wrapped.find(kSecret), std::string::npos);
    EXPECT_EQ(w.wrapped.find("SECRET"), std::string::npos);
  }
}

TEST(Vault, AnEnvelopeOpensOnlyForItsOwnContext) {
  InMemoryWrappedKeyStore store;
  auto vault = Vault::load(keys({MasterKey::generate()}), store).value();
  std::string envelope = vault->seal(kSecret, kRow).value();
  for (std::string_view other : {"connections/43/refresh_token", "connections/42/access_token", "",
                                 "connections/42/refresh_token "}) {
    auto opened = vault->open(envelope, other);
    ASSERT_FALSE(opened) << other;
    EXPECT_EQ(opened.error().code, Errc::kUnauthenticated);
    EXPECT_EQ(opened.error().message.find(kSecret), std::string::npos);
  }
}

TEST(Vault, TamperedEnvelopesFail) {
  InMemoryWrappedKeyStore store;
  auto vault = Vault::load(keys({MasterKey::generate()}), store).value();
  std::string envelope = vault->seal(kSecret, kRow).value();
  std::size_t body = envelope.rfind(':') + 1;
  for (std::size_t i = body; i < envelope.size(); ++i) {
    auto opened = vault->open(flip_char(envelope, i), kRow);
    EXPECT_FALSE(opened) << i;
  }
  EXPECT_FALSE(vault->open(envelope.substr(0, envelope.size() - 4), kRow));
  EXPECT_FALSE(vault->open(envelope + "AAAA", kRow));

  auto wrong_version = vault->open("v2" + envelope.substr(2), kRow);
  ASSERT_FALSE(wrong_version);
  EXPECT_NE(wrong_version.error().message.find("version"), std::string::npos);
  EXPECT_EQ(vault->open("plaintext", kRow).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(vault->open("v1:dk:abc", kRow).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(vault->open("v1:" + vault->current_data_key_id() + ":***", kRow).error().code,
            Errc::kInvalidArgument);

  // An envelope pointed at another data key of the same vault fails authentication.
  ASSERT_TRUE(vault->rotate_data_key());
  std::string moved = "v1:" + vault->current_data_key_id() + envelope.substr(envelope.rfind(':'));
  EXPECT_EQ(vault->open(moved, kRow).error().code, Errc::kUnauthenticated);
  EXPECT_EQ(vault->open(envelope, kRow).value(), kSecret);
}

TEST(Vault, AnUnknownDataKeyIsNotFound) {
  InMemoryWrappedKeyStore store;
  auto vault = Vault::load(keys({MasterKey::generate()}), store).value();
  std::string envelope = vault->seal(kSecret, kRow).value();
  std::string unknown = "v1:dk0000000000000000" + envelope.substr(envelope.rfind(':'));
  auto opened = vault->open(unknown, kRow);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, Errc::kNotFound);
  EXPECT_NE(opened.error().message.find("dk0000000000000000"), std::string::npos);
}

TEST(Vault, ASecretSealedUnderAOpensAfterRotatingToBWithOnlyBConfigured) {
  InMemoryWrappedKeyStore store;
  MasterKey a = MasterKey::generate();
  MasterKey b = MasterKey::generate();
  std::string envelope;
  {
    auto vault = Vault::load(keys({a}), store).value();
    envelope = vault->seal(kSecret, kRow).value();
    ASSERT_TRUE(vault->rotate_master(b));
    EXPECT_EQ(vault->current_master_key_id(), b.id());
    EXPECT_EQ(vault->open(envelope, kRow).value(), kSecret);  // the envelope was not touched
  }
  for (const WrappedKey& w : store.list().value()) EXPECT_EQ(w.master_key_id, b.id());

  auto only_b = Vault::load(keys({b}), store);
  ASSERT_TRUE(only_b);
  EXPECT_EQ((*only_b)->open(envelope, kRow).value(), kSecret);
}

TEST(Vault, LoadingWithOnlyAnUnrelatedMasterKeyNamesTheMissingKeyId) {
  InMemoryWrappedKeyStore store;
  MasterKey a = MasterKey::generate();
  MasterKey b = MasterKey::generate();
  MasterKey c = MasterKey::generate();
  {
    auto vault = Vault::load(keys({a}), store).value();
    ASSERT_TRUE(vault->rotate_master(b));
  }
  auto only_c = Vault::load(keys({c}), store);
  ASSERT_FALSE(only_c);
  EXPECT_EQ(only_c.error().code, Errc::kNotFound);
  EXPECT_NE(only_c.error().message.find("master key " + b.id()), std::string::npos);
  EXPECT_NE(only_c.error().message.find("not configured"), std::string::npos);
  EXPECT_EQ(only_c.error().message.find(b.to_base64()), std::string::npos);
  EXPECT_EQ(only_c.error().message.find(c.to_base64()), std::string::npos);
  // The old master key no longer unwraps anything either.
  EXPECT_NE(Vault::load(keys({a}), store).error().message.find(b.id()), std::string::npos);
}

TEST(Vault, DuringARotationBothMasterKeysUnwrap) {
  InMemoryWrappedKeyStore store;
  MasterKey a = MasterKey::generate();
  MasterKey b = MasterKey::generate();
  std::string old_envelope = Vault::load(keys({a}), store).value()->seal(kSecret, kRow).value();
  // Step 1 of the procedure: [B, A] configured; B wraps the new data keys.
  auto vault = Vault::load(keys({b, a}), store).value();
  ASSERT_TRUE(vault->rotate_data_key());
  std::string new_envelope = vault->seal("other", "row/2").value();
  auto stored = store.list().value();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_NE(stored[0].master_key_id, stored[1].master_key_id);
  EXPECT_EQ(Vault::load(keys({a, b}), store).value()->open(new_envelope, "row/2").value(), "other");
  EXPECT_FALSE(Vault::load(keys({b}), store));  // one key still wrapped under A
  ASSERT_TRUE(vault->rotate_master(b));
  auto only_b = Vault::load(keys({b}), store).value();
  EXPECT_EQ(only_b->open(old_envelope, kRow).value(), kSecret);
  EXPECT_EQ(only_b->open(new_envelope, "row/2").value(), "other");
}

TEST(Vault, AFailedRewrapCanBeRunAgain) {
  InMemoryWrappedKeyStore store;
  MasterKey a = MasterKey::generate();
  MasterKey b = MasterKey::generate();
  auto vault = Vault::load(keys({a}), store).value();
  std::string envelope = vault->seal(kSecret, kRow).value();
  store.fail_puts(true);
  auto failed = vault->rotate_master(b);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, Errc::kUnavailable);
  store.fail_puts(false);
  EXPECT_EQ(Vault::load(keys({b, a}), store).value()->open(envelope, kRow).value(), kSecret);
  ASSERT_TRUE(vault->rotate_master(b));
  EXPECT_EQ(Vault::load(keys({b}), store).value()->open(envelope, kRow).value(), kSecret);
}

TEST(Vault, RotatingTheDataKeyKeepsOldEnvelopesAndReencryptMovesThem) {
  InMemoryWrappedKeyStore store;
  auto vault = Vault::load(keys({MasterKey::generate()}), store).value();
  std::string old_envelope = vault->seal(kSecret, kRow).value();
  std::string old_dek = vault->current_data_key_id();
  EXPECT_TRUE(vault->is_current(old_envelope));

  ASSERT_TRUE(vault->rotate_data_key());
  EXPECT_NE(vault->current_data_key_id(), old_dek);
  EXPECT_FALSE(vault->is_current(old_envelope));
  EXPECT_EQ(vault->open(old_envelope, kRow).value(), kSecret);

  std::string fresh = vault->reencrypt(old_envelope, kRow).value();
  EXPECT_TRUE(vault->is_current(fresh));
  EXPECT_EQ(fresh.find(old_dek), std::string::npos);
  EXPECT_EQ(vault->open(fresh, kRow).value(), kSecret);
  EXPECT_FALSE(vault->open(fresh, "connections/43/refresh_token"));
  // reencrypt keeps the binding: it refuses an envelope presented for another row.
  EXPECT_FALSE(vault->reencrypt(old_envelope, "connections/43/refresh_token"));
  EXPECT_FALSE(vault->is_current("garbage"));
}

TEST(Vault, AnotherInstancesNewDataKeyIsPickedUpOnOpen) {
  InMemoryWrappedKeyStore store;
  MasterKey a = MasterKey::generate();
  auto first = Vault::load(keys({a}), store).value();
  auto second = Vault::load(keys({a}), store).value();
  EXPECT_EQ(first->current_data_key_id(), second->current_data_key_id());
  ASSERT_TRUE(second->rotate_data_key());
  std::string envelope = second->seal(kSecret, kRow).value();
  EXPECT_EQ(first->open(envelope, kRow).value(), kSecret);
  EXPECT_EQ(first->current_data_key_id(), second->current_data_key_id());
}

TEST(Vault, StoreErrorsAreReported) {
  InMemoryWrappedKeyStore store;
  store.fail_lists(true);
  EXPECT_EQ(Vault::load(keys({MasterKey::generate()}), store).error().code, Errc::kUnavailable);
  store.fail_lists(false);
  store.fail_puts(true);
  EXPECT_EQ(Vault::load(keys({MasterKey::generate()}), store).error().code, Errc::kUnavailable);
}

TEST(Vault, SealsAndOpensFromManyThreadsDuringRotations) {
  InMemoryWrappedKeyStore store;
  auto vault = Vault::load(keys({MasterKey::generate()}), store).value();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string row = "row/" + std::to_string(t);
      for (int i = 0; i < 200; ++i) {
        std::string secret = "secret-" + std::to_string(i);
        auto sealed = vault->seal(secret, row);
        if (!sealed) {
          ++failures;
          continue;
        }
        auto opened = vault->open(*sealed, row);
        if (!opened || *opened != secret) ++failures;
      }
    });
  }
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(vault->rotate_data_key());
    ASSERT_TRUE(vault->rotate_master(MasterKey::generate()));
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace wharf::auth
