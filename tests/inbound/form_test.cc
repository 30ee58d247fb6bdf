#include "inbound/form.h"

#include <gtest/gtest.h>

#include <string>

#include "inbound/content_type.h"

namespace wharf::inbound {
namespace {

using namespace std::string_literals;

// A multipart/form-data body as browsers, curl and Mailgun send it (CRLF everywhere).
std::string sample_multipart() {
  return "This preamble is ignored.\r\n"
         "--XyZ\r\n"
         "Content-Disposition: form-data; name=\"from\"\r\n"
         "\r\n"
         "Ann <ann@example.org>\r\n"
         "--XyZ\r\n"
         "Content-Disposition: form-data; name=\"body-plain\"\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "\r\n"
         "line one\r\nline two --XyZ inside\r\n"
         "--XyZ\r\n"
         "content-disposition: FORM-DATA; name=attachment-1; filename=\"cv.pdf\"\r\n"
         "Content-Type: application/pdf\r\n"
         "\r\n"
         "%PDF\0\x01\xff\r\n"s
         "--XyZ--\r\n"
         "epilogue, ignored\r\n";
}

TEST(FormContentType, LowercasesMediaTypeAndFindsParameters) {
  auto ct = parse_content_type("Multipart/Form-Data; Boundary=AbC; charset=\"UTF-8\"");
  ASSERT_TRUE(ct);
  EXPECT_EQ(ct->value, "multipart/form-data");
  EXPECT_EQ(ct->param("boundary").value_or(""), "AbC");  // boundary case is kept
  EXPECT_EQ(ct->param("CHARSET").value_or(""), "UTF-8");
  EXPECT_FALSE(ct->param("name"));
}

TEST(FormContentType, UnquotesWithEscapesAndToleratesStraySemicolons) {
  auto ct = parse_content_type("text/plain;; a=\"x\\\"y;z\" ;b=1;");
  ASSERT_TRUE(ct);
  EXPECT_EQ(ct->param("a").value_or(""), "x\"y;z");
  EXPECT_EQ(ct->param("b").value_or(""), "1");
}

TEST(FormContentType, EmptyHeaderIsEmptyValue) {
  auto ct = parse_content_type("  ");
  ASSERT_TRUE(ct);
  EXPECT_EQ(ct->value, "");
  EXPECT_TRUE(ct->params.empty());
}

TEST(FormContentType, RejectsMalformedHeaders) {
  EXPECT_FALSE(parse_content_type("text/plain; charset"));           // no '='
  EXPECT_FALSE(parse_content_type("text/plain; a=\"unterminated"));  // open quote
  EXPECT_FALSE(parse_content_type("text/plain; a=\"x\"junk"));
  EXPECT_FALSE(parse_content_type("text/plain; =x"));
  EXPECT_FALSE(parse_content_type("text/plain; a=b c"));
  EXPECT_FALSE(parse_content_type("textplain"));
  EXPECT_FALSE(parse_content_type("; boundary=x"));
  EXPECT_EQ(parse_content_type("textplain").error().code, Errc::kInvalidArgument);
}

TEST(Form, ParsesUrlencodedInOrder) {
  auto fields = parse_urlencoded("b=2&a=1+x&c=%41%2b%26&d&&e=&b=3");
  ASSERT_TRUE(fields) << fields.error().message;
  ASSERT_EQ(fields->size(), 6u);
  EXPECT_EQ((*fields)[0].name, "b");
  EXPECT_EQ((*fields)[0].value, "2");
  EXPECT_EQ((*fields)[1].value, "1 x");
  EXPECT_EQ((*fields)[2].value, "A+&");
  EXPECT_EQ((*fields)[3].name, "d");
  EXPECT_EQ((*fields)[3].value, "");
  EXPECT_EQ((*fields)[4].name, "e");
  EXPECT_EQ(find_field(*fields, "b")->value, "2");  // first occurrence
  EXPECT_EQ(find_field(*fields, "zz"), nullptr);
  EXPECT_FALSE((*fields)[0].filename);
}

TEST(Form, EmptyUrlencodedBodyHasNoFields) {
  auto fields = parse_urlencoded("");
  ASSERT_TRUE(fields);
  EXPECT_TRUE(fields->empty());
}

TEST(Form, RejectsBadPercentEscapes) {
  for (const char* body : {"a=%zz", "a=%4", "a=%", "%zz=1", "a=1&b=%g0"}) {
    auto fields = parse_urlencoded(body);
    ASSERT_FALSE(fields) << body;
    EXPECT_EQ(fields.error().code, Errc::kInvalidArgument);
  }
}

TEST(Form, LimitsTheNumberOfUrlencodedFields) {
  std::string body;
  for (int i = 0; i < 1001; ++i) body += "f=1&";
  EXPECT_FALSE(parse_urlencoded(body));
  EXPECT_TRUE(parse_urlencoded(body, FormLimits{.max_fields = 2000}));
}

TEST(Form, ParsesMultipartWithFilePart) {
  auto fields = parse_multipart(sample_multipart(), "XyZ");
  ASSERT_TRUE(fields) << fields.error().message;
  ASSERT_EQ(fields->size(), 3u);
  EXPECT_EQ((*fields)[0].name, "from");
  EXPECT_EQ((*fields)[0].value, "Ann <ann@example.org>");
  EXPECT_EQ((*fields)[1].name, "body-plain");
  EXPECT_EQ((*fields)[1].value, "line one\r\nline two --XyZ inside");
  EXPECT_EQ((*fields)[1].content_type, "text/plain; charset=utf-8");
  EXPECT_FALSE((*fields)[1].filename);
  EXPECT_EQ((*fields)[2].name, "attachment-1");
  EXPECT_EQ((*fields)[2].filename.value_or(""), "cv.pdf");
  EXPECT_EQ((*fields)[2].value, "%PDF\0\x01\xff"s);
  EXPECT_EQ((*fields)[2].content_type, "application/pdf");
}

TEST(Form, ParseFormDispatchesOnContentType) {
  auto multipart = parse_form("multipart/form-data; boundary=\"XyZ\"", sample_multipart());
  ASSERT_TRUE(multipart) << multipart.error().message;
  EXPECT_EQ(multipart->size(), 3u);
  auto urlencoded = parse_form("application/x-www-form-urlencoded; charset=UTF-8", "a=1");
  ASSERT_TRUE(urlencoded);
  EXPECT_EQ(urlencoded->size(), 1u);
  EXPECT_FALSE(parse_form("application/json", "{}"));
  EXPECT_FALSE(parse_form("", "a=1"));
  EXPECT_TRUE(is_form_content_type("Multipart/Form-Data; boundary=x"));
  EXPECT_FALSE(is_form_content_type("text/plain"));
}

TEST(Form, AcceptsQuotedBoundaryWithSpecials) {
  std::string body =
      "--a b:c=?\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n--a b:c=?--";
  auto fields = parse_form("multipart/form-data; boundary=\"a b:c=?\"", body);
  ASSERT_TRUE(fields) << fields.error().message;
  EXPECT_EQ((*fields)[0].value, "v");
}

TEST(Form, RejectsMissingOrInvalidBoundary) {
  EXPECT_FALSE(parse_form("multipart/form-data", sample_multipart()));
  EXPECT_FALSE(parse_form("multipart/form-data; charset=utf-8", sample_multipart()));
  EXPECT_FALSE(parse_form("multipart/form-data; boundary=", sample_multipart()));
  EXPECT_FALSE(parse_form("multipart/form-data; boundary=\"XyZ", sample_multipart()));
  EXPECT_FALSE(parse_multipart(sample_multipart(), std::string(71, 'a')));
  EXPECT_FALSE(parse_multipart(sample_multipart(), "bad\x01"));
  // A boundary that never occurs in the body.
  auto fields = parse_multipart(sample_multipart(), "Other");
  ASSERT_FALSE(fields);
  EXPECT_EQ(fields.error().code, Errc::kInvalidArgument);
}

TEST(Form, EmptyMultipartIsZeroFields) {
  auto fields = parse_multipart("--B--\r\n", "B");
  ASSERT_TRUE(fields);
  EXPECT_TRUE(fields->empty());
}

TEST(Form, RejectsBodyWithoutClosingBoundary) {
  std::string body = "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n";
  EXPECT_FALSE(parse_multipart(body, "B"));
  EXPECT_FALSE(parse_multipart(body + "--B", "B"));  // a delimiter, then nothing
  EXPECT_FALSE(parse_multipart(body + "--B\r\n", "B"));
  EXPECT_TRUE(parse_multipart(body + "--B--", "B"));
}

TEST(Form, RejectsEveryTruncationOfAValidBody) {
  const std::string body = sample_multipart();
  const std::size_t close_end = body.find("--XyZ--") + 7;
  for (std::size_t n = 0; n < close_end; ++n) {
    auto fields = parse_multipart(std::string_view(body).substr(0, n), "XyZ");
    EXPECT_FALSE(fields) << "prefix of " << n << " bytes";
  }
  EXPECT_TRUE(parse_multipart(std::string_view(body).substr(0, close_end), "XyZ"));
}

TEST(Form, RejectsBareLineFeeds) {
  std::string body = "--B\nContent-Disposition: form-data; name=\"a\"\n\nvalue\n--B--\n";
  EXPECT_FALSE(parse_multipart(body, "B"));
  std::string mixed = "--B\r\nContent-Disposition: form-data; name=\"a\"\nX: y\r\n\r\nv\r\n--B--";
  EXPECT_FALSE(parse_multipart(mixed, "B"));
}

TEST(Form, RejectsHugePartHeaders) {
  std::string body =
      "--B\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Long: " + std::string(100'000, 'x') +
      "\r\n\r\nv\r\n--B--\r\n";
  auto fields = parse_multipart(body, "B");
  ASSERT_FALSE(fields);
  EXPECT_EQ(fields.error().message, "multipart part headers too long");
  EXPECT_TRUE(parse_multipart(body, "B", FormLimits{.max_part_header_bytes = 200'000}));
}

TEST(Form, RejectsMalformedParts) {
  auto part = [](std::string headers) { return "--B\r\n" + headers + "\r\n\r\nv\r\n--B--\r\n"; };
  EXPECT_FALSE(parse_multipart("--B\r\n\r\nv\r\n--B--", "B"));  // no headers at all
  EXPECT_FALSE(parse_multipart(part("Content-Type: text/plain"), "B"));
  EXPECT_FALSE(parse_multipart(part("Content-Disposition: attachment; name=\"a\""), "B"));
  EXPECT_FALSE(parse_multipart(part("Content-Disposition: form-data"), "B"));
  EXPECT_FALSE(parse_multipart(part("Content-Disposition: form-data; name=\"\""), "B"));
  EXPECT_FALSE(parse_multipart(part("Content-Disposition: form-data; name=\"a"), "B"));
  EXPECT_FALSE(parse_multipart(part("no colon here"), "B"));
  EXPECT_FALSE(parse_multipart(part(": empty name"), "B"));
  EXPECT_FALSE(parse_multipart(part(" folded first line"), "B"));
  // A delimiter followed by text on the same line.
  EXPECT_FALSE(
      parse_multipart("--B junk\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--B--", "B"));
}

TEST(Form, AcceptsFoldedHeadersAndTransportPadding) {
  std::string body =
      "--B  \r\nContent-Disposition: form-data;\r\n\tname=\"a\"\r\nX-Other: 1\r\n\r\nv\r\n--B--";
  auto fields = parse_multipart(body, "B");
  ASSERT_TRUE(fields) << fields.error().message;
  EXPECT_EQ((*fields)[0].name, "a");
}

TEST(Form, LimitsTheNumberOfParts) {
  std::string body;
  for (int i = 0; i < 5; ++i) body += "--B\r\nContent-Disposition: form-data; name=f\r\n\r\nv\r\n";
  body += "--B--";
  EXPECT_TRUE(parse_multipart(body, "B", FormLimits{.max_fields = 5}));
  EXPECT_FALSE(parse_multipart(body, "B", FormLimits{.max_fields = 4}));
}

TEST(Form, SurvivesManyDelimitersAndGarbage) {
  // Pathological inputs finish quickly and fail cleanly.
  std::string delimiters;
  for (int i = 0; i < 20'000; ++i) delimiters += "\r\n--B";
  EXPECT_FALSE(parse_multipart(delimiters, "B"));
  std::string near_misses;  // every position almost matches a 70-character boundary
  for (int i = 0; i < 3'000; ++i) near_misses += "\r\n--" + std::string(69, 'a') + "b";
  EXPECT_FALSE(parse_multipart(near_misses, std::string(70, 'a')));
  std::string escapes;
  for (int i = 0; i < 50'000; ++i) escapes += "%";
  EXPECT_FALSE(parse_urlencoded(escapes));
}

TEST(Form, WrittenPartsParseBackAndTextLookupSkipsFiles) {
  std::string body = form_data_part("B", "token", "abc") + form_data_part("B", "note", "a\r\nb") +
                     "--B\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"d.txt\"\r\n"
                     "\r\nfile\r\n" +
                     form_data_part("B", "doc", "text") + "--B--\r\n";
  EXPECT_TRUE(form_data_part("B", "n", "v") ==
              "--B\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nv\r\n");
  auto fields = parse_multipart(body, "B");
  ASSERT_TRUE(fields) << fields.error().message;
  ASSERT_EQ(fields->size(), 4u);
  EXPECT_EQ(find_text_field(*fields, "note")->value, "a\r\nb");
  EXPECT_TRUE(find_field(*fields, "doc")->filename);
  EXPECT_EQ(find_text_field(*fields, "doc")->value, "text");
  EXPECT_EQ(find_text_field(*fields, "missing"), nullptr);
}

TEST(FormContentType, TrimsBlanksAndComparesNamesIgnoringCase) {
  EXPECT_EQ(trim_ows(" \t a b\t "), "a b");
  EXPECT_EQ(trim_ows(" \t"), "");
  EXPECT_TRUE(ascii_iequals("Content-Type", "content-TYPE"));
  EXPECT_FALSE(ascii_iequals("Content-Type", "Content-Typ"));
  EXPECT_FALSE(ascii_iequals("a", "b"));
}

}  // namespace
}  // namespace wharf::inbound
