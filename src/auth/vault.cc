#include "auth/vault.h"

#include <openssl/crypto.h>

#include <mutex>

#include "core/crypto.h"
#include "core/encoding.h"

namespace wharf::auth {
namespace {

constexpr std::string_view kVersion = "v1";

struct Envelope {
  std::string_view dek_id;
  std::string sealed;  // nonce || ciphertext || tag
};

// Envelopes come from our own database, but are parsed strictly: anything unexpected is refused
// before any key is touched. Messages never quote the envelope.
Result<Envelope> parse_envelope(std::string_view text) {
  std::size_t first = text.find(':');
  std::size_t second = first == std::string_view::npos ? first : text.find(':', first + 1);
  if (second == std::string_view::npos) {
    return make_error(Errc::kInvalidArgument, "not a vault envelope");
  }
  if (text.substr(0, first) != kVersion) {
    return make_error(Errc::kInvalidArgument, "unsupported vault envelope version");
  }
  Envelope env;
  env.dek_id = text.substr(first + 1, second - first - 1);
  if (!is_data_key_id(env.dek_id)) {
    return make_error(Errc::kInvalidArgument, "vault envelope has a malformed data key id");
  }
  auto sealed = encoding::base64url_decode(text.substr(second + 1));
  if (!sealed) return make_error(Errc::kInvalidArgument, "vault envelope is not valid base64url");
  env.sealed = std::move(*sealed);
  return env;
}

// Binds the ciphertext to the format version, its DEK and the caller's row.
std::string data_aad(std::string_view dek_id, std::string_view aad_context) {
  std::string aad = "wharf/vault/v1\n";
  aad += dek_id;
  aad += '\n';
  aad += aad_context;
  return aad;
}

Result<std::string> seal_with(const DataKey& key, std::string_view plaintext,
                              std::string_view aad_context) {
  auto sealed = crypto::aes256gcm_seal(key.bytes, plaintext, data_aad(key.id, aad_context));
  if (!sealed) return sealed.error();
  std::string out(kVersion);
  out += ':';
  out += key.id;
  out += ':';
  out += encoding::base64url_encode(*sealed);
  return out;
}

Result<std::string> open_with(const DataKey& key, std::string_view sealed,
                              std::string_view aad_context) {
  auto plain = crypto::aes256gcm_open(key.bytes, sealed, data_aad(key.id, aad_context));
  if (!plain) {
    return make_error(Errc::kUnauthenticated,
                      "vault envelope failed authentication (sealed for another context, or "
                      "modified)");
  }
  return plain;
}

}  // namespace

Result<std::unique_ptr<Vault>> Vault::load(MasterKeySet masters, WrappedKeyStore& store) {
  std::unique_ptr<Vault> vault(new Vault(std::move(masters), store));
  std::unique_lock lock(vault->mu_);
  if (auto r = vault->refresh_locked(); !r) return r.error();
  if (vault->ring_.current() == nullptr) {
    if (auto r = vault->add_new_key_locked(); !r) return r.error();
  }
  lock.unlock();
  return vault;
}

Result<void> Vault::refresh_locked() {
  auto stored = store_.list();
  if (!stored) return stored.error();
  for (const WrappedKey& w : *stored) {
    // A held key is already known; re-unwrapping it would only cost time. A rewrap by another
    // instance changes its wrapping, not its bytes.
    if (ring_.find(w.id) != nullptr) continue;
    if (auto r = ring_.add(w); !r) return r.error();
  }
  return {};
}

Result<void> Vault::add_new_key_locked() {
  WrappedKey fresh = ring_.generate();
  if (auto r = store_.put(fresh); !r) return r.error();
  return ring_.add(fresh);
}

Result<std::string> Vault::seal(std::string_view plaintext, std::string_view aad_context) const {
  std::shared_lock lock(mu_);
  const DataKey* key = ring_.current();
  if (key == nullptr) return make_error(Errc::kInternal, "the vault holds no data key");
  return seal_with(*key, plaintext, aad_context);
}

Result<std::string> Vault::open(std::string_view envelope, std::string_view aad_context) {
  auto env = parse_envelope(envelope);
  if (!env) return env.error();
  {
    std::shared_lock lock(mu_);
    if (const DataKey* key = ring_.find(env->dek_id)) {
      return open_with(*key, env->sealed, aad_context);
    }
  }
  if (auto r = refresh(); !r) return r.error();
  std::shared_lock lock(mu_);
  const DataKey* key = ring_.find(env->dek_id);
  if (key == nullptr) {
    return make_error(Errc::kNotFound, "vault envelope names data key " + std::string(env->dek_id) +
                                           ", which the vault does not hold");
  }
  return open_with(*key, env->sealed, aad_context);
}

Result<void> Vault::rotate_master(MasterKey new_key) {
  std::unique_lock lock(mu_);
  if (auto r = refresh_locked(); !r) return r.error();
  MasterKeySet previous = ring_.masters();
  ring_.set_masters(previous.with_current(std::move(new_key)));
  for (const DataKey* key : ring_.keys()) {
    if (auto r = store_.put(ring_.wrap(*key)); !r) return r.error();
  }
  return {};
}

Result<std::size_t> Vault::rewrap() {
  std::unique_lock lock(mu_);
  if (auto r = refresh_locked(); !r) return r.error();
  for (const DataKey* key : ring_.keys()) {
    if (auto r = store_.put(ring_.wrap(*key)); !r) return r.error();
  }
  return ring_.size();
}

Result<void> Vault::rotate_data_key() {
  std::unique_lock lock(mu_);
  // Generations must rise above every instance's keys, not just this one's.
  if (auto r = refresh_locked(); !r) return r.error();
  return add_new_key_locked();
}

Result<std::string> Vault::reencrypt(std::string_view envelope, std::string_view aad_context) {
  auto plain = open(envelope, aad_context);
  if (!plain) return plain.error();
  auto sealed = seal(*plain, aad_context);
  OPENSSL_cleanse(plain->data(), plain->size());
  return sealed;
}

bool Vault::is_current(std::string_view envelope) const {
  auto env = parse_envelope(envelope);
  if (!env) return false;
  std::shared_lock lock(mu_);
  const DataKey* key = ring_.current();
  return key != nullptr && key->id == env->dek_id;
}

Result<void> Vault::refresh() {
  std::unique_lock lock(mu_);
  return refresh_locked();
}

std::string Vault::current_master_key_id() const {
  std::shared_lock lock(mu_);
  return ring_.masters().current().id();
}

std::string Vault::current_data_key_id() const {
  std::shared_lock lock(mu_);
  const DataKey* key = ring_.current();
  return key == nullptr ? std::string() : key->id;
}

}  // namespace wharf::auth
