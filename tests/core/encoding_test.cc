#include "core/encoding.h"

#include <gtest/gtest.h>

namespace wharf::encoding {
namespace {

// RFC 4648 §10 test vectors.
const std::pair<const char*, const char*> kBase64Rfc4648[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(Base64, EncodesRfc4648Vectors) {
  for (auto [plain, encoded] : kBase64Rfc4648) EXPECT_EQ(base64_encode(plain), encoded);
}

TEST(Base64, DecodesRfc4648VectorsWithAndWithoutPadding) {
  for (auto [plain, encoded] : kBase64Rfc4648) {
    EXPECT_EQ(base64_decode(encoded), plain);
    std::string unpadded = encoded;
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    EXPECT_EQ(base64_decode(unpadded), plain);
  }
}

TEST(Base64, RoundTripsEveryByteValue) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n < all.size(); n += 37) {
    std::string s = all.substr(n);
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
    EXPECT_EQ(base64url_decode(base64url_encode(s)), s);
  }
}

TEST(Base64, RejectsMalformedInput) {
  EXPECT_EQ(base64_decode("Zm9v!"), std::nullopt);      // outside the alphabet
  EXPECT_EQ(base64_decode("Z"), std::nullopt);          // impossible length
  EXPECT_EQ(base64_decode("Zm9vY"), std::nullopt);      // impossible length
  EXPECT_EQ(base64_decode("Zg="), std::nullopt);        // incomplete padding
  EXPECT_EQ(base64_decode("Zg==="), std::nullopt);      // too much padding
  EXPECT_EQ(base64_decode("=Zg="), std::nullopt);       // padding inside
  EXPECT_EQ(base64_decode("Zm9v Zg=="), std::nullopt);  // whitespace
  EXPECT_EQ(base64_decode("Zh=="), std::nullopt);       // non-zero unused bits
  EXPECT_EQ(base64_decode("-_8="), std::nullopt);       // URL-safe alphabet
}

TEST(Base64Url, UsesUrlSafeAlphabetWithoutPadding) {
  EXPECT_EQ(base64url_encode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(base64_encode("\xfb\xff\xbf"), "+/+/");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_decode("Zg"), "f");
  EXPECT_EQ(base64url_decode("Zg=="), "f");
  EXPECT_EQ(base64url_decode("+/+/"), std::nullopt);
}

// RFC 4648 §10 base16 vector.
TEST(Hex, EncodesLowercaseAndDecodesEitherCase) {
  EXPECT_EQ(hex_encode("foobar"), "666f6f626172");
  EXPECT_EQ(hex_decode("666F6F626172"), "foobar");
  EXPECT_EQ(hex_decode("666f6f626172"), "foobar");
  EXPECT_EQ(hex_encode(std::string("\x00\xff", 2)), "00ff");
  EXPECT_EQ(hex_decode(""), "");
}

TEST(Hex, RejectsOddLengthAndNonHex) {
  EXPECT_EQ(hex_decode("abc"), std::nullopt);
  EXPECT_EQ(hex_decode("zz"), std::nullopt);
  EXPECT_EQ(hex_decode("0x00"), std::nullopt);
}

TEST(FormUrlDecode, DecodesPlusAndPercentEscapes) {
  EXPECT_EQ(form_url_decode("a+b%20c%2Fd"), "a b c/d");
  EXPECT_EQ(form_url_decode("%7B%22type%22%3A%22block_actions%22%7D"),
            "{\"type\":\"block_actions\"}");
  EXPECT_EQ(form_url_decode(""), "");
}

TEST(FormUrlDecode, RejectsBadEscapes) {
  EXPECT_EQ(form_url_decode("%"), std::nullopt);
  EXPECT_EQ(form_url_decode("%2"), std::nullopt);
  EXPECT_EQ(form_url_decode("%zz"), std::nullopt);
  EXPECT_EQ(form_url_decode("abc%4"), std::nullopt);
}

TEST(UrlEncode, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(url_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(url_encode("a b/c?d=e&f+"), "a%20b%2Fc%3Fd%3De%26f%2B");
  EXPECT_EQ(form_url_decode(url_encode("x y\xc3\xa9")), "x y\xc3\xa9");
}

}  // namespace
}  // namespace wharf::encoding

namespace wharf::encoding {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // é € 😀
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));                           // U+10FFFF
}

TEST(Utf8, RejectsMalformedSequences) {
  for (std::string_view bad : {"\xC3", "\xC3(", "\x80", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
                               "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "ok\xFF", "\xE2\x82"}) {
    EXPECT_FALSE(is_valid_utf8(bad)) << testing::PrintToString(bad);
  }
}

}  // namespace
}  // namespace wharf::encoding
