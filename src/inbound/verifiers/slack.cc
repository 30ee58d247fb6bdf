#include "inbound/verifiers/slack.h"

#include "core/crypto.h"
#include "core/encoding.h"
#include "inbound/verifiers/scheme_support.h"

namespace wharf::inbound {
namespace {

using Reason = VerifyFailure::Reason;

constexpr std::string_view kSignatureHeader = "X-Slack-Signature";
constexpr std::string_view kTimestampHeader = "X-Slack-Request-Timestamp";

struct SlackConfig {
  std::vector<std::string> secrets;
  scheme::TimestampWindow window{300};
};

std::optional<SlackConfig> read_config(const ConfigNode& source) {
  ConfigErrorWatch watch(source);
  source.allow_only_keys({"verifier", "tolerance", "signing_key", "signing_secret"});
  SlackConfig config;
  config.secrets = scheme::read_secrets(source["signing_secret"]);
  config.window = scheme::TimestampWindow::from_config(source);
  if (!watch.ok()) return std::nullopt;
  return config;
}

ParseOutput single(std::string id, std::string type, std::string_view payload) {
  ParseOutput out;
  ParsedEvent event;
  event.provider_event_id = std::move(id);
  event.type = std::move(type);
  event.payload = std::string(payload);
  out.events.push_back(std::move(event));
  return out;
}

Result<ParseOutput> parse_json(std::string_view body) {
  auto obj = scheme::parse_json_object(body);
  if (!obj) return obj.error();
  std::string type = scheme::json_string(*obj, "type").value_or("unknown");
  if (type == "url_verification") {
    auto challenge = scheme::json_string(*obj, "challenge");
    if (!challenge) return make_error(Errc::kInvalidArgument, "url_verification has no challenge");
    ParseOutput out;
    boost::json::object reply;
    reply["challenge"] = *challenge;
    out.reply_json = boost::json::serialize(reply);
    return out;
  }
  if (auto it = obj->find("event"); it != obj->end() && it->value().is_object()) {
    if (auto inner = scheme::json_string(it->value().as_object(), "type")) type = *inner;
  }
  std::string id = scheme::json_string(*obj, "event_id").value_or(scheme::content_hash_id(body));
  return single(std::move(id), std::move(type), body);
}

// Interactive components post `payload=<JSON>`; slash commands post `command=/x&text=...`.
Result<ParseOutput> parse_form(std::string_view body) {
  std::string type = "interactive";
  for (std::string_view field : scheme::split(body, "&")) {
    std::size_t eq = field.find('=');
    auto name = encoding::form_url_decode(field.substr(0, eq));
    auto value =
        encoding::form_url_decode(eq == std::string_view::npos ? "" : field.substr(eq + 1));
    if (!name || !value) return make_error(Errc::kInvalidArgument, "malformed form-encoded body");
    if (*name == "command") type = "slash_command";
  }
  return single(scheme::content_hash_id(body), std::move(type), body);
}

class SlackVerifier final : public Verifier {
 public:
  explicit SlackVerifier(SlackConfig config)
      : keys_(scheme::hmac_keys(crypto::Digest::kSha256, config.secrets)), window_(config.window) {}

  std::optional<VerifyFailure> verify(const RequestView& req, std::int64_t now_s) const override {
    std::string_view header = trim_ows(req.header(kSignatureHeader));
    if (header.empty())
      return scheme::failure(Reason::kMissing, "missing X-Slack-Signature header");
    std::string_view ts_text = trim_ows(req.header(kTimestampHeader));
    auto ts = scheme::parse_unix_seconds(ts_text);
    if (!ts) {
      return scheme::failure(Reason::kMalformed,
                             ts_text.empty() ? "missing X-Slack-Request-Timestamp header"
                                             : "malformed X-Slack-Request-Timestamp header");
    }
    if (!header.starts_with("v0=")) {
      return scheme::failure(Reason::kMalformed, "X-Slack-Signature must start with v0=");
    }
    auto mac = encoding::hex_decode(header.substr(3));
    if (!mac || mac->size() != 32) {
      return scheme::failure(Reason::kMalformed, "X-Slack-Signature is not a SHA-256 hex MAC");
    }
    bool any = false;
    for (const auto& key : keys_) {
      any |= crypto::constant_time_equal(key.sign_parts({"v0:", ts_text, ":", req.body()}), *mac);
    }
    if (!any) return scheme::no_match(keys_.size());
    return window_.check(*ts, now_s);
  }

  Result<ParseOutput> parse(const RequestView& req) const override {
    std::string_view body = trim_ows(req.body());
    if (body.starts_with("{")) return parse_json(req.body());
    if (body.empty()) return make_error(Errc::kInvalidArgument, "empty body");
    return parse_form(req.body());
  }

 private:
  std::vector<crypto::HmacKey> keys_;
  scheme::TimestampWindow window_;
};

class SlackSigner final : public Signer {
 public:
  explicit SlackSigner(const std::string& secret) : key_(crypto::Digest::kSha256, secret) {}

  SignedRequest sign(std::string body, std::string content_type, std::int64_t now_s,
                     std::string_view) const override {
    std::string ts = std::to_string(now_s);
    SignedRequest out;
    out.headers.emplace_back(std::string(kTimestampHeader), ts);
    out.headers.emplace_back(std::string(kSignatureHeader),
                             "v0=" + encoding::hex_encode(key_.sign_parts({"v0:", ts, ":", body})));
    out.content_type = content_type.empty() ? "application/json" : std::move(content_type);
    out.body = std::move(body);
    return out;
  }

 private:
  crypto::HmacKey key_;
};

}  // namespace

std::unique_ptr<Verifier> make_slack_verifier(const ConfigNode& source) {
  auto config = read_config(source);
  if (!config) return nullptr;
  return std::make_unique<SlackVerifier>(std::move(*config));
}

std::unique_ptr<Signer> make_slack_signer(const ConfigNode& source) {
  auto config = read_config(source);
  if (!config) return nullptr;
  return std::make_unique<SlackSigner>(config->secrets.front());
}

}  // namespace wharf::inbound
