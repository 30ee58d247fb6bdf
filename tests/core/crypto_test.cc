#include "core/crypto.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <thread>
#include <vector>

#include "core/encoding.h"

namespace wharf::crypto {
namespace {

std::string unhex(std::string_view h) { return encoding::hex_decode(h).value(); }
std::string hex(std::string_view b) { return encoding::hex_encode(b); }

// RFC 4231 §4.2, test case 1.
TEST(Hmac, MatchesRfc4231Case1) {
  std::string key(20, '\x0b');
  EXPECT_EQ(hex(hmac(Digest::kSha256, key, "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex(hmac(Digest::kSha512, key, "Hi There")),
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b2"
            "74eaea3f4e4be9d914eeb61f1702e696c203a126854");
}

// RFC 4231 §4.3, test case 2 (a key shorter than the output).
TEST(Hmac, MatchesRfc4231Case2) {
  EXPECT_EQ(hex(hmac(Digest::kSha256, "Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hex(hmac(Digest::kSha512, "Jefe", "what do ya want for nothing?")),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d03"
            "4f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

// RFC 4231 §4.7, test case 6 (a key longer than the block size is hashed first).
TEST(Hmac, MatchesRfc4231Case6LongKey) {
  std::string key(131, '\xaa');
  std::string data = "Test Using Larger Than Block-Size Key - Hash Key First";
  EXPECT_EQ(hex(hmac(Digest::kSha256, key, data)),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// RFC 2202 §3, test case 1 (HMAC-SHA1, still used by GitHub's legacy header).
TEST(Hmac, MatchesRfc2202Sha1Case1) {
  EXPECT_EQ(hex(hmac(Digest::kSha1, std::string(20, '\x0b'), "Hi There")),
            "b617318655057264e28bc0b6fb378c8ef146be00");
}

TEST(HmacKey, SignPartsEqualsSignOfConcatenation) {
  HmacKey key(Digest::kSha256, "secret");
  EXPECT_EQ(key.sign_parts({"1614265330", ".", "", "{\"a\":1}"}), key.sign("1614265330.{\"a\":1}"));
}

TEST(HmacKey, SignsRepeatedlyWithTheSameResult) {
  HmacKey key(Digest::kSha256, "Jefe");
  std::string first = key.sign("what do ya want for nothing?");
  EXPECT_EQ(key.sign("what do ya want for nothing?"), first);
  EXPECT_EQ(hex(first), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacKey, AcceptsAnEmptyKey) {
  // RFC 2104 pads any key, including an empty one; OpenSSL's own result is the reference.
  HmacKey key(Digest::kSha256, "");
  EXPECT_EQ(key.sign("x").size(), 32u);
  EXPECT_NE(key.sign("x"), HmacKey(Digest::kSha256, "k").sign("x"));
}

TEST(HmacKey, SurvivesAMove) {
  HmacKey a(Digest::kSha256, "Jefe");
  HmacKey b = std::move(a);
  EXPECT_EQ(hex(b.sign("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacKey, IsSafeToSignFromManyThreads) {
  const HmacKey key(Digest::kSha256, std::string(20, '\x0b'));
  const std::string expected = key.sign("Hi There");
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        if (key.sign_parts({"Hi", " ", "There"}) != expected) ++mismatches[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

TEST(Sha256, MatchesFips180Abc) {
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("", "a"));
}

TEST(RandomBytes, ReturnsRequestedLengthAndDiffers) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  EXPECT_EQ(random_bytes(32).size(), 32u);
  EXPECT_NE(random_bytes(32), random_bytes(32));
}

// RFC 8032 §7.1 TEST 1..3: seed, public key, message, signature.
struct Ed25519Vector {
  const char* seed;
  const char* pub;
  const char* msg;
  const char* sig;
};
const Ed25519Vector kRfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
     "b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f1"
     "1d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984d"
     "c6594a7c15e9716ed28dc027beceea1ec40a"},
};

TEST(Ed25519, SignsRfc8032VectorsExactly) {
  for (const auto& v : kRfc8032) {
    auto key = PrivateKey::ed25519_from_seed(unhex(v.seed));
    ASSERT_TRUE(key.has_value());
    EXPECT_EQ(hex(key->public_raw()), v.pub);
    EXPECT_EQ(hex(key->sign(unhex(v.msg))), v.sig);
  }
}

TEST(Ed25519, VerifiesRfc8032VectorsFromRawPublicKey) {
  for (const auto& v : kRfc8032) {
    auto pub = PublicKey::ed25519_from_raw(unhex(v.pub));
    ASSERT_TRUE(pub.has_value());
    EXPECT_TRUE(pub->verify(unhex(v.msg), unhex(v.sig)));
    EXPECT_FALSE(pub->verify(unhex(v.msg) + "x", unhex(v.sig)));
  }
}

TEST(Ed25519, RejectsATamperedSignature) {
  const auto& v = kRfc8032[1];
  auto pub = PublicKey::ed25519_from_raw(unhex(v.pub)).value();
  std::string sig = unhex(v.sig);
  sig[5] ^= 1;
  EXPECT_FALSE(pub.verify(unhex(v.msg), sig));
  EXPECT_FALSE(pub.verify(unhex(v.msg), sig.substr(0, 63)));
  EXPECT_FALSE(pub.verify(unhex(v.msg), ""));
}

TEST(Ed25519, RejectsRawKeysOfTheWrongLength) {
  EXPECT_FALSE(PublicKey::ed25519_from_raw(std::string(31, 'a')).has_value());
  EXPECT_FALSE(PrivateKey::ed25519_from_seed(std::string(33, 'a')).has_value());
}

// RFC 8410 §10.1: the example Ed25519 SubjectPublicKeyInfo.
TEST(PublicKey, ParsesRfc8410Ed25519Spki) {
  auto der =
      encoding::base64_decode("MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=");
  ASSERT_TRUE(der.has_value());
  EXPECT_TRUE(PublicKey::from_spki_der(*der).has_value());
}

TEST(PublicKey, AcceptsP256SpkiAndVerifiesDerEcdsa) {
  PrivateKey key = PrivateKey::generate_p256();
  auto pub = PublicKey::from_spki_der(key.public_spki_der());
  ASSERT_TRUE(pub.has_value());
  std::string sig = key.sign("1600000000{\"event\":\"delivered\"}");
  EXPECT_EQ(static_cast<unsigned char>(sig[0]), 0x30);  // DER SEQUENCE
  EXPECT_TRUE(pub->verify("1600000000{\"event\":\"delivered\"}", sig));
  EXPECT_FALSE(pub->verify("1600000001{\"event\":\"delivered\"}", sig));
  EXPECT_FALSE(pub->verify("1600000000{\"event\":\"delivered\"}", "not der"));
}

TEST(PublicKey, RejectsOtherCurvesAndGarbage) {
  EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  ASSERT_NE(p384, nullptr);
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(p384, &der);
  ASSERT_GT(len, 0);
  std::string spki(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  EVP_PKEY_free(p384);
  EXPECT_FALSE(PublicKey::from_spki_der(spki).has_value());
  EXPECT_FALSE(PublicKey::from_spki_der("garbage").has_value());
  EXPECT_FALSE(PublicKey::from_spki_der("").has_value());
  std::string p256 = PrivateKey::generate_p256().public_spki_der();
  EXPECT_FALSE(PublicKey::from_spki_der(p256 + "x").has_value());
}

TEST(PublicKey, DefaultConstructedVerifiesNothing) {
  PublicKey empty;
  EXPECT_FALSE(empty.verify("m", "s"));
}

TEST(PrivateKey, RoundTripsThroughPem) {
  for (PrivateKey key : {PrivateKey::generate_p256(), PrivateKey::generate_ed25519()}) {
    std::string pem = key.to_pem();
    EXPECT_NE(pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
    auto back = PrivateKey::from_pem(pem);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->public_spki_der(), key.public_spki_der());
    EXPECT_TRUE(key.public_key().verify("msg", back->sign("msg")));
  }
  EXPECT_FALSE(PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nnope\n").has_value());
}

TEST(PrivateKey, Ed25519SpkiAndRawPublicKeyAgree) {
  PrivateKey key = PrivateKey::generate_ed25519();
  EXPECT_EQ(key.public_raw().size(), 32u);
  // An Ed25519 SPKI is a fixed 12-byte prefix followed by the raw key.
  std::string spki = key.public_spki_der();
  EXPECT_EQ(spki.substr(spki.size() - 32), key.public_raw());
  EXPECT_TRUE(PublicKey::from_spki_der(spki)->verify("m", key.sign("m")));
  EXPECT_TRUE(PrivateKey::generate_p256().public_raw().empty());
}

}  // namespace
}  // namespace wharf::crypto

namespace wharf::crypto {
namespace {

// Each thread reuses one working context per key; a wrong reset would leak state from the
// previous MAC into the next. Interleave two keys and messages and compare with fresh keys.
TEST(HmacKey, InterleavedKeysAndMessagesMatchFreshKeys) {
  HmacKey a(Digest::kSha256, "key-a");
  HmacKey b(Digest::kSha256, "key-b");
  for (int i = 0; i < 3; ++i) {
    for (std::string msg : {"first", "second message", ""}) {
      EXPECT_EQ(a.sign(msg), hmac(Digest::kSha256, "key-a", msg));
      EXPECT_EQ(b.sign(msg), hmac(Digest::kSha256, "key-b", msg));
      EXPECT_EQ(a.sign_parts({msg, ".", msg}), hmac(Digest::kSha256, "key-a", msg + "." + msg));
    }
  }
}

// ---- AES-256-GCM ----

std::string key32() { return std::string(32, '\x42'); }

// The GCM specification's test cases (McGrew & Viega, "The Galois/Counter Mode of Operation",
// Appendix B; also in NIST's GCM validation vectors), AES-256 with a 96-bit IV.
TEST(Aes256Gcm, MatchesGcmSpecTestCase13EmptyPlaintext) {
  auto sealed =
      internal::aes256gcm_seal_with_nonce(std::string(32, '\0'), std::string(12, '\0'), "", "");
  ASSERT_TRUE(sealed);
  EXPECT_EQ(hex(*sealed), "000000000000000000000000530f8afbc74536b9a963b4f1c4cb738b");
}

TEST(Aes256Gcm, MatchesGcmSpecTestCase14) {
  auto sealed = internal::aes256gcm_seal_with_nonce(std::string(32, '\0'), std::string(12, '\0'),
                                                    std::string(16, '\0'), "");
  ASSERT_TRUE(sealed);
  EXPECT_EQ(hex(*sealed).substr(24),
            "cea7403d4d606b6e074ec5d3baf39d18"
            "d0d1c8a799996bf0265b98b5d48ab919");
}

TEST(Aes256Gcm, MatchesGcmSpecTestCase16WithAadAndOpensIt) {
  std::string key = unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  std::string nonce = unhex("cafebabefacedbaddecaf888");
  std::string plaintext = unhex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
      "49a6b525b16aedf5aa0de657ba637b39");
  std::string aad = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  std::string expected_ct =
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10"
      "56828838c5f61e6393ba7a0abcc9f662";
  std::string expected_tag = "76fc6ece0f4e1768cddf8853bb2d551b";
  auto sealed = internal::aes256gcm_seal_with_nonce(key, nonce, plaintext, aad);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(hex(*sealed), hex(nonce) + expected_ct + expected_tag);
  // The published vector opens through the public API.
  auto opened = aes256gcm_open(key, nonce + unhex(expected_ct) + unhex(expected_tag), aad);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, plaintext);
}

TEST(Aes256Gcm, RoundTripsWithAFreshNonceEachSeal) {
  auto a = aes256gcm_seal(key32(), "refresh-token-value", "row/1");
  auto b = aes256gcm_seal(key32(), "refresh-token-value", "row/1");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), kAesGcmNonceSize + 19 + kAesGcmTagSize);
  EXPECT_NE(a->substr(0, kAesGcmNonceSize), b->substr(0, kAesGcmNonceSize));
  EXPECT_NE(*a, *b);
  EXPECT_EQ(aes256gcm_open(key32(), *a, "row/1").value(), "refresh-token-value");
  EXPECT_EQ(aes256gcm_open(key32(), *b, "row/1").value(), "refresh-token-value");
  EXPECT_EQ(a->find("refresh-token-value"), std::string::npos);
}

TEST(Aes256Gcm, RoundTripsEmptyPlaintextAndEmptyAad) {
  auto sealed = aes256gcm_seal(key32(), "", "");
  ASSERT_TRUE(sealed);
  EXPECT_EQ(aes256gcm_open(key32(), *sealed, "").value(), "");
}

TEST(Aes256Gcm, WrongAadFails) {
  auto sealed = aes256gcm_seal(key32(), "secret", "connections/42").value();
  auto opened = aes256gcm_open(key32(), sealed, "connections/43");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, Errc::kUnauthenticated);
  EXPECT_FALSE(aes256gcm_open(key32(), sealed, ""));
}

TEST(Aes256Gcm, AnyFlippedBitFails) {
  std::string sealed = aes256gcm_seal(key32(), "secret", "aad").value();
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string tampered = sealed;
      tampered[i] = static_cast<char>(tampered[i] ^ (1 << bit));
      auto opened = aes256gcm_open(key32(), tampered, "aad");
      ASSERT_FALSE(opened) << "byte " << i << " bit " << bit;
      EXPECT_EQ(opened.error().code, Errc::kUnauthenticated);
    }
  }
}

TEST(Aes256Gcm, TruncatedOrExtendedFails) {
  std::string sealed = aes256gcm_seal(key32(), "secret", "aad").value();
  for (std::size_t n = 0; n < sealed.size(); ++n) {
    EXPECT_FALSE(aes256gcm_open(key32(), sealed.substr(0, n), "aad")) << n;
  }
  EXPECT_FALSE(aes256gcm_open(key32(), sealed + "x", "aad"));
  EXPECT_EQ(aes256gcm_open(key32(), sealed.substr(0, 27), "aad").error().code,
            Errc::kInvalidArgument);
}

TEST(Aes256Gcm, WrongKeyFails) {
  std::string sealed = aes256gcm_seal(key32(), "secret", "aad").value();
  std::string other = key32();
  other[31] = 'x';
  auto opened = aes256gcm_open(other, sealed, "aad");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, Errc::kUnauthenticated);
  EXPECT_EQ(opened.error().message.find("secret"), std::string::npos);
}

TEST(Aes256Gcm, RefusesKeysThatAreNot32Bytes) {
  for (std::size_t n : {0, 16, 24, 31, 33, 64}) {
    std::string key(n, 'k');
    auto sealed = aes256gcm_seal(key, "secret", "");
    ASSERT_FALSE(sealed) << n;
    EXPECT_EQ(sealed.error().code, Errc::kInvalidArgument);
    EXPECT_EQ(sealed.error().message.find(key.empty() ? "\x01" : key), std::string::npos);
    EXPECT_FALSE(aes256gcm_open(key, std::string(40, '\0'), ""));
  }
  EXPECT_FALSE(internal::aes256gcm_seal_with_nonce(key32(), std::string(16, '\0'), "x", ""));
}

}  // namespace
}  // namespace wharf::crypto
