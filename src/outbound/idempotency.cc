#include "outbound/idempotency.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "core/crypto.h"
#include "core/encoding.h"

namespace wharf::outbound {
namespace {}  // namespace

std::string new_idempotency_key() {
  std::string bytes = crypto::random_bytes(16);
  // RFC 9562 §5.4: version 4 in the high nibble of byte 6, variant 0b10 in the top bits of byte 8.
  bytes[6] = static_cast<char>((static_cast<unsigned char>(bytes[6]) & 0x0f) | 0x40);
  bytes[8] = static_cast<char>((static_cast<unsigned char>(bytes[8]) & 0x3f) | 0x80);
  const std::string hex = encoding::hex_encode(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

void apply_idempotency(HttpRequest& request, const std::string& header, const std::string& key) {
  if (header.empty()) return;
  set_header(request.headers, header, key);
}

LogicalCall::LogicalCall(std::string header, std::string key)
    : header_(std::move(header)),
      key_(header_.empty() ? std::string()
           : key.empty()   ? new_idempotency_key()
                           : std::move(key)) {}

bool valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxIdempotencyKeySize) return false;
  for (unsigned char c : key) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace wharf::outbound
