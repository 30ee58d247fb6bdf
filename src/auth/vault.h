// The vault: envelope encryption for every secret wharf stores (API keys, OAuth tokens, client
// secrets). A secret is sealed with AES-256-GCM under a data key (DEK); DEKs are kept wrapped
// under a master key (auth/master_key.h) in a WrappedKeyStore, and in the clear only in memory
// (auth/key_ring.h).
//
// Envelope (text, safe to store in a TEXT column and to log):
//     v1:<dek id>:<base64url(nonce(12) || ciphertext || tag(16))>
// The associated data binds the envelope to its DEK id and to the caller's `aad_context`, the
// identity of the row that holds it (e.g. "connections/42/refresh_token"): an envelope copied
// into another row does not open there.
//
// Errors never contain plaintext, key bytes or envelopes; they name key ids only.
//
// Thread-safety: every method may be called from any thread. seal/open/reencrypt share a
// reader lock; rotations and refresh take it exclusively (they do store I/O under it, which is
// fine for operations an operator runs).
//
// Online rotation, as `wharf keys rotate` drives it (oauth::ConnectionService::rotate_keys; no
// downtime, every step restartable):
//  1. Master key A -> B: configure every instance with B first and A after it (`[B, A]`) and
//     restart them one at a time. New DEKs are now wrapped under B; DEKs wrapped under A still
//     unwrap. Then `wharf keys rotate` calls rewrap() on one instance: every stored DEK
//     is rewrapped under B (one store put each; secrets' envelopes are untouched, so this is
//     quick and a crash part-way is fixed by running it again). Once it reports success,
//     remove A from the configuration and restart; a DEK still wrapped under A would then stop
//     start-up with an error naming A's id, never silently lose data.
//  2. Data keys (every run of the command): rotate_data_key() makes a new
//     current DEK; other instances pick it up on their next open() of an envelope that names it
//     (open() refreshes from the store on an unknown DEK id). Then the command walks every
//     secret column in batches, and for each envelope with !is_current() stores
//     reencrypt(envelope, aad) with a compare-and-swap on the old envelope, so a token refreshed
//     concurrently is never overwritten. Old DEKs stay in the store until no envelope names
//     them (retiring them is left for later).
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "auth/key_ring.h"
#include "auth/master_key.h"
#include "auth/wrapped_key_store.h"
#include "core/error.h"

namespace wharf::auth {

class Vault {
 public:
  // Loads and unwraps every DEK in `store` (which must outlive the vault); when the store holds
  // none, creates and stores the first. Errors: a DEK wrapped by a master key that is not in
  // `masters` (kNotFound, naming that master key id), a DEK that does not unwrap
  // (kUnauthenticated), or the store's error.
  static Result<std::unique_ptr<Vault>> load(MasterKeySet masters, WrappedKeyStore& store);

  // `plaintext` sealed under the current DEK for `aad_context`, as an envelope.
  Result<std::string> seal(std::string_view plaintext, std::string_view aad_context) const;

  // The plaintext of `envelope` when it was sealed for `aad_context` and is unmodified.
  // Errors: kInvalidArgument for something that is not a v1 envelope; kNotFound when it names a
  // DEK that neither the vault nor its store holds; kUnauthenticated when it fails
  // authentication (another context, or modified). An unknown DEK id makes it refresh from the
  // store once (another instance may have rotated).
  Result<std::string> open(std::string_view envelope, std::string_view aad_context);

  // Makes `new_key` the current master key (the previous ones still unwrap in this process) and
  // rewraps every DEK in the store under it, first picking up DEKs other instances added.
  // Envelopes are untouched. On a store error some DEKs may already be rewrapped: both keys
  // still unwrap them, and running it again finishes the job.
  Result<void> rotate_master(MasterKey new_key);

  // Rewraps every DEK in the store (after picking up other instances' additions) under the
  // current master key: rotate_master() for the key configured first, as `wharf keys rotate`
  // does after a restart with `[new, old]`. Returns how many DEKs the store holds.
  Result<std::size_t> rewrap();

  // Creates and stores a new DEK that becomes current; older DEKs keep opening their envelopes.
  Result<void> rotate_data_key();

  // `envelope` opened and sealed again under the current DEK (errors as open()).
  Result<std::string> reencrypt(std::string_view envelope, std::string_view aad_context);

  // True when `envelope` names the current DEK (reencrypt would change nothing but the nonce).
  bool is_current(std::string_view envelope) const;

  // Picks up DEKs other instances stored since load. Errors as load().
  Result<void> refresh();

  std::string current_master_key_id() const;
  std::string current_data_key_id() const;

 private:
  Vault(MasterKeySet masters, WrappedKeyStore& store) : ring_(std::move(masters)), store_(store) {}
  Result<void> refresh_locked();
  Result<void> add_new_key_locked();

  mutable std::shared_mutex mu_;
  KeyRing ring_;  // guarded by mu_
  WrappedKeyStore& store_;
};

}  // namespace wharf::auth
