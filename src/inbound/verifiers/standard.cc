#include "inbound/verifiers/standard.h"

#include "core/crypto.h"
#include "core/encoding.h"
#include "inbound/verifiers/scheme_support.h"

namespace wharf::inbound {
namespace {

using Reason = VerifyFailure::Reason;

// More entries than any sender rotates through; bounds the Ed25519 work one request can cause.
constexpr std::size_t kMaxSignatures = 16;

struct StandardConfig {
  std::vector<std::string> hmac_secrets;  // decoded
  std::vector<crypto::PublicKey> public_keys;
  std::vector<std::string> public_raw;  // to check signing_key against
  std::optional<crypto::PrivateKey> signing_key;
  scheme::TimestampWindow window{300};
};

std::optional<StandardConfig> read_config(const ConfigNode& source) {
  ConfigErrorWatch watch(source);
  source.allow_only_keys({"verifier", "tolerance", "signing_key", "secret", "public_key"});
  StandardConfig config;
  ConfigNode secret = source["secret"];
  ConfigNode public_key = source["public_key"];
  if (!secret.present() && !public_key.present()) {
    source.error("needs `secret` (whsec_...) or `public_key` (whpk_...)");
  }
  if (secret.present()) {
    for (const auto& s : scheme::read_secrets(secret)) {
      auto raw = encoding::prefixed_base64_decode(s, "whsec_");
      if (!raw) {
        secret.error("must be whsec_ followed by base64");
        break;
      }
      config.hmac_secrets.push_back(std::move(*raw));
    }
  }
  if (public_key.present()) {
    for (const auto& s : scheme::read_secrets(public_key)) {
      auto raw = encoding::prefixed_base64_decode(s, "whpk_");
      auto key = raw ? crypto::PublicKey::ed25519_from_raw(*raw)
                     : Result<crypto::PublicKey>(make_error(Errc::kInvalidArgument, ""));
      if (!key) {
        public_key.error("must be whpk_ followed by the base64 of a 32-byte Ed25519 public key");
        break;
      }
      config.public_keys.push_back(std::move(*key));
      config.public_raw.push_back(std::move(*raw));
    }
  }
  if (ConfigNode signing = source["signing_key"]; signing.present()) {
    auto text = signing.str();
    auto raw = text ? encoding::prefixed_base64_decode(*text, "whsk_") : std::nullopt;
    if (raw && (raw->size() == 32 || raw->size() == 64)) {
      auto key = crypto::PrivateKey::ed25519_from_seed(std::string_view(*raw).substr(0, 32));
      if (key && raw->size() == 64 && key->public_raw() != raw->substr(32)) {
        signing.error("the public half of the 64-byte signing_key does not match its seed");
      }
      if (key) config.signing_key = std::move(*key);
    } else if (text) {
      signing.error("must be whsk_ followed by the base64 of a 32-byte Ed25519 seed (or 64 bytes)");
    }
  }
  config.window = scheme::TimestampWindow::from_config(source);
  if (!watch.ok()) return std::nullopt;
  return config;
}

// The header set in use: `webhook-*`, or Svix's `svix-*`.
struct Headers {
  std::string id_name, ts_name, sig_name;
  std::string_view id, ts, sig;
};

Headers headers_of(const RequestView& req) {
  bool svix = req.header("webhook-signature").empty() && req.header("webhook-id").empty() &&
              (!req.header("svix-signature").empty() || !req.header("svix-id").empty());
  std::string p = svix ? "svix-" : "webhook-";
  Headers h{p + "id", p + "timestamp", p + "signature", {}, {}, {}};
  h.id = trim_ows(req.header(h.id_name));
  h.ts = trim_ows(req.header(h.ts_name));
  h.sig = trim_ows(req.header(h.sig_name));
  return h;
}

class StandardVerifier final : public Verifier {
 public:
  explicit StandardVerifier(StandardConfig config)
      : hmac_keys_(scheme::hmac_keys(crypto::Digest::kSha256, config.hmac_secrets)),
        public_keys_(std::move(config.public_keys)),
        window_(config.window) {}

  std::optional<VerifyFailure> verify(const RequestView& req, std::int64_t now_s) const override {
    Headers h = headers_of(req);
    if (h.sig.empty())
      return scheme::failure(Reason::kMissing, "missing " + h.sig_name + " header");
    if (h.id.empty())
      return scheme::failure(Reason::kMalformed, "missing " + h.id_name + " header");
    auto ts = scheme::parse_unix_seconds(h.ts);
    if (!ts) {
      return scheme::failure(Reason::kMalformed,
                             (h.ts.empty() ? "missing " : "malformed ") + h.ts_name + " header");
    }
    std::vector<std::string_view> v1;
    std::vector<std::string> v1a;
    std::vector<std::string_view> entries = scheme::split(h.sig, " ");
    if (entries.size() > kMaxSignatures) {
      return scheme::failure(Reason::kMalformed, "too many signatures in " + h.sig_name);
    }
    for (std::string_view e : entries) {
      // Unknown versions are ignored, as the reference libraries do.
      if (e.starts_with("v1,")) v1.push_back(e.substr(3));
      if (e.starts_with("v1a,")) {
        if (auto sig = encoding::base64_decode(e.substr(4)); sig && sig->size() == 64) {
          v1a.push_back(std::move(*sig));
        }
      }
    }
    if (v1.empty() && v1a.empty()) {
      return scheme::failure(Reason::kMalformed, h.sig_name + " has no v1 or v1a signature");
    }
    bool any = false;
    if (!v1.empty()) {
      for (const auto& key : hmac_keys_) {
        std::string expected =
            encoding::base64_encode(key.sign_parts({h.id, ".", h.ts, ".", req.body()}));
        for (std::string_view c : v1) any |= crypto::constant_time_equal(expected, c);
      }
    }
    if (!v1a.empty() && !public_keys_.empty()) {
      std::string content =
          std::string(h.id) + "." + std::string(h.ts) + "." + std::string(req.body());
      for (const auto& key : public_keys_) {
        for (const auto& sig : v1a) any |= key.verify(content, sig);
      }
    }
    if (!any) return scheme::no_match(hmac_keys_.size() + public_keys_.size());
    return window_.check(*ts, now_s);
  }

  Result<ParseOutput> parse(const RequestView& req) const override {
    Headers h = headers_of(req);
    if (h.id.empty()) return make_error(Errc::kInvalidArgument, "missing " + h.id_name + " header");
    auto obj = scheme::parse_json_object(req.body());
    if (!obj) return obj.error();
    ParseOutput out;
    ParsedEvent event;
    event.provider_event_id = std::string(h.id);
    event.type = scheme::json_string(*obj, "type").value_or("unknown");
    event.payload = std::string(req.body());
    out.events.push_back(std::move(event));
    return out;
  }

 private:
  std::vector<crypto::HmacKey> hmac_keys_;
  std::vector<crypto::PublicKey> public_keys_;
  scheme::TimestampWindow window_;
};

class StandardSigner final : public Signer {
 public:
  StandardSigner(std::optional<crypto::HmacKey> hmac, std::optional<crypto::PrivateKey> ed25519)
      : hmac_(std::move(hmac)), ed25519_(std::move(ed25519)) {}

  SignedRequest sign(std::string body, std::string content_type, std::int64_t now_s,
                     std::string_view message_id) const override {
    std::string id = message_id.empty()
                         ? "msg_" + encoding::base64url_encode(crypto::random_bytes(18))
                         : std::string(message_id);
    std::string ts = std::to_string(now_s);
    std::string signature;
    if (hmac_) {
      signature = "v1," + encoding::base64_encode(hmac_->sign_parts({id, ".", ts, ".", body}));
    } else {
      signature = "v1a," + encoding::base64_encode(ed25519_->sign(id + "." + ts + "." + body));
    }
    SignedRequest out;
    out.headers.emplace_back("webhook-id", std::move(id));
    out.headers.emplace_back("webhook-timestamp", std::move(ts));
    out.headers.emplace_back("webhook-signature", std::move(signature));
    out.content_type = content_type.empty() ? "application/json" : std::move(content_type);
    out.body = std::move(body);
    return out;
  }

 private:
  std::optional<crypto::HmacKey> hmac_;
  std::optional<crypto::PrivateKey> ed25519_;
};

}  // namespace

std::unique_ptr<Verifier> make_standard_verifier(const ConfigNode& source) {
  auto config = read_config(source);
  if (!config) return nullptr;
  return std::make_unique<StandardVerifier>(std::move(*config));
}

std::unique_ptr<Signer> make_standard_signer(const ConfigNode& source) {
  auto config = read_config(source);
  if (!config) return nullptr;
  if (!config->hmac_secrets.empty()) {
    return std::make_unique<StandardSigner>(
        crypto::HmacKey(crypto::Digest::kSha256, config->hmac_secrets.front()), std::nullopt);
  }
  if (!config->signing_key) {
    source["signing_key"].error("is required to sign v1a (Ed25519) requests");
    return nullptr;
  }
  bool matches = false;
  for (const auto& raw : config->public_raw) matches |= raw == config->signing_key->public_raw();
  if (!matches) {
    source["signing_key"].error("does not belong to any configured public_key");
    return nullptr;
  }
  return std::make_unique<StandardSigner>(std::nullopt, std::move(config->signing_key));
}

}  // namespace wharf::inbound
