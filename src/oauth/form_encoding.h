// application/x-www-form-urlencoded encoding (RFC 6749 Appendix B, the WHATWG URL standard's
// serializer): what OAuth 2.0 puts in authorization-request query strings, token-request bodies
// and, once more before base64, in client_secret_basic credentials. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/encoding.h"

namespace wharf::oauth {

// Ordered name/value pairs; encoded in this order so that requests are reproducible in tests.
using FormParams = std::vector<std::pair<std::string, std::string>>;

// The encoding of one name or value (core/encoding.h).
using encoding::form_urlencode;

// "name=value&name=value", each side form_urlencode()d; "" for no params.
std::string form_encode(const FormParams& params);

}  // namespace wharf::oauth
