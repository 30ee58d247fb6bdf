#include "inbound/verifiers/hmac.h"

#include "core/crypto.h"
#include "core/encoding.h"
#include "inbound/verifiers/scheme_support.h"

namespace wharf::inbound {
namespace {

using Reason = VerifyFailure::Reason;

struct HmacConfig {
  std::string header;
  crypto::Digest digest = crypto::Digest::kSha256;
  bool base64 = false;
  std::string prefix;
  std::vector<std::string> secrets;
  std::string timestamp_header, id_header, id_field, type_header, type_field;
  scheme::TimestampWindow window{300};
};

std::optional<HmacConfig> read_config(const ConfigNode& source) {
  ConfigErrorWatch watch(source);
  source.allow_only_keys({"verifier", "tolerance", "signing_key", "header", "algorithm", "encoding",
                          "prefix", "secret", "timestamp_header", "id_header", "id_field",
                          "type_header", "type_field"});
  HmacConfig c;
  c.header = source["header"].str().value_or("");
  if (source["header"].present() && c.header.empty()) source["header"].error("must not be empty");
  std::string algorithm = source["algorithm"].choice_or("sha256", {"sha1", "sha256", "sha512"});
  c.digest = algorithm == "sha1"     ? crypto::Digest::kSha1
             : algorithm == "sha512" ? crypto::Digest::kSha512
                                     : crypto::Digest::kSha256;
  c.base64 = source["encoding"].choice_or("hex", {"hex", "base64"}) == "base64";
  c.prefix = source["prefix"].str_or("");
  c.secrets = scheme::read_secrets(source["secret"]);
  c.timestamp_header = source["timestamp_header"].str_or("");
  c.id_header = source["id_header"].str_or("");
  c.id_field = source["id_field"].str_or("");
  c.type_header = source["type_header"].str_or("");
  c.type_field = source["type_field"].str_or("");
  if (!c.id_header.empty() && !c.id_field.empty()) {
    source["id_field"].error("set id_header or id_field, not both");
  }
  if (!c.type_header.empty() && !c.type_field.empty()) {
    source["type_field"].error("set type_header or type_field, not both");
  }
  c.window = scheme::TimestampWindow::from_config(source);
  if (!watch.ok()) return std::nullopt;
  return c;
}

class HmacVerifier final : public Verifier {
 public:
  explicit HmacVerifier(HmacConfig config)
      : config_(std::move(config)), keys_(scheme::hmac_keys(config_.digest, config_.secrets)) {}

  std::optional<VerifyFailure> verify(const RequestView& req, std::int64_t now_s) const override {
    std::string_view value = trim_ows(req.header(config_.header));
    if (value.empty())
      return scheme::failure(Reason::kMissing, "missing " + config_.header + " header");
    std::optional<std::int64_t> ts;
    std::string_view ts_text;
    if (!config_.timestamp_header.empty()) {
      ts_text = trim_ows(req.header(config_.timestamp_header));
      ts = scheme::parse_unix_seconds(ts_text);
      if (!ts) {
        return scheme::failure(Reason::kMalformed, (ts_text.empty() ? "missing " : "malformed ") +
                                                       config_.timestamp_header + " header");
      }
    }
    std::vector<std::string> candidates;
    // A prefix containing a separator would be cut apart: then the header holds one signature.
    bool one = config_.prefix.find_first_of(", ") != std::string::npos;
    for (std::string_view item :
         one ? std::vector<std::string_view>{value} : scheme::split(value, ", ")) {
      if (!item.starts_with(config_.prefix)) continue;
      item.remove_prefix(config_.prefix.size());
      auto mac = config_.base64 ? encoding::base64_decode(item) : encoding::hex_decode(item);
      if (mac && !mac->empty()) candidates.push_back(std::move(*mac));
    }
    if (candidates.empty()) {
      return scheme::failure(Reason::kMalformed,
                             config_.header + " holds no " + (config_.base64 ? "base64" : "hex") +
                                 " signature" +
                                 (config_.prefix.empty() ? "" : " after " + config_.prefix));
    }
    bool any = false;
    for (const auto& key : keys_) {
      std::string expected = ts ? key.sign_parts({ts_text, ".", req.body()}) : key.sign(req.body());
      for (const auto& c : candidates) any |= crypto::constant_time_equal(expected, c);
    }
    if (!any) return scheme::no_match(keys_.size());
    return ts ? config_.window.check(*ts, now_s) : std::nullopt;
  }

  Result<ParseOutput> parse(const RequestView& req) const override {
    std::string_view body = req.body();
    // JSON is needed only when a field is read from it; other bodies may be anything.
    bool needs_json = !config_.id_field.empty() || !config_.type_field.empty();
    auto obj = scheme::parse_json_object(body);
    if (!obj && needs_json) return obj.error();
    ParsedEvent event;
    if (!config_.id_header.empty()) {
      std::string_view id = trim_ows(req.header(config_.id_header));
      if (id.empty()) {
        return make_error(Errc::kInvalidArgument, "missing " + config_.id_header + " header");
      }
      event.provider_event_id = std::string(id);
    } else if (!config_.id_field.empty()) {
      auto id = scheme::json_scalar_text(*obj, config_.id_field);
      if (!id || id->empty()) {
        return make_error(Errc::kInvalidArgument, "body has no " + config_.id_field + " field");
      }
      event.provider_event_id = std::move(*id);
    } else {
      event.provider_event_id = scheme::content_hash_id(body);
    }
    if (!config_.type_header.empty()) {
      std::string_view type = trim_ows(req.header(config_.type_header));
      event.type = type.empty() ? "unknown" : std::string(type);
    } else {
      std::string field = config_.type_field.empty() ? "type" : config_.type_field;
      event.type = obj ? scheme::json_string(*obj, field).value_or("unknown") : "unknown";
    }
    event.payload = std::string(body);
    ParseOutput out;
    out.events.push_back(std::move(event));
    return out;
  }

 private:
  HmacConfig config_;
  std::vector<crypto::HmacKey> keys_;
};

class HmacSigner final : public Signer {
 public:
  explicit HmacSigner(HmacConfig config)
      : config_(std::move(config)), key_(config_.digest, config_.secrets.front()) {}

  SignedRequest sign(std::string body, std::string content_type, std::int64_t now_s,
                     std::string_view message_id) const override {
    SignedRequest out;
    std::string mac;
    if (!config_.timestamp_header.empty()) {
      std::string ts = std::to_string(now_s);
      mac = key_.sign_parts({ts, ".", body});
      out.headers.emplace_back(config_.timestamp_header, ts);
    } else {
      mac = key_.sign(body);
    }
    out.headers.emplace_back(config_.header,
                             config_.prefix + (config_.base64 ? encoding::base64_encode(mac)
                                                              : encoding::hex_encode(mac)));
    if (!config_.id_header.empty()) {
      out.headers.emplace_back(config_.id_header, message_id.empty() ? scheme::content_hash_id(body)
                                                                     : std::string(message_id));
    }
    if (!config_.type_header.empty()) {
      auto obj = scheme::parse_json_object(body);
      out.headers.emplace_back(
          config_.type_header,
          obj ? scheme::json_string(*obj, "type").value_or("unknown") : "unknown");
    }
    out.content_type = content_type.empty() ? "application/json" : std::move(content_type);
    out.body = std::move(body);
    return out;
  }

 private:
  HmacConfig config_;
  crypto::HmacKey key_;
};

}  // namespace

std::unique_ptr<Verifier> make_hmac_verifier(const ConfigNode& source) {
  auto config = read_config(source);
  if (!config) return nullptr;
  return std::make_unique<HmacVerifier>(std::move(*config));
}

std::unique_ptr<Signer> make_hmac_signer(const ConfigNode& source) {
  auto config = read_config(source);
  if (!config) return nullptr;
  return std::make_unique<HmacSigner>(std::move(*config));
}

}  // namespace wharf::inbound
