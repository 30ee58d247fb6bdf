// application/x-www-form-urlencoded encoding (RFC 6749 Appendix B, the WHATWG URL standard's
// serializer): what OAuth 2.0 puts in authorization-request query strings, token-request bodies
// and, once more before base64, in client_secret_basic credentials. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wharf::oauth {

// Ordered name/value pairs; encoded in this order so that requests are reproducible in tests.
using FormParams = std::vector<std::pair<std::string, std::string>>;

// `text` with ALPHA, DIGIT, '-', '.', '_' and '*' kept, space as '+', and every other byte as
// %XX (uppercase hex). UTF-8 text is encoded byte by byte (RFC 6749 Appendix B).
std::string form_urlencode(std::string_view text);

// "name=value&name=value", each side form_urlencode()d; "" for no params.
std::string form_encode(const FormParams& params);

}  // namespace wharf::oauth
