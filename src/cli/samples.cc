#include "cli/samples.h"

#include <algorithm>
#include <string>

#include "cli/samples/sample_builders.h"

namespace wharf::cli {

// ---- SampleContext ----------------------------------------------------------------------------

std::uint64_t SampleContext::next() {
  // splitmix64: the state walks all 2^64 values and the mix is a bijection, so no two calls on
  // one context ever return the same word. That is what makes ids from one context distinct.
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::string SampleContext::draw(std::string_view alphabet, std::size_t n) {
  // Base-B digits of one word first (injective once B^n >= 2^64), then of further words.
  std::string out;
  out.reserve(n);
  std::uint64_t word = next();
  std::uint64_t left = ~0ULL;  // how much of `word` is still unread
  while (out.size() < n) {
    if (left == 0) {
      word = next();
      left = ~0ULL;
    }
    out += alphabet[word % alphabet.size()];
    word /= alphabet.size();
    left /= alphabet.size();
  }
  return out;
}

std::string SampleContext::alnum(std::size_t n) {
  return draw("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", n);
}
std::string SampleContext::upper_alnum(std::size_t n) {
  return draw("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", n);
}
std::string SampleContext::hex(std::size_t n) { return draw("0123456789abcdef", n); }

std::optional<std::string> SampleContext::setting(std::string_view key) const {
  auto it = settings_.find(key);
  if (it == settings_.end()) return std::nullopt;
  return it->second;
}

const std::vector<std::pair<std::string_view, std::string_view>>& sample_settings() {
  static const std::vector<std::pair<std::string_view, std::string_view>> all = {
      {"outreach_id", "sendgrid, mailgun: the outreach_id custom argument / user variable"},
      {"email",
       "sendgrid: the recipient; mailgun: the recipient, or the sender of an inbound reply"},
      {"message_id",
       "sendgrid: the smtp-id; mailgun: the sent message's Message-Id (an inbound "
       "reply's In-Reply-To and References), e.g. \"<abc@mail.example>\""},
      {"mailbox", "mailgun inbound: the outreach mailbox the reply is sent to"},
      {"customer", "stripe: the customer id"},
      {"subscription", "stripe: the subscription id"},
      {"price", "stripe: the price id of the subscription's item"},
  };
  return all;
}

Result<void> apply_sample_setting(std::string_view text, SampleContext& ctx) {
  const std::size_t eq = text.find('=');
  const std::string_view key = text.substr(0, eq);
  std::string known;
  bool found = false;
  for (const auto& [k, what] : sample_settings()) {
    known += (known.empty() ? "" : ", ") + std::string(k);
    found = found || k == key;
  }
  if (eq == std::string_view::npos || !found) {
    return make_error(Errc::kInvalidArgument, "--set expects KEY=VALUE with KEY one of: " + known);
  }
  const std::string_view value = text.substr(eq + 1);
  if (value.empty() || value.find_first_of("\r\n") != std::string_view::npos) {
    return make_error(Errc::kInvalidArgument,
                      "--set " + std::string(key) + ": the value must be one non-empty line");
  }
  ctx.set(std::string(key), std::string(value));
  return {};
}

std::string SampleContext::uuid() {
  std::string h = hex(32);
  h[12] = '4';                                                          // version 4
  h[16] = "89ab"[(h[16] <= '9' ? h[16] - '0' : h[16] - 'a' + 10) & 3];  // RFC 4122 variant
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

std::int64_t SampleContext::between(std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
}

namespace {

std::string join(const std::vector<std::string_view>& items) {
  std::string out;
  for (auto it : items) {
    if (!out.empty()) out += ", ";
    out += it;
  }
  return out;
}

// ---- the table ---------------------------------------------------------------------------------

struct Provider {
  std::string_view verifier;
  std::vector<std::string_view> types;
  bool any_type;
  Result<Sample> (*make)(std::string_view type, SampleContext& ctx);
};

const std::vector<Provider>& providers() {
  static const std::vector<Provider> kProviders = {
      {"stripe",
       {"customer.subscription.created", "customer.subscription.updated",
        "customer.subscription.deleted", "invoice.payment_succeeded", "invoice.paid",
        "invoice.payment_failed", "checkout.session.completed"},
       false,
       samples::stripe_sample},
      {"sendgrid",
       {"delivered", "bounce", "spamreport", "click", "open", "dropped", "deferred", "processed",
        "batch"},
       false,
       samples::sendgrid_sample},
      {"mailgun",
       {"inbound", "delivered", "failed", "opened", "clicked", "complained", "unsubscribed"},
       false,
       samples::mailgun_sample},
      {"slack", {"message", "app_mention", "url_verification"}, false, samples::slack_sample},
      {"github",
       {"push", "issues.opened", "pull_request.opened", "ping"},
       false,
       samples::github_sample},
      {"standard", {"invoice.paid", "user.created"}, true, samples::standard_sample},
      {"hmac", {"invoice.paid", "user.created"}, true, samples::hmac_sample},
  };
  return kProviders;
}

const Provider* find_provider(std::string_view verifier) {
  for (const Provider& p : providers()) {
    if (p.verifier == verifier) return &p;
  }
  return nullptr;
}

// Types for any-type schemes end up in JSON and in route patterns: keep them to the characters
// event type names use.
bool valid_free_type(std::string_view type) {
  if (type.empty() || type.size() > 200) return false;
  for (char c : type) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == ':' || c == '/';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string_view> sample_types(std::string_view verifier) {
  const Provider* p = find_provider(verifier);
  return p != nullptr ? p->types : std::vector<std::string_view>{};
}

bool sample_accepts_any_type(std::string_view verifier) {
  const Provider* p = find_provider(verifier);
  return p != nullptr && p->any_type;
}

std::vector<std::string_view> sample_verifiers() {
  std::vector<std::string_view> out;
  for (const Provider& p : providers()) out.push_back(p.verifier);
  return out;
}

Result<Sample> make_sample(std::string_view verifier, std::string_view type, SampleContext& ctx) {
  const Provider* p = find_provider(verifier);
  if (p == nullptr) {
    return make_error(Errc::kNotFound, "no sample events for verifier '" + std::string(verifier) +
                                           "' (samples exist for: " + join(sample_verifiers()) +
                                           ")");
  }
  if (p->any_type) {
    if (!valid_free_type(type)) {
      return make_error(Errc::kInvalidArgument, "invalid event type '" + std::string(type) +
                                                    "': use letters, digits and . _ - : / (e.g. " +
                                                    join(p->types) + ")");
    }
  } else if (std::find(p->types.begin(), p->types.end(), type) == p->types.end()) {
    return make_error(Errc::kInvalidArgument, "unknown event type '" + std::string(type) +
                                                  "' for " + std::string(verifier) +
                                                  "; known types: " + join(p->types));
  }
  return p->make(type, ctx);
}

}  // namespace wharf::cli
