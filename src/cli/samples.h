// Sample webhook events for `wharf trigger`, tests and benchmarks: for each signature scheme
// (verifier name), the payloads its provider really sends, field for field, so that routes,
// handlers and dedup see what production will see. Bodies are unsigned; a Signer from
// inbound/verifier.h signs them. Pure functions of a SampleContext: not thread-safe per context,
// but independent contexts may be used from different threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace wharf::cli {

// Randomness and time for sample events, injected so tests are deterministic. Every id drawn
// from one context is distinct (the first 64 bits of each come from a bijective mix of a
// counter), so `wharf trigger --count N` sends N distinct events; a random seed per process
// makes collisions across runs negligible.
class SampleContext {
 public:
  SampleContext(std::uint64_t seed, std::int64_t now_s) : state_(seed), now_s_(now_s) {}

  std::int64_t now_s() const { return now_s_; }
  // `n` characters (n >= 11 for the uniqueness guarantee) from [0-9A-Za-z].
  std::string alnum(std::size_t n);
  // `n` characters from [0-9A-Z] (Slack's ids), unique for n >= 13.
  std::string upper_alnum(std::size_t n);
  // `n` lowercase hex digits, unique for n >= 16.
  std::string hex(std::size_t n);
  // An RFC 4122 version-4 UUID in its textual form.
  std::string uuid();
  // A number in [lo, hi] (not unique).
  std::int64_t between(std::int64_t lo, std::int64_t hi);

  // Values the samples use instead of their own (`wharf trigger --set KEY=VALUE`), so an event
  // can name records that exist: see sample_settings() for the keys.
  void set(std::string key, std::string value) { settings_[std::move(key)] = std::move(value); }
  std::optional<std::string> setting(std::string_view key) const;

 private:
  std::uint64_t next();
  std::string draw(std::string_view alphabet, std::size_t n);

  std::uint64_t state_;
  std::int64_t now_s_;
  std::map<std::string, std::string, std::less<>> settings_;
};

// The keys SampleContext::set accepts, with what each replaces.
const std::vector<std::pair<std::string_view, std::string_view>>& sample_settings();
// Applies "KEY=VALUE" to `ctx`. kInvalidArgument for an unknown key (the message lists the
// known ones), an empty value, or a value with a line break.
Result<void> apply_sample_setting(std::string_view text, SampleContext& ctx);

struct Sample {
  std::string body;          // exactly the bytes to sign and POST
  std::string content_type;  // e.g. "application/json", "multipart/form-data; boundary=..."
  // The event's id as its provider names it (Stripe evt_..., Standard Webhooks msg_..., the
  // GitHub delivery UUID, ...; the first element's for a batch). Passed to Signer::sign, which
  // uses it where the scheme signs one (Standard Webhooks' webhook-id).
  std::string message_id;
  // Headers the provider sends besides its signature (GitHub's X-GitHub-Event and
  // X-GitHub-Delivery, User-Agent); added to the signer's headers by the caller.
  std::vector<std::pair<std::string, std::string>> headers;
};

// The event types with a built-in sample for `verifier` (empty for an unknown verifier). For
// schemes that accept any type (standard, hmac) these are examples only.
std::vector<std::string_view> sample_types(std::string_view verifier);
// True when make_sample accepts any non-empty type for `verifier` (standard, hmac).
bool sample_accepts_any_type(std::string_view verifier);
// Names of the verifiers that have samples.
std::vector<std::string_view> sample_verifiers();

// A fresh sample of `type` for `verifier`, with new ids drawn from `ctx`. Errors:
// kNotFound for a verifier without samples, kInvalidArgument for an unknown type (the message
// lists the known ones).
Result<Sample> make_sample(std::string_view verifier, std::string_view type, SampleContext& ctx);

}  // namespace wharf::cli
