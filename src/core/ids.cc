#include "core/ids.h"

#include <algorithm>

namespace wharf {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::string_view kPrefix = "evt_";
constexpr int kChars = 13;  // 65 bits of characters for 64 of value

int decode_char(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  for (int i = 0; i < 32; ++i) {
    if (kAlphabet[i] == c) return i;
  }
  return -1;
}

}  // namespace

std::string format_event_id(std::uint64_t n) {
  std::string out(kPrefix);
  out.resize(kPrefix.size() + kChars);
  for (int i = kChars - 1; i >= 0; --i) {
    out[kPrefix.size() + i] = kAlphabet[n & 31];
    n >>= 5;
  }
  return out;
}

std::optional<std::uint64_t> parse_event_id(std::string_view id) {
  if (id.size() != kPrefix.size() + kChars || !id.starts_with(kPrefix)) return std::nullopt;
  std::uint64_t n = 0;
  for (int i = 0; i < kChars; ++i) {
    int v = decode_char(id[kPrefix.size() + i]);
    if (v < 0 || (i == 0 && v > 15)) return std::nullopt;  // the first carries 4 bits
    n = (n << 5) | static_cast<std::uint64_t>(v);
  }
  return n;
}

std::uint64_t EventIdSequence::next(std::int64_t now_ms) {
  std::uint64_t from_clock = static_cast<std::uint64_t>(now_ms < 0 ? 0 : now_ms) << 20;
  last_ = from_clock > last_ ? from_clock : last_ + 1;
  return last_;
}

std::optional<std::int64_t> parse_event_key(std::string_view id) {
  auto n = parse_event_id(id);
  if (!n || *n > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<std::int64_t>(*n);
}

std::int64_t first_event_key_at(std::int64_t unix_ms) {
  return std::clamp<std::int64_t>(unix_ms, 0, (std::int64_t{1} << 43) - 1) << 20;
}

}  // namespace wharf
