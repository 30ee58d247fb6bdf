#include "core/ids.h"

#include <openssl/rand.h>

#include <array>
#include <random>

namespace wharf {
namespace {

// Ids are not secrets, so a per-thread PRNG seeded once from the CSPRNG is enough and keeps the
// ingest path free of a syscall per event.
std::uint64_t next_random() {
  thread_local std::mt19937_64 rng = [] {
    std::array<std::uint64_t, 4> seed{};
    RAND_bytes(reinterpret_cast<unsigned char*>(seed.data()), sizeof seed);
    std::seed_seq seq(seed.begin(), seed.end());
    return std::mt19937_64(seq);
  }();
  return rng();
}

}  // namespace

std::string new_event_id(std::int64_t now_ms) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string out = "evt_";
  out.resize(4 + 26);
  char* p = out.data() + 4;
  auto t = static_cast<std::uint64_t>(now_ms) & ((1ULL << 48) - 1);
  for (int i = 9; i >= 0; --i) {  // 10 chars of time (50 bits, top 2 are zero)
    p[i] = kAlphabet[t & 31];
    t >>= 5;
  }
  std::uint64_t hi = next_random(), lo = next_random();
  // 80 random bits: 16 chars of 5 bits.
  for (int i = 0; i < 16; ++i) {
    std::uint64_t& src = i < 8 ? hi : lo;
    p[10 + i] = kAlphabet[src & 31];
    src >>= 5;
  }
  return out;
}

}  // namespace wharf
