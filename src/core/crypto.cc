#include "core/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <atomic>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <unordered_map>

namespace wharf::crypto {
namespace {

// Failures of OpenSSL calls that cannot fail on valid input (allocation, a provider missing from
// the installation) are bugs or a broken environment, not request errors.
[[noreturn]] void fail(const char* what) {
  ERR_clear_error();
  throw std::runtime_error(std::string("OpenSSL failure: ") + what);
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

const char* digest_name(Digest d) {
  switch (d) {
    case Digest::kSha1:
      return "SHA1";
    case Digest::kSha256:
      return "SHA256";
    case Digest::kSha512:
      return "SHA512";
  }
  return "SHA256";
}

// Fetched once for the process: EVP_MAC_fetch takes a lock and searches the provider store.
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (m == nullptr) fail("EVP_MAC_fetch(HMAC)");
    return m;
  }();
  return mac;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

std::shared_ptr<void> own_pkey(EVP_PKEY* pkey) {
  return std::shared_ptr<void>(pkey, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
}

EVP_PKEY* raw(const std::shared_ptr<void>& p) { return static_cast<EVP_PKEY*>(p.get()); }

bool is_p256(EVP_PKEY* pkey) {
  if (!EVP_PKEY_is_a(pkey, "EC")) return false;
  char group[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &len) != 1) return false;
  std::string_view g(group, len);
  return g == "prime256v1" || g == "P-256";
}

bool is_ed25519(EVP_PKEY* pkey) { return EVP_PKEY_is_a(pkey, "ED25519") == 1; }

// ECDSA signs the SHA-256 of the message; Ed25519 signs the message itself (no digest).
const EVP_MD* digest_for(EVP_PKEY* pkey) { return is_ed25519(pkey) ? nullptr : EVP_sha256(); }

}  // namespace

std::string sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr) != 1) {
    fail("EVP_Digest(SHA256)");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    fail("RAND_bytes");
  }
  return out;
}

// ---- HmacKey ----------------------------------------------------------------------------------

// Holds a context already keyed with the HMAC key schedule (the template). Each thread signs with
// its own working copy of it, made once per key and thread, and re-initialised before every MAC
// with EVP_MAC_init(ctx, NULL key): OpenSSL's HMAC then restarts from the stored inner state, so a
// MAC costs no allocation (duplicating the template per call cost ~20 allocations). The template
// is only read after construction, so concurrent sign() calls from many threads are safe.
struct HmacKey::Impl {
  EVP_MAC_CTX* keyed = nullptr;
  std::uint64_t serial = 0;  // unique per key for the process's life: the per-thread cache key
  ~Impl() { EVP_MAC_CTX_free(keyed); }
};

namespace {

std::atomic<std::uint64_t> g_next_hmac_serial{1};

// The calling thread's working contexts, by key serial. Entries of destroyed keys stay until the
// thread exits; keys are made at start-up, so this is bounded by the configured secrets.
class ThreadMacContexts {
 public:
  ~ThreadMacContexts() {
    for (auto& [serial, ctx] : contexts_) EVP_MAC_CTX_free(ctx);
  }
  // A context ready for EVP_MAC_update; nullptr if OpenSSL fails.
  EVP_MAC_CTX* ready(std::uint64_t serial, const EVP_MAC_CTX* keyed) {
    auto [it, inserted] = contexts_.try_emplace(serial, nullptr);
    if (inserted) {
      it->second = EVP_MAC_CTX_dup(keyed);  // a fresh duplicate is ready to use
      return it->second;
    }
    if (it->second == nullptr || EVP_MAC_init(it->second, nullptr, 0, nullptr) != 1) {
      return nullptr;
    }
    return it->second;
  }

 private:
  std::unordered_map<std::uint64_t, EVP_MAC_CTX*> contexts_;
};

}  // namespace

HmacKey::HmacKey(Digest digest, std::string_view key) : impl_(std::make_unique<Impl>()) {
  impl_->serial = g_next_hmac_serial.fetch_add(1);
  impl_->keyed = EVP_MAC_CTX_new(hmac_algorithm());
  if (impl_->keyed == nullptr) fail("EVP_MAC_CTX_new");
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(
                             OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest_name(digest)), 0),
                         OSSL_PARAM_construct_end()};
  // A non-null pointer even for an empty key: a null key means "keep the current key".
  static const unsigned char kEmpty = 0;
  const unsigned char* k = key.empty() ? &kEmpty : bytes(key);
  if (EVP_MAC_init(impl_->keyed, k, key.size(), params) != 1) fail("EVP_MAC_init");
}

HmacKey::~HmacKey() = default;
HmacKey::HmacKey(HmacKey&&) noexcept = default;
HmacKey& HmacKey::operator=(HmacKey&&) noexcept = default;

std::string HmacKey::sign(std::string_view data) const { return sign_parts({data}); }

std::string HmacKey::sign_parts(std::initializer_list<std::string_view> parts) const {
  thread_local ThreadMacContexts contexts;
  EVP_MAC_CTX* ctx = contexts.ready(impl_->serial, impl_->keyed);
  if (ctx == nullptr) fail("HMAC context");
  bool ok = true;
  for (std::string_view p : parts) {
    if (!p.empty()) ok = ok && EVP_MAC_update(ctx, bytes(p), p.size()) == 1;
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  ok = ok && EVP_MAC_final(ctx, out, &len, sizeof(out)) == 1;
  if (!ok) fail("HMAC update/final");
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string hmac(Digest digest, std::string_view key, std::string_view data) {
  return HmacKey(digest, key).sign(data);
}

// ---- AES-256-GCM -------------------------------------------------------------------------------

namespace {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// Fetched once for the process, like the HMAC algorithm.
const EVP_CIPHER* aes256gcm_algorithm() {
  static EVP_CIPHER* const cipher = [] {
    EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    if (c == nullptr) fail("EVP_CIPHER_fetch(AES-256-GCM)");
    return c;
  }();
  return cipher;
}

int int_size(std::size_t n) {
  // EVP lengths are ints; the vault's secrets are far below this.
  if (n > static_cast<std::size_t>(std::numeric_limits<int>::max() / 2)) fail("AES-GCM input size");
  return static_cast<int>(n);
}

}  // namespace

namespace internal {

Result<std::string> aes256gcm_seal_with_nonce(std::string_view key, std::string_view nonce,
                                              std::string_view plaintext, std::string_view aad) {
  if (key.size() != kAesGcmKeySize) {
    return make_error(Errc::kInvalidArgument, "an AES-256-GCM key is 32 bytes");
  }
  if (nonce.size() != kAesGcmNonceSize) {
    return make_error(Errc::kInvalidArgument, "an AES-256-GCM nonce is 12 bytes");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) fail("EVP_CIPHER_CTX_new");
  // The default GCM IV length is 12 bytes, the one this uses.
  if (EVP_EncryptInit_ex2(ctx.get(), aes256gcm_algorithm(), bytes(key), bytes(nonce), nullptr) !=
      1) {
    fail("EVP_EncryptInit_ex2(AES-256-GCM)");
  }
  std::string out(kAesGcmNonceSize + plaintext.size() + kAesGcmTagSize, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  std::memcpy(o, nonce.data(), kAesGcmNonceSize);
  int len = 0;
  if (!aad.empty() &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), int_size(aad.size())) != 1) {
    fail("EVP_EncryptUpdate(aad)");
  }
  unsigned char* ct = o + kAesGcmNonceSize;
  int written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx.get(), ct, &len, bytes(plaintext), int_size(plaintext.size())) != 1) {
      fail("EVP_EncryptUpdate");
    }
    written = len;
  }
  if (EVP_EncryptFinal_ex(ctx.get(), ct + written, &len) != 1) fail("EVP_EncryptFinal_ex");
  written += len;
  if (static_cast<std::size_t>(written) != plaintext.size()) fail("AES-GCM output size");
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAesGcmTagSize),
                          ct + plaintext.size()) != 1) {
    fail("EVP_CTRL_GCM_GET_TAG");
  }
  return out;
}

}  // namespace internal

Result<std::string> aes256gcm_seal(std::string_view key, std::string_view plaintext,
                                   std::string_view aad) {
  return internal::aes256gcm_seal_with_nonce(key, random_bytes(kAesGcmNonceSize), plaintext, aad);
}

Result<std::string> aes256gcm_open(std::string_view key, std::string_view sealed,
                                   std::string_view aad) {
  if (key.size() != kAesGcmKeySize) {
    return make_error(Errc::kInvalidArgument, "an AES-256-GCM key is 32 bytes");
  }
  if (sealed.size() < kAesGcmNonceSize + kAesGcmTagSize) {
    return make_error(Errc::kInvalidArgument, "sealed data is shorter than a nonce and a tag");
  }
  std::string_view nonce = sealed.substr(0, kAesGcmNonceSize);
  std::string_view ct =
      sealed.substr(kAesGcmNonceSize, sealed.size() - kAesGcmNonceSize - kAesGcmTagSize);
  std::string_view tag = sealed.substr(sealed.size() - kAesGcmTagSize);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) fail("EVP_CIPHER_CTX_new");
  if (EVP_DecryptInit_ex2(ctx.get(), aes256gcm_algorithm(), bytes(key), bytes(nonce), nullptr) !=
      1) {
    fail("EVP_DecryptInit_ex2(AES-256-GCM)");
  }
  int len = 0;
  if (!aad.empty() &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), int_size(aad.size())) != 1) {
    fail("EVP_DecryptUpdate(aad)");
  }
  std::string out(ct.size(), '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int written = 0;
  if (!ct.empty()) {
    if (EVP_DecryptUpdate(ctx.get(), o, &len, bytes(ct), int_size(ct.size())) != 1) {
      fail("EVP_DecryptUpdate");
    }
    written = len;
  }
  // The tag is an input here; OpenSSL only reads it.
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAesGcmTagSize),
                          const_cast<char*>(tag.data())) != 1) {
    fail("EVP_CTRL_GCM_SET_TAG");
  }
  // Final checks the tag (CRYPTO_memcmp inside OpenSSL). On failure the decrypted bytes are
  // wiped before the buffer is released, so unauthenticated plaintext never escapes.
  unsigned char* end = o + written;
  if (EVP_DecryptFinal_ex(ctx.get(), end, &len) != 1) {
    ERR_clear_error();
    OPENSSL_cleanse(out.data(), out.size());
    return make_error(Errc::kUnauthenticated,
                      "authentication failed (wrong key or associated data, or modified data)");
  }
  return out;
}

// ---- PublicKey --------------------------------------------------------------------------------

Result<PublicKey> PublicKey::from_spki_der(std::string_view der) {
  const unsigned char* p = bytes(der);
  EVP_PKEY* pkey = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  if (pkey == nullptr) {
    ERR_clear_error();
    return make_error(Errc::kInvalidArgument, "not a DER SubjectPublicKeyInfo public key");
  }
  auto owned = own_pkey(pkey);
  if (p != bytes(der) + der.size()) {
    return make_error(Errc::kInvalidArgument, "trailing bytes after the public key");
  }
  if (!is_p256(pkey) && !is_ed25519(pkey)) {
    return make_error(Errc::kInvalidArgument, "public key is neither EC P-256 nor Ed25519");
  }
  PublicKey key;
  key.pkey_ = std::move(owned);
  return key;
}

Result<PublicKey> PublicKey::ed25519_from_raw(std::string_view raw_key) {
  if (raw_key.size() != 32) {
    return make_error(Errc::kInvalidArgument, "an Ed25519 public key is 32 bytes");
  }
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(raw_key), raw_key.size());
  if (pkey == nullptr) {
    ERR_clear_error();
    return make_error(Errc::kInvalidArgument, "invalid Ed25519 public key");
  }
  PublicKey key;
  key.pkey_ = own_pkey(pkey);
  return key;
}

bool PublicKey::verify(std::string_view message, std::string_view signature) const {
  EVP_PKEY* pkey = raw(pkey_);
  if (pkey == nullptr) return false;
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) fail("EVP_MD_CTX_new");
  bool ok = EVP_DigestVerifyInit(ctx.get(), nullptr, digest_for(pkey), nullptr, pkey) == 1 &&
            EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(message),
                             message.size()) == 1;
  // A bad signature leaves entries in this thread's error queue; drop them.
  if (!ok) ERR_clear_error();
  return ok;
}

// ---- PrivateKey -------------------------------------------------------------------------------

PrivateKey PrivateKey::generate_p256() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (pkey == nullptr) fail("EVP_PKEY_Q_keygen(EC P-256)");
  PrivateKey key;
  key.pkey_ = own_pkey(pkey);
  return key;
}

PrivateKey PrivateKey::generate_ed25519() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (pkey == nullptr) fail("EVP_PKEY_Q_keygen(ED25519)");
  PrivateKey key;
  key.pkey_ = own_pkey(pkey);
  return key;
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) fail("BIO_new_mem_buf");
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (pkey == nullptr) {
    ERR_clear_error();
    return make_error(Errc::kInvalidArgument, "not a PEM private key");
  }
  auto owned = own_pkey(pkey);
  if (!is_p256(pkey) && !is_ed25519(pkey)) {
    return make_error(Errc::kInvalidArgument, "private key is neither EC P-256 nor Ed25519");
  }
  PrivateKey key;
  key.pkey_ = std::move(owned);
  return key;
}

Result<PrivateKey> PrivateKey::ed25519_from_seed(std::string_view seed32) {
  if (seed32.size() != 32) {
    return make_error(Errc::kInvalidArgument, "an Ed25519 seed is 32 bytes");
  }
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes(seed32), seed32.size());
  if (pkey == nullptr) {
    ERR_clear_error();
    return make_error(Errc::kInvalidArgument, "invalid Ed25519 seed");
  }
  PrivateKey key;
  key.pkey_ = own_pkey(pkey);
  return key;
}

std::string PrivateKey::sign(std::string_view message) const {
  EVP_PKEY* pkey = raw(pkey_);
  if (pkey == nullptr) fail("sign with an empty PrivateKey");
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) fail("EVP_MD_CTX_new");
  if (EVP_DigestSignInit(ctx.get(), nullptr, digest_for(pkey), nullptr, pkey) != 1) {
    fail("EVP_DigestSignInit");
  }
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, bytes(message), message.size()) != 1) {
    fail("EVP_DigestSign(size)");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytes(message),
                     message.size()) != 1) {
    fail("EVP_DigestSign");
  }
  sig.resize(len);  // DER ECDSA signatures vary in length
  return sig;
}

std::string PrivateKey::public_spki_der() const {
  EVP_PKEY* pkey = raw(pkey_);
  if (pkey == nullptr) return {};
  int len = i2d_PUBKEY(pkey, nullptr);
  if (len <= 0) fail("i2d_PUBKEY");
  std::string der(static_cast<std::size_t>(len), '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_PUBKEY(pkey, &p) != len) fail("i2d_PUBKEY");
  return der;
}

std::string PrivateKey::public_raw() const {
  EVP_PKEY* pkey = raw(pkey_);
  if (pkey == nullptr || !is_ed25519(pkey)) return {};
  std::string out(32, '\0');
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char*>(out.data()), &len) != 1) {
    fail("EVP_PKEY_get_raw_public_key");
  }
  out.resize(len);
  return out;
}

std::string PrivateKey::to_pem() const {
  EVP_PKEY* pkey = raw(pkey_);
  if (pkey == nullptr) return {};
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio) fail("BIO_new");
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail("PEM_write_bio_PKCS8PrivateKey");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

PublicKey PrivateKey::public_key() const {
  // Round-trips through SPKI DER so PublicKey keeps a single way in (and its type checks).
  auto key = PublicKey::from_spki_der(public_spki_der());
  return key ? std::move(*key) : PublicKey{};
}

}  // namespace wharf::crypto
