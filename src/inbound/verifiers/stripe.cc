#include "inbound/verifiers/stripe.h"

#include "core/crypto.h"
#include "core/encoding.h"
#include "inbound/verifiers/scheme_support.h"

namespace wharf::inbound {
namespace {

using Reason = VerifyFailure::Reason;

constexpr std::string_view kHeader = "Stripe-Signature";

struct StripeConfig {
  std::vector<std::string> secrets;
  scheme::TimestampWindow window{300};
};

std::optional<StripeConfig> read_config(const ConfigNode& source) {
  ConfigErrorWatch watch(source);
  source.allow_only_keys({"verifier", "tolerance", "signing_key", "secret"});
  StripeConfig config;
  config.secrets = scheme::read_secrets(source["secret"]);
  config.window = scheme::TimestampWindow::from_config(source);
  if (!watch.ok()) return std::nullopt;
  return config;
}

class StripeVerifier final : public Verifier {
 public:
  explicit StripeVerifier(StripeConfig config)
      : keys_(scheme::hmac_keys(crypto::Digest::kSha256, config.secrets)), window_(config.window) {}

  std::optional<VerifyFailure> verify(const RequestView& req, std::int64_t now_s) const override {
    std::string_view header = req.header(kHeader);
    if (header.empty()) return scheme::failure(Reason::kMissing, "missing Stripe-Signature header");
    std::string_view ts_text;
    std::vector<std::string> candidates;  // decoded v1 MACs
    for (std::string_view item : scheme::split(header, ",")) {
      std::size_t eq = item.find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view k = item.substr(0, eq);
      std::string_view v = item.substr(eq + 1);
      if (k == "t" && ts_text.empty()) ts_text = v;
      // Undecodable entries are skipped like unknown schemes: another one may still match.
      if (k == "v1") {
        if (auto mac = encoding::hex_decode(v)) candidates.push_back(std::move(*mac));
      }
    }
    auto ts = scheme::parse_unix_seconds(ts_text);
    if (!ts) return scheme::failure(Reason::kMalformed, "Stripe-Signature header has no valid t=");
    if (candidates.empty()) {
      return scheme::failure(Reason::kMalformed, "Stripe-Signature header has no v1 signature");
    }
    if (!matches(ts_text, req.body(), candidates)) return scheme::no_match(keys_.size());
    return window_.check(*ts, now_s);
  }

  Result<ParseOutput> parse(const RequestView& req) const override {
    auto obj = scheme::parse_json_object(req.body());
    if (!obj) return obj.error();
    ParsedEvent event;
    event.provider_event_id =
        scheme::json_string(*obj, "id").value_or(scheme::content_hash_id(req.body()));
    event.type = scheme::json_string(*obj, "type").value_or("unknown");
    event.payload = std::string(req.body());
    ParseOutput out;
    out.events.push_back(std::move(event));
    return out;
  }

 private:
  bool matches(std::string_view ts, std::string_view body,
               const std::vector<std::string>& candidates) const {
    bool any = false;
    for (const auto& key : keys_) {
      std::string expected = key.sign_parts({ts, ".", body});
      // No early exit: the work done does not reveal which key or signature matched.
      for (const auto& c : candidates) any |= crypto::constant_time_equal(expected, c);
    }
    return any;
  }

  std::vector<crypto::HmacKey> keys_;
  scheme::TimestampWindow window_;
};

class StripeSigner final : public Signer {
 public:
  explicit StripeSigner(const std::string& secret) : key_(crypto::Digest::kSha256, secret) {}

  SignedRequest sign(std::string body, std::string content_type, std::int64_t now_s,
                     std::string_view /*message_id*/) const override {
    std::string ts = std::to_string(now_s);
    std::string mac = encoding::hex_encode(key_.sign_parts({ts, ".", body}));
    SignedRequest out;
    out.headers.emplace_back(std::string(kHeader), "t=" + ts + ",v1=" + mac);
    out.content_type =
        content_type.empty() ? "application/json; charset=utf-8" : std::move(content_type);
    out.body = std::move(body);
    return out;
  }

 private:
  crypto::HmacKey key_;
};

}  // namespace

std::unique_ptr<Verifier> make_stripe_verifier(const ConfigNode& source) {
  auto config = read_config(source);
  if (!config) return nullptr;
  return std::make_unique<StripeVerifier>(std::move(*config));
}

std::unique_ptr<Signer> make_stripe_signer(const ConfigNode& source) {
  auto config = read_config(source);
  if (!config) return nullptr;
  return std::make_unique<StripeSigner>(config->secrets.front());
}

}  // namespace wharf::inbound
