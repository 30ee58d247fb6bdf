#include "inbound/verifiers/github.h"

#include "core/crypto.h"
#include "core/encoding.h"
#include "inbound/verifiers/scheme_support.h"

namespace wharf::inbound {
namespace {

using Reason = VerifyFailure::Reason;

constexpr std::string_view kSignatureHeader = "X-Hub-Signature-256";
constexpr std::string_view kPrefix = "sha256=";

std::optional<std::vector<std::string>> read_config(const ConfigNode& source) {
  ConfigErrorWatch watch(source);
  source.allow_only_keys({"verifier", "tolerance", "signing_key", "secret"});
  auto secrets = scheme::read_secrets(source["secret"]);
  scheme::TimestampWindow::from_config(source);  // accepted for uniformity; GitHub signs no time
  if (!watch.ok()) return std::nullopt;
  return secrets;
}

// The JSON document of a delivery: the body, or its `payload` field when form-encoded.
Result<boost::json::object> delivery_json(const RequestView& req) {
  std::string_view body = req.body();
  if (req.header("Content-Type").starts_with("application/x-www-form-urlencoded") ||
      body.starts_with("payload=")) {
    for (std::string_view field : scheme::split(body, "&")) {
      if (!field.starts_with("payload=")) continue;
      auto json = encoding::form_url_decode(field.substr(8));
      if (!json) return make_error(Errc::kInvalidArgument, "malformed form-encoded payload");
      return scheme::parse_json_object(*json);
    }
    return make_error(Errc::kInvalidArgument, "form-encoded body has no payload field");
  }
  return scheme::parse_json_object(body);
}

class GithubVerifier final : public Verifier {
 public:
  explicit GithubVerifier(const std::vector<std::string>& secrets)
      : keys_(scheme::hmac_keys(crypto::Digest::kSha256, secrets)) {}

  std::optional<VerifyFailure> verify(const RequestView& req, std::int64_t) const override {
    std::string_view header = trim_ows(req.header(kSignatureHeader));
    if (header.empty()) {
      return scheme::failure(Reason::kMissing, "missing X-Hub-Signature-256 header");
    }
    if (!header.starts_with(kPrefix)) {
      return scheme::failure(Reason::kMalformed, "X-Hub-Signature-256 must start with sha256=");
    }
    auto mac = encoding::hex_decode(header.substr(kPrefix.size()));
    if (!mac || mac->size() != 32) {
      return scheme::failure(Reason::kMalformed, "X-Hub-Signature-256 is not a SHA-256 hex MAC");
    }
    bool any = false;
    for (const auto& key : keys_) any |= crypto::constant_time_equal(key.sign(req.body()), *mac);
    if (!any) return scheme::no_match(keys_.size());
    return std::nullopt;
  }

  Result<ParseOutput> parse(const RequestView& req) const override {
    std::string_view delivery = trim_ows(req.header("X-GitHub-Delivery"));
    if (delivery.empty()) {
      return make_error(Errc::kInvalidArgument, "missing X-GitHub-Delivery header");
    }
    auto obj = delivery_json(req);
    if (!obj) return obj.error();
    ParsedEvent event;
    event.provider_event_id = std::string(delivery);
    std::string_view name = trim_ows(req.header("X-GitHub-Event"));
    event.type = name.empty() ? "unknown" : std::string(name);
    if (auto action = scheme::json_string(*obj, "action")) event.type += "." + *action;
    event.payload = std::string(req.body());
    ParseOutput out;
    out.events.push_back(std::move(event));
    return out;
  }

 private:
  std::vector<crypto::HmacKey> keys_;
};

// GitHub names the event only in a header; a sample body reveals it through its top-level keys.
std::string infer_event(std::string_view body) {
  auto obj = scheme::parse_json_object(body);
  if (!obj) return "ping";
  static constexpr std::pair<std::string_view, std::string_view> kByKey[] = {
      {"zen", "ping"},
      {"pull_request", "pull_request"},
      {"issue", "issues"},
      {"release", "release"},
      {"check_run", "check_run"},
      {"check_suite", "check_suite"},
      {"workflow_run", "workflow_run"},
      {"workflow_job", "workflow_job"},
      {"deployment_status", "deployment_status"},
      {"deployment", "deployment"},
      {"installation", "installation"},
      {"commits", "push"},
  };
  for (auto [key, event] : kByKey) {
    if (obj->contains(key)) return std::string(event);
  }
  return "ping";
}

std::string random_uuid() {
  std::string b = crypto::random_bytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string h = encoding::hex_encode(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

class GithubSigner final : public Signer {
 public:
  explicit GithubSigner(const std::string& secret)
      : sha256_(crypto::Digest::kSha256, secret), sha1_(crypto::Digest::kSha1, secret) {}

  SignedRequest sign(std::string body, std::string content_type, std::int64_t,
                     std::string_view message_id) const override {
    SignedRequest out;
    out.headers.emplace_back("X-GitHub-Event", infer_event(body));
    out.headers.emplace_back("X-GitHub-Delivery",
                             message_id.empty() ? random_uuid() : std::string(message_id));
    out.headers.emplace_back("X-Hub-Signature", "sha1=" + encoding::hex_encode(sha1_.sign(body)));
    out.headers.emplace_back(std::string(kSignatureHeader),
                             "sha256=" + encoding::hex_encode(sha256_.sign(body)));
    out.content_type = content_type.empty() ? "application/json" : std::move(content_type);
    out.body = std::move(body);
    return out;
  }

 private:
  crypto::HmacKey sha256_;
  crypto::HmacKey sha1_;
};

}  // namespace

std::unique_ptr<Verifier> make_github_verifier(const ConfigNode& source) {
  auto secrets = read_config(source);
  if (!secrets) return nullptr;
  return std::make_unique<GithubVerifier>(*secrets);
}

std::unique_ptr<Signer> make_github_signer(const ConfigNode& source) {
  auto secrets = read_config(source);
  if (!secrets) return nullptr;
  return std::make_unique<GithubSigner>(secrets->front());
}

}  // namespace wharf::inbound
