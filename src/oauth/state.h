// The OAuth 2.0 `state` parameter (RFC 6749 §10.12, RFC 9700 §4.7): an unguessable value wharf
// issues when it redirects a user to the authorization server, and consumes when the callback
// comes back. A state is single-use, expires, and is bound to the connection it was issued for
// and to the PKCE verifier and exact redirect URI of that authorization request.
//
// StateStore is the interface (a shared store will implement it for cluster mode);
// InMemoryStateStore is the embedded implementation. Both are thread-safe.
#pragma once

#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error.h"

namespace wharf::oauth {

// What an authorization request left behind for its callback.
struct PendingAuthorization {
  std::string connection_id;
  std::string client;         // the OAuth client (oauth.clients) the authorization is with
  std::string pkce_verifier;  // secret: never logged
  std::string redirect_uri;   // sent again, byte for byte, with the code exchange
  std::int64_t issued_at_ms = 0;
  std::int64_t expires_at_ms = 0;
};

// Why a state was refused. The reasons are deliberately coarse: an unknown state and one already
// consumed look the same (a consumed state is forgotten), so a caller learns nothing about
// states it did not receive.
enum class StateFailure {
  kUnknown,          // never issued, already consumed, or evicted
  kExpired,          // issued, but its time to live has passed (now consumed too)
  kWrongConnection,  // issued for another connection (now consumed too)
  kFull,             // issue(): the store holds its capacity of live states
  kInvalidArgument,  // issue(): an empty connection id, verifier or redirect URI
};

// "unknown_state", "expired_state", "wrong_connection", "state_store_full", "invalid_argument".
std::string_view to_string(StateFailure failure);

// The project error for `failure`: kUnauthenticated for the consume() failures, kUnavailable
// for kFull, kInvalidArgument; the message names the reason and never contains the state.
Error to_error(StateFailure failure);

// Lets StateResult<T>::value() throw std::runtime_error (tests and start-up code only).
[[noreturn]] void throw_exception_from_error(StateFailure failure,
                                             const boost::source_location& loc);

template <class T>
using StateResult = boost::system::result<T, StateFailure>;

class StateStore {
 public:
  virtual ~StateStore() = default;

  // A fresh state for an authorization request of `connection_id`: base64url of at least 16
  // CSPRNG bytes (32 by default). Fails with kFull when the store is at capacity after
  // evicting expired states, kInvalidArgument when an argument is empty.
  virtual StateResult<std::string> issue(std::string_view connection_id,
                                         std::string_view pkce_verifier,
                                         std::string_view redirect_uri, std::int64_t now_ms,
                                         std::string_view client = {}) = 0;

  // The authorization `state` was issued for, removing it: a second consume of the same state
  // fails with kUnknown. kExpired when now_ms is at or past its expiry.
  virtual StateResult<PendingAuthorization> consume(std::string_view state,
                                                    std::int64_t now_ms) = 0;

  // consume(), and also kWrongConnection (the state is consumed all the same: a state presented
  // for the wrong connection is treated as compromised) when it was issued for another
  // connection than `connection_id`.
  StateResult<PendingAuthorization> consume_for(std::string_view state,
                                                std::string_view connection_id,
                                                std::int64_t now_ms);
};

struct StateStoreOptions {
  std::chrono::milliseconds ttl = std::chrono::minutes(10);
  std::size_t capacity = 10'000;  // live states; bounds memory against floods of /connect
  std::size_t state_bytes = 32;   // CSPRNG bytes per state; values under 16 are raised to 16
};

class InMemoryStateStore final : public StateStore {
 public:
  explicit InMemoryStateStore(StateStoreOptions options = {});

  StateResult<std::string> issue(std::string_view connection_id, std::string_view pkce_verifier,
                                 std::string_view redirect_uri, std::int64_t now_ms,
                                 std::string_view client = {}) override;
  StateResult<PendingAuthorization> consume(std::string_view state, std::int64_t now_ms) override;

  // States held, expired ones included until they are evicted.
  std::size_t size() const;
  // Removes every state expired at `now_ms`; returns how many.
  std::size_t evict_expired(std::int64_t now_ms);

 private:
  std::size_t evict_expired_locked(std::int64_t now_ms);

  const StateStoreOptions options_;
  mutable std::mutex mutex_;
  // Keyed by SHA-256 of the state, so the table never holds the bearer value itself.
  std::unordered_map<std::string, PendingAuthorization> pending_;  // guarded by mutex_
};

}  // namespace wharf::oauth
