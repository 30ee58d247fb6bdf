// Idempotency keys (SPEC §2.2): a provider that supports them (Stripe's `Idempotency-Key`) runs a
// request at most once per key, so the key is generated once per logical call and sent, the same,
// on every attempt of it; that is what makes retrying a POST safe. Free functions are thread-safe;
// a LogicalCall is a plain value owned by its call.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "outbound/http_types.h"

namespace wharf::outbound {

// A fresh key: 128 bits from the CSPRNG (crypto::random_bytes) written as a version 4 UUID,
// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" in lowercase hex, y one of 8, 9, a, b (122 random bits).
std::string new_idempotency_key();

// Sets header `header` of `request` to `key`, replacing every header of that name (ASCII
// case-insensitive) already there; does nothing when `header` is empty (the provider has no
// idempotency keys).
void apply_idempotency(HttpRequest& request, const std::string& header, const std::string& key);

// Stripe allows keys of up to 255 characters.
inline constexpr std::size_t kMaxIdempotencyKeySize = 255;

// Whether a caller's key can be sent: 1 to kMaxIdempotencyKeySize visible ASCII characters.
bool valid_idempotency_key(std::string_view key);

// One logical call to a provider, however many attempts it takes.
class LogicalCall {
 public:
  // `header` is the provider's idempotency header from its config ("Idempotency-Key" for
  // Stripe); empty when it has none, and then no key is used. `key`: the caller's own key for
  // this call (valid_idempotency_key), so that a caller who resends a request whose answer it
  // lost gets the first result back instead of a second effect; empty: a fresh key.
  explicit LogicalCall(std::string header, std::string key = {});

  // Adds the call's key to one attempt's request (see apply_idempotency).
  void prepare(HttpRequest& attempt) const { apply_idempotency(attempt, header_, key_); }

  // Whether the attempts carry a key (for is_idempotent / Attempt::has_idempotency_key).
  bool has_idempotency_key() const { return !key_.empty(); }
  const std::string& key() const { return key_; }  // empty without a header
  const std::string& header() const { return header_; }

 private:
  std::string header_;
  std::string key_;
};

}  // namespace wharf::outbound
