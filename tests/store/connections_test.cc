#include "store/connections.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "auth/vault.h"
#include "auth/wrapped_key_store.h"
#include "store/store.h"
#include "support/test_dir.h"

namespace wharf::store {
namespace {

ConnectionRecord oauth_record(std::string id) {
  ConnectionRecord r;
  r.id = std::move(id);
  r.provider = "google";
  r.type = "oauth";
  r.status = "connected";
  r.scopes = "email profile";
  r.expires_at_ms = 1'700'000'060'000;
  r.access_token = "v1:dk0000000000000001:AAAA";
  r.refresh_token = "v1:dk0000000000000001:BBBB";
  r.created_ms = 1'700'000'000'000;
  r.updated_ms = 1'700'000'000'000;
  return r;
}

// Both implementations must behave the same: the SQLite engine's, and the in-memory one.
class ConnectionStoreTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      auto s = open_store(dir_.sqlite_url(), {});
      ASSERT_TRUE(s) << s.error().message;
      store_ = std::move(*s);
      connections_ = &store_->connections();
    } else {
      connections_ = &memory_;
    }
  }
  wharf::testing::TestDir dir_{"wharf-connections"};
  std::unique_ptr<Store> store_;
  InMemoryConnectionStore memory_;
  ConnectionStore* connections_ = nullptr;
};

TEST_P(ConnectionStoreTest, InsertThenGetReturnsEveryColumn) {
  ConnectionRecord r = oauth_record("alice");
  r.last_refresh_ms = 1'700'000'030'000;
  r.last_error = "earlier failure";
  r.refresh_failures = 2;
  auto put = connections_->put(r, 0);
  ASSERT_TRUE(put);
  ASSERT_EQ(*put, 1);
  auto got = connections_->get("alice");
  ASSERT_TRUE(got && *got);
  const ConnectionRecord& g = **got;
  EXPECT_EQ(g.provider, "google");
  EXPECT_EQ(g.type, "oauth");
  EXPECT_EQ(g.status, "connected");
  EXPECT_EQ(g.scopes, "email profile");
  EXPECT_EQ(g.expires_at_ms, r.expires_at_ms);
  EXPECT_EQ(g.last_refresh_ms, r.last_refresh_ms);
  EXPECT_EQ(g.last_error, "earlier failure");
  EXPECT_EQ(g.refresh_failures, 2);
  EXPECT_EQ(g.access_token, r.access_token);
  EXPECT_EQ(g.refresh_token, r.refresh_token);
  EXPECT_EQ(g.api_key, "");
  EXPECT_EQ(g.version, 1);
}

TEST_P(ConnectionStoreTest, InsertOfAnExistingIdIsRefused) {
  ASSERT_TRUE(connections_->put(oauth_record("alice"), 0));
  ConnectionRecord other = oauth_record("alice");
  other.provider = "slack";
  auto put = connections_->put(other, 0);
  ASSERT_TRUE(put);
  EXPECT_FALSE(*put);
  EXPECT_EQ((*connections_->get("alice"))->provider, "google");
}

TEST_P(ConnectionStoreTest, UpdateIsACompareAndSwapOnTheVersion) {
  ASSERT_TRUE(connections_->put(oauth_record("alice"), 0));
  ConnectionRecord first = oauth_record("alice");
  first.access_token = "v1:dk0000000000000001:NEW1";
  auto a = connections_->put(first, 1);
  ASSERT_TRUE(a && *a);
  EXPECT_EQ(**a, 2);
  // A writer that read version 1 lost the race: nothing of its write lands.
  ConnectionRecord stale = oauth_record("alice");
  stale.access_token = "v1:dk0000000000000001:STALE";
  auto b = connections_->put(stale, 1);
  ASSERT_TRUE(b);
  EXPECT_FALSE(*b);
  auto got = connections_->get("alice");
  EXPECT_EQ((*got)->access_token, "v1:dk0000000000000001:NEW1");
  EXPECT_EQ((*got)->version, 2);
  // An update of a row that does not exist changes nothing.
  auto c = connections_->put(oauth_record("bob"), 3);
  ASSERT_TRUE(c);
  EXPECT_FALSE(*c);
  EXPECT_FALSE(*connections_->get("bob"));
}

TEST_P(ConnectionStoreTest, EmptySecretsAreClearedAndListIsOrderedById) {
  ASSERT_TRUE(connections_->put(oauth_record("zed"), 0));
  ASSERT_TRUE(connections_->put(oauth_record("amy"), 0));
  ConnectionRecord revoked = oauth_record("zed");
  revoked.status = "revoked";
  revoked.access_token.clear();
  revoked.refresh_token.clear();
  revoked.expires_at_ms.reset();
  ASSERT_TRUE(*connections_->put(revoked, 1));
  auto all = connections_->list();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "amy");
  EXPECT_EQ((*all)[1].id, "zed");
  EXPECT_EQ((*all)[1].status, "revoked");
  EXPECT_EQ((*all)[1].access_token, "");
  EXPECT_EQ((*all)[1].refresh_token, "");
  EXPECT_FALSE((*all)[1].expires_at_ms);
}

TEST_P(ConnectionStoreTest, RemoveDeletesTheRowOnce) {
  ASSERT_TRUE(connections_->put(oauth_record("alice"), 0));
  auto first = connections_->remove("alice");
  ASSERT_TRUE(first);
  EXPECT_TRUE(*first);
  auto again = connections_->remove("alice");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  EXPECT_FALSE(*connections_->get("alice"));
}

INSTANTIATE_TEST_SUITE_P(Engines, ConnectionStoreTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Sqlite" : "InMemory"; });

TEST(SecretContextTest, NamesTheRowAndColumn) {
  EXPECT_EQ(secret_context("alice", "refresh_token"), "connections/alice/refresh_token");
}

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The vault on the SQLite engine's key table: its data keys survive a reopen, and the database
// file holds neither a data key nor a secret in the clear.
TEST(SqliteVaultKeysTest, VaultReopensFromTheDatabaseAndStoresNoPlaintext) {
  wharf::testing::TestDir dir("wharf-vault-keys");
  auto master = auth::MasterKeySet::create({auth::MasterKey::generate()});
  ASSERT_TRUE(master);
  const std::string secret = "refresh-token-that-must-not-be-on-disk-0123456789";
  std::string envelope;
  {
    auto s = open_store(dir.sqlite_url(), {});
    ASSERT_TRUE(s) << s.error().message;
    auto vault = auth::Vault::load(*master, (*s)->vault_keys());
    ASSERT_TRUE(vault) << vault.error().message;
    auto sealed = (*vault)->seal(secret, secret_context("alice", "refresh_token"));
    ASSERT_TRUE(sealed);
    envelope = *sealed;
    ConnectionRecord r = oauth_record("alice");
    r.refresh_token = envelope;
    ASSERT_TRUE(*(*s)->connections().put(r, 0));
    (*s)->close();
  }
  auto s = open_store(dir.sqlite_url(), {});
  ASSERT_TRUE(s);
  auto keys = (*s)->vault_keys().list();
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 1u);
  auto vault = auth::Vault::load(*master, (*s)->vault_keys());
  ASSERT_TRUE(vault) << vault.error().message;
  auto stored = (*s)->connections().get("alice");
  ASSERT_TRUE(stored && *stored);
  auto opened = (*vault)->open((*stored)->refresh_token, secret_context("alice", "refresh_token"));
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(*opened, secret);
  (*s)->close();
  std::string bytes = read_all(dir.path() / "w.db") + read_all(dir.path() / "w.db-wal");
  EXPECT_EQ(bytes.find(secret), std::string::npos);
  EXPECT_NE(bytes.find(envelope.substr(0, 20)), std::string::npos);  // the envelope is there
}

}  // namespace
}  // namespace wharf::store
