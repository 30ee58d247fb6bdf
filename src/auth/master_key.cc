#include "auth/master_key.h"

#include <openssl/crypto.h>

#include "core/crypto.h"
#include "core/encoding.h"

namespace wharf::auth {

MasterKey::MasterKey(std::string key)
    : key_(std::move(key)), id_(encoding::hex_encode(crypto::sha256(key_).substr(0, 8))) {}

MasterKey::~MasterKey() {
  if (!key_.empty()) OPENSSL_cleanse(key_.data(), key_.size());
}

Result<MasterKey> MasterKey::from_base64(std::string_view text) {
  std::string_view trimmed = text;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!trimmed.empty() && space(trimmed.front())) trimmed.remove_prefix(1);
  while (!trimmed.empty() && space(trimmed.back())) trimmed.remove_suffix(1);
  if (trimmed.empty()) return make_error(Errc::kInvalidArgument, "master key is empty");
  auto decoded = encoding::base64_decode(trimmed);
  if (!decoded) {
    return make_error(Errc::kInvalidArgument,
                      "master key is not valid base64 (generate one with `wharf keys generate`)");
  }
  if (decoded->size() != crypto::kAesGcmKeySize) {
    std::size_t n = decoded->size();
    OPENSSL_cleanse(decoded->data(), decoded->size());
    return make_error(Errc::kInvalidArgument,
                      "master key must be base64 of exactly 32 bytes, not " + std::to_string(n) +
                          " (generate one with `wharf keys generate`)");
  }
  return MasterKey(std::move(*decoded));
}

MasterKey MasterKey::generate() { return MasterKey(crypto::random_bytes(crypto::kAesGcmKeySize)); }

std::string MasterKey::to_base64() const { return encoding::base64_encode(key_); }

Result<MasterKeySet> MasterKeySet::create(std::vector<MasterKey> keys) {
  if (keys.empty()) return make_error(Errc::kInvalidArgument, "no master key configured");
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (keys[i].id() == keys[j].id()) {
        return make_error(Errc::kInvalidArgument,
                          "master key " + keys[i].id() + " is configured twice");
      }
    }
  }
  return MasterKeySet(std::move(keys));
}

Result<MasterKeySet> MasterKeySet::from_base64_list(const std::vector<std::string>& texts) {
  std::vector<MasterKey> keys;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    auto key = MasterKey::from_base64(texts[i]);
    if (!key) {
      return make_error(Errc::kInvalidArgument,
                        "master key #" + std::to_string(i + 1) + ": " + key.error().message);
    }
    keys.push_back(std::move(*key));
  }
  return create(std::move(keys));
}

const MasterKey* MasterKeySet::find(std::string_view id) const {
  for (const auto& k : keys_) {
    if (k.id() == id) return &k;
  }
  return nullptr;
}

std::string MasterKeySet::describe_ids() const {
  std::string out;
  for (const auto& k : keys_) {
    if (!out.empty()) out += ", ";
    out += k.id();
  }
  return out;
}

MasterKeySet MasterKeySet::with_current(MasterKey key) const {
  std::vector<MasterKey> keys;
  keys.push_back(std::move(key));
  for (const auto& k : keys_) {
    if (k.id() != keys.front().id()) keys.push_back(k);
  }
  return MasterKeySet(std::move(keys));
}

}  // namespace wharf::auth
