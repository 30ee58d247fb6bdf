#include "oauth/state.h"

#include <algorithm>
#include <stdexcept>

#include "core/crypto.h"
#include "core/encoding.h"

namespace wharf::oauth {
namespace {

constexpr std::size_t kMinStateBytes = 16;  // 128 bits (RFC 6749 §10.10 asks for >= 2^-128)

std::string key_of(std::string_view state) { return crypto::sha256(state); }

}  // namespace

std::string_view to_string(StateFailure failure) {
  switch (failure) {
    case StateFailure::kUnknown:
      return "unknown_state";
    case StateFailure::kExpired:
      return "expired_state";
    case StateFailure::kWrongConnection:
      return "wrong_connection";
    case StateFailure::kFull:
      return "state_store_full";
    case StateFailure::kInvalidArgument:
      return "invalid_argument";
  }
  return "unknown_state";
}

Error to_error(StateFailure failure) {
  switch (failure) {
    case StateFailure::kUnknown:
      return make_error(Errc::kUnauthenticated,
                        "unknown_state: the OAuth state is unknown or was already used");
    case StateFailure::kExpired:
      return make_error(Errc::kUnauthenticated,
                        "expired_state: the OAuth authorization took too long; start again");
    case StateFailure::kWrongConnection:
      return make_error(Errc::kUnauthenticated,
                        "wrong_connection: the OAuth state was issued for another connection");
    case StateFailure::kFull:
      return make_error(Errc::kUnavailable,
                        "state_store_full: too many OAuth authorizations in progress");
    case StateFailure::kInvalidArgument:
      return make_error(Errc::kInvalidArgument,
                        "invalid_argument: connection id, verifier and redirect URI are required");
  }
  return make_error(Errc::kInternal, "unexpected state failure");
}

void throw_exception_from_error(StateFailure failure, const boost::source_location&) {
  throw std::runtime_error(to_error(failure).message);
}

StateResult<PendingAuthorization> StateStore::consume_for(std::string_view state,
                                                          std::string_view connection_id,
                                                          std::int64_t now_ms) {
  auto pending = consume(state, now_ms);
  if (!pending) return pending;
  if (pending->connection_id != connection_id) return StateFailure::kWrongConnection;
  return pending;
}

InMemoryStateStore::InMemoryStateStore(StateStoreOptions options)
    : options_([&] {
        options.state_bytes = std::max(options.state_bytes, kMinStateBytes);
        return options;
      }()) {}

StateResult<std::string> InMemoryStateStore::issue(std::string_view connection_id,
                                                   std::string_view pkce_verifier,
                                                   std::string_view redirect_uri,
                                                   std::int64_t now_ms, std::string_view client) {
  if (connection_id.empty() || pkce_verifier.empty() || redirect_uri.empty()) {
    return StateFailure::kInvalidArgument;
  }
  std::string state = encoding::base64url_encode(crypto::random_bytes(options_.state_bytes));
  PendingAuthorization pending{
      .connection_id = std::string(connection_id),
      .client = std::string(client),
      .pkce_verifier = std::string(pkce_verifier),
      .redirect_uri = std::string(redirect_uri),
      .issued_at_ms = now_ms,
      .expires_at_ms = now_ms + options_.ttl.count(),
  };
  std::lock_guard lock(mutex_);
  if (pending_.size() >= options_.capacity) {
    evict_expired_locked(now_ms);
    // Live states are never evicted to make room: that would let a flood of /connect requests
    // cancel users' authorizations in progress.
    if (pending_.size() >= options_.capacity) return StateFailure::kFull;
  }
  pending_.emplace(key_of(state), std::move(pending));
  return state;
}

StateResult<PendingAuthorization> InMemoryStateStore::consume(std::string_view state,
                                                              std::int64_t now_ms) {
  if (state.empty()) return StateFailure::kUnknown;
  std::string key = key_of(state);
  std::lock_guard lock(mutex_);
  auto it = pending_.find(key);
  if (it == pending_.end()) return StateFailure::kUnknown;
  PendingAuthorization pending = std::move(it->second);
  pending_.erase(it);
  if (now_ms >= pending.expires_at_ms) return StateFailure::kExpired;
  return pending;
}

std::size_t InMemoryStateStore::size() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

std::size_t InMemoryStateStore::evict_expired(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  return evict_expired_locked(now_ms);
}

std::size_t InMemoryStateStore::evict_expired_locked(std::int64_t now_ms) {
  return std::erase_if(pending_,
                       [&](const auto& entry) { return now_ms >= entry.second.expires_at_ms; });
}

}  // namespace wharf::oauth
