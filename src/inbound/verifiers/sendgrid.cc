#include "inbound/verifiers/sendgrid.h"

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/encoding.h"
#include "inbound/verifiers/scheme_support.h"

namespace wharf::inbound {
namespace {

using Reason = VerifyFailure::Reason;

// DER of OID 1.2.840.10045.3.1.7 (prime256v1), present in every P-256 SubjectPublicKeyInfo.
constexpr std::string_view kP256Oid = "\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07";

bool is_p256_spki(std::string_view der) { return der.find(kP256Oid) != std::string_view::npos; }

// Cheap structural check of a DER ECDSA signature (SEQUENCE of two INTEGERs, at most 72 bytes
// for P-256) so that garbage is reported as malformed rather than as a mismatch.
bool looks_like_der_ecdsa(std::string_view sig) {
  if (sig.size() < 8 || sig.size() > 72) return false;
  auto u = [&](std::size_t i) { return static_cast<unsigned char>(sig[i]); };
  if (u(0) != 0x30 || u(1) != sig.size() - 2 || u(2) != 0x02) return false;
  std::size_t r_len = u(3);
  if (4 + r_len + 2 > sig.size() || u(4 + r_len) != 0x02) return false;
  return 4 + r_len + 2 + u(5 + r_len) == sig.size();
}

// The key text as SendGrid shows it (bare base64), or a PEM block around it.
std::optional<std::string> decode_public_key(std::string_view text) {
  std::string b64;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t eol = text.find('\n', i);
    std::string_view line = text.substr(i, eol == std::string_view::npos ? eol : eol - i);
    i = eol == std::string_view::npos ? text.size() : eol + 1;
    if (line.starts_with("-----")) continue;  // PEM armor
    for (char c : line) {
      if (c != ' ' && c != '\t' && c != '\r') b64 += c;
    }
  }
  return encoding::base64_decode(b64);
}

// The member `key` when it is a non-empty string.
std::optional<std::string> non_empty_string(const boost::json::object& obj, std::string_view key) {
  auto v = scheme::json_string(obj, key);
  if (v && v->empty()) return std::nullopt;
  return v;
}

class SendGridVerifier final : public Verifier {
 public:
  SendGridVerifier(std::vector<crypto::PublicKey> keys, scheme::TimestampWindow window)
      : keys_(std::move(keys)), window_(window) {}

  std::optional<VerifyFailure> verify(const RequestView& req, std::int64_t now_s) const override {
    std::string_view sig_b64 = req.header(kSendGridSignatureHeader);
    std::string_view ts_text = req.header(kSendGridTimestampHeader);
    if (sig_b64.empty()) {
      return scheme::failure(Reason::kMissing,
                             "missing X-Twilio-Email-Event-Webhook-Signature header");
    }
    if (ts_text.empty()) {
      return scheme::failure(Reason::kMissing,
                             "missing X-Twilio-Email-Event-Webhook-Timestamp header");
    }
    auto ts = scheme::parse_unix_seconds(ts_text);
    if (!ts) return scheme::failure(Reason::kMalformed, "malformed signature timestamp");
    auto sig = encoding::base64_decode(sig_b64);
    if (!sig || !looks_like_der_ecdsa(*sig)) {
      return scheme::failure(Reason::kMalformed,
                             "malformed signature (expected base64 of a DER ECDSA signature)");
    }
    std::string message;
    message.reserve(ts_text.size() + req.body().size());
    message.append(ts_text).append(req.body());
    bool matched = false;
    for (const auto& key : keys_) {
      if (key.verify(message, *sig)) {
        matched = true;
        break;
      }
    }
    if (!matched) return scheme::failure(Reason::kMismatch, "signature does not match");
    // Checked after the signature so that a stale-timestamp answer is given only to signed
    // requests (a replay), never to forgeries.
    return window_.check(*ts, now_s);
  }

  Result<ParseOutput> parse(const RequestView& req) const override {
    auto doc = scheme::parse_json(req.body());
    if (!doc) return doc.error();
    if (!doc->is_array()) {
      return make_error(Errc::kInvalidArgument, "expected a JSON array of events");
    }
    ParseOutput out;
    out.batch = true;
    out.events.reserve(doc->as_array().size());
    for (const auto& element : doc->as_array()) {
      if (!element.is_object()) {
        return make_error(Errc::kInvalidArgument, "every event in the array must be a JSON object");
      }
      const auto& obj = element.as_object();
      ParsedEvent ev;
      ev.payload = boost::json::serialize(element);
      ev.content_type = "application/json";
      auto id = non_empty_string(obj, "sg_event_id");
      ev.provider_event_id = id ? std::move(*id) : scheme::content_hash_id(ev.payload);
      ev.type = non_empty_string(obj, "event").value_or("unknown");
      out.events.push_back(std::move(ev));
    }
    return out;
  }

 private:
  std::vector<crypto::PublicKey> keys_;
  scheme::TimestampWindow window_;
};

class SendGridSigner final : public Signer {
 public:
  explicit SendGridSigner(crypto::PrivateKey key) : key_(std::move(key)) {}

  SignedRequest sign(std::string body, std::string content_type, std::int64_t now_s,
                     std::string_view /*message_id*/) const override {
    std::string ts = std::to_string(now_s);
    std::string sig = key_.sign(ts + body);
    SignedRequest out;
    out.headers.emplace_back(kSendGridSignatureHeader, encoding::base64_encode(sig));
    out.headers.emplace_back(kSendGridTimestampHeader, std::move(ts));
    out.content_type = content_type.empty() ? "application/json" : std::move(content_type);
    out.body = std::move(body);
    return out;
  }

 private:
  crypto::PrivateKey key_;
};

}  // namespace

std::unique_ptr<Verifier> make_sendgrid_verifier(const ConfigNode& source) {
  ConfigErrorWatch watch(source);
  source.allow_only_keys({"verifier", "tolerance", "signing_key", "public_key"});
  auto window = scheme::TimestampWindow::from_config(source);

  ConfigNode key_node = source["public_key"];
  std::vector<crypto::PublicKey> keys;
  std::vector<std::string> texts = key_node.str_list();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::string which = texts.size() > 1 ? " (entry " + std::to_string(i + 1) + ")" : "";
    auto der = decode_public_key(texts[i]);
    if (!der || der->empty()) {
      key_node.error("is not base64" + which + "; paste the verification key SendGrid shows");
      continue;
    }
    auto key = crypto::PublicKey::from_spki_der(*der);
    if (!key || !is_p256_spki(*der)) {
      key_node.error("is not an EC P-256 public key" + which);
      continue;
    }
    keys.push_back(std::move(*key));
  }
  if (!watch.ok() || keys.empty()) return nullptr;
  return std::make_unique<SendGridVerifier>(std::move(keys), window);
}

std::unique_ptr<Signer> make_sendgrid_signer(const ConfigNode& source) {
  ConfigErrorWatch watch(source);
  source.allow_only_keys({"verifier", "tolerance", "signing_key", "public_key"});
  ConfigNode key_node = source["signing_key"];
  auto pem = key_node.str();
  if (!pem) return nullptr;
  auto key = crypto::PrivateKey::from_pem(*pem);
  if (!key || !is_p256_spki(key->public_spki_der())) {
    key_node.error("is not a PEM EC P-256 private key");
    return nullptr;
  }
  if (!watch.ok()) return nullptr;
  return std::make_unique<SendGridSigner>(std::move(*key));
}

}  // namespace wharf::inbound
