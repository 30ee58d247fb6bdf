#include "inbound/verifiers/mailgun.h"

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/encoding.h"
#include "inbound/content_type.h"
#include "inbound/form.h"
#include "inbound/verifiers/scheme_support.h"

namespace wharf::inbound {
namespace {

using Reason = VerifyFailure::Reason;

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kUrlencoded = "application/x-www-form-urlencoded";
constexpr std::string_view kMultipart = "multipart/form-data";

// A Mailgun post, read once: either a JSON object or form fields.
struct MailgunBody {
  bool is_json = false;
  boost::json::object json;
  std::vector<FormField> fields;
};

// The three signed values; empty strings when absent.
struct SignatureFields {
  std::string timestamp;
  std::string token;
  std::string signature;
};

bool first_non_blank_is_brace(std::string_view body) {
  std::size_t i = body.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && body[i] == '{';
}

// The media type to treat `body` as: the header's, or a guess when the header is empty.
Result<std::string> media_type(std::string_view header, std::string_view body) {
  auto ct = parse_content_type(header);
  if (!ct) return ct.error();
  if (!ct->value.empty()) return ct->value;
  return std::string(body.empty() || first_non_blank_is_brace(body) ? kJson : kUrlencoded);
}

Result<MailgunBody> read_body(const RequestView& req) {
  std::string_view header = req.header("Content-Type");
  auto type = media_type(header, req.body());
  if (!type) return type.error();
  MailgunBody out;
  if (*type == kJson) {
    auto doc = scheme::parse_json(req.body());
    if (!doc) return doc.error();
    if (!doc->is_object()) return make_error(Errc::kInvalidArgument, "JSON body must be an object");
    out.is_json = true;
    out.json = std::move(doc->as_object());
    return out;
  }
  if (*type != kUrlencoded && *type != kMultipart) {
    return make_error(Errc::kInvalidArgument,
                      "unsupported Content-Type (expected JSON, urlencoded or multipart form)");
  }
  auto fields = parse_form(header.empty() ? kUrlencoded : header, req.body());
  if (!fields) return fields.error();
  out.fields = std::move(*fields);
  return out;
}

// nullopt when the signature object exists but has the wrong shape.
std::optional<SignatureFields> signature_fields(const MailgunBody& body) {
  SignatureFields out;
  if (!body.is_json) {
    if (auto* f = find_text_field(body.fields, "timestamp")) out.timestamp = f->value;
    if (auto* f = find_text_field(body.fields, "token")) out.token = f->value;
    if (auto* f = find_text_field(body.fields, "signature")) out.signature = f->value;
    return out;
  }
  const auto* sig = body.json.if_contains("signature");
  if (sig == nullptr) return out;
  if (!sig->is_object()) return std::nullopt;
  const auto& obj = sig->as_object();
  auto read = [&](std::string_view key, std::string& into) {
    const auto* v = obj.if_contains(key);
    if (v == nullptr) return true;
    if (v->is_string()) {
      into = std::string(v->as_string());
      return true;
    }
    if (key == "timestamp" && v->is_int64() && v->as_int64() >= 0) {
      into = std::to_string(v->as_int64());
      return true;
    }
    return false;
  };
  if (!read("timestamp", out.timestamp) || !read("token", out.token) ||
      !read("signature", out.signature)) {
    return std::nullopt;
  }
  return out;
}

// Message-Id from the `message-headers` field: a JSON list of [name, value] pairs.
std::string message_id_from_headers(const std::vector<FormField>& fields) {
  const FormField* f = find_text_field(fields, "message-headers");
  if (f == nullptr) return {};
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(f->value, ec);
  if (ec || !doc.is_array()) return {};
  for (const auto& pair : doc.as_array()) {
    if (!pair.is_array() || pair.as_array().size() != 2) continue;
    const auto& name = pair.as_array()[0];
    const auto& value = pair.as_array()[1];
    if (name.is_string() && value.is_string() && ascii_iequals(name.as_string(), "message-id")) {
      return std::string(value.as_string());
    }
  }
  return {};
}

std::string form_payload(const std::vector<FormField>& fields) {
  boost::json::object obj;
  boost::json::array attachments;
  for (const auto& f : fields) {
    if (f.filename) {
      attachments.push_back(
          boost::json::object{{"field", encoding::to_valid_utf8(f.name)},
                              {"filename", encoding::to_valid_utf8(*f.filename)},
                              {"content_type", encoding::to_valid_utf8(f.content_type)},
                              {"size", f.value.size()}});
      continue;
    }
    std::string name = encoding::to_valid_utf8(f.name);
    if (!obj.contains(name)) obj[name] = encoding::to_valid_utf8(f.value);
  }
  if (!attachments.empty()) obj["attachments"] = std::move(attachments);
  return boost::json::serialize(obj);
}

struct MailgunConfig {
  std::vector<std::string> signing_keys;
  scheme::TimestampWindow window{300};
};

std::optional<MailgunConfig> read_config(const ConfigNode& source) {
  ConfigErrorWatch watch(source);
  source.allow_only_keys({"verifier", "tolerance", "signing_key"});
  MailgunConfig config;
  config.signing_keys = scheme::read_secrets(source["signing_key"]);
  config.window = scheme::TimestampWindow::from_config(source);
  if (!watch.ok() || config.signing_keys.empty()) return std::nullopt;
  return config;
}

class MailgunVerifier final : public Verifier {
 public:
  explicit MailgunVerifier(const MailgunConfig& config)
      : keys_(scheme::hmac_keys(crypto::Digest::kSha256, config.signing_keys)),
        window_(config.window) {}

  std::optional<VerifyFailure> verify(const RequestView& req, std::int64_t now_s) const override {
    auto body = read_body(req);
    if (!body) return scheme::failure(Reason::kMalformed, body.error().message);
    auto sig = signature_fields(*body);
    if (!sig) return scheme::failure(Reason::kMalformed, "malformed Mailgun signature object");
    if (sig->timestamp.empty() || sig->token.empty() || sig->signature.empty()) {
      return scheme::failure(Reason::kMissing,
                             "missing Mailgun signature (timestamp, token and signature)");
    }
    auto ts = scheme::parse_unix_seconds(sig->timestamp);
    if (!ts) return scheme::failure(Reason::kMalformed, "malformed signature timestamp");
    auto mac = encoding::hex_decode(sig->signature);
    if (!mac || mac->size() != 32) {
      return scheme::failure(Reason::kMalformed,
                             "malformed signature (expected 64 hex characters)");
    }
    bool matched = false;
    for (const auto& key : keys_) {
      // Every key is tried so that the time taken does not reveal which one matched.
      matched = crypto::constant_time_equal(key.sign_parts({sig->timestamp, sig->token}), *mac) ||
                matched;
    }
    if (!matched) return scheme::failure(Reason::kMismatch, "signature does not match");
    // Checked after the signature so that a stale-timestamp answer is given only to signed
    // requests (a replay), never to forgeries.
    return window_.check(*ts, now_s);
  }

  Result<ParseOutput> parse(const RequestView& req) const override {
    auto body = read_body(req);
    if (!body) return body.error();
    auto sig = signature_fields(*body);
    std::string token = sig ? sig->token : std::string();
    ParsedEvent ev;
    if (body->is_json) {
      const auto* data = body->json.if_contains("event-data");
      if (data != nullptr && data->is_object()) {
        ev.provider_event_id = scheme::json_string(data->as_object(), "id").value_or("");
        ev.type = scheme::json_string(data->as_object(), "event").value_or("");
      }
      ev.payload = std::string(req.body());
    } else {
      const auto& fields = body->fields;
      if (auto* f = find_text_field(fields, "event")) ev.type = f->value;
      if (ev.type.empty()) {
        // An inbound message (a route's forward()): the message itself is the event, so its
        // Message-Id identifies it across Mailgun's retries.
        ev.type = "inbound";
        for (std::string_view name : {"Message-Id", "message-id"}) {
          if (auto* f = find_text_field(fields, name); f && ev.provider_event_id.empty()) {
            ev.provider_event_id = f->value;
          }
        }
        if (ev.provider_event_id.empty()) ev.provider_event_id = message_id_from_headers(fields);
      }
      // A legacy form event webhook (an `event` field: delivered, opened, ...) is about a
      // message: every event of that message carries its Message-Id, so it falls back to the
      // token below, which is unique per delivery.
      ev.payload = form_payload(fields);
      ev.content_type = "application/json";
    }
    if (ev.type.empty()) ev.type = "unknown";
    if (ev.provider_event_id.empty()) ev.provider_event_id = token;
    ev.replay_nonce = token;
    if (ev.provider_event_id.empty()) ev.provider_event_id = scheme::content_hash_id(ev.payload);
    ParseOutput out;
    out.events.push_back(std::move(ev));
    return out;
  }

 private:
  std::vector<crypto::HmacKey> keys_;
  scheme::TimestampWindow window_;
};

class MailgunSigner final : public Signer {
 public:
  explicit MailgunSigner(std::string key) : key_(crypto::Digest::kSha256, key) {}

  SignedRequest sign(std::string body, std::string content_type, std::int64_t now_s,
                     std::string_view /*message_id*/) const override {
    const std::string ts = std::to_string(now_s);
    const std::string token = encoding::hex_encode(crypto::random_bytes(25));
    const std::string sig = encoding::hex_encode(key_.sign_parts({ts, token}));
    SignedRequest out;
    auto type = media_type(content_type, body);
    if (content_type.empty() && type) content_type = *type;
    out.content_type = std::move(content_type);
    if (!type) {
      out.body = std::move(body);
    } else if (*type == kJson) {
      out.body = sign_json(std::move(body), ts, token, sig);
    } else if (*type == kUrlencoded) {
      if (!body.empty() && body.back() != '&') body += '&';
      body += "timestamp=" + ts + "&token=" + token + "&signature=" + sig;
      out.body = std::move(body);
    } else if (*type == kMultipart) {
      out.body = sign_multipart(std::move(body), out.content_type, ts, token, sig);
    } else {
      out.body = std::move(body);
    }
    return out;
  }

 private:
  static std::string sign_json(std::string body, const std::string& ts, const std::string& token,
                               const std::string& sig) {
    boost::system::error_code ec;
    boost::json::value doc =
        body.empty() ? boost::json::value(boost::json::object()) : boost::json::parse(body, ec);
    if (ec || !doc.is_object()) return body;
    doc.as_object()["signature"] = {{"timestamp", ts}, {"token", token}, {"signature", sig}};
    return boost::json::serialize(doc);
  }

  // Adds the three parts before the closing delimiter; `content_type` gains a boundary if needed.
  static std::string sign_multipart(std::string body, std::string& content_type,
                                    const std::string& ts, const std::string& token,
                                    const std::string& sig) {
    auto ct = parse_content_type(content_type);
    std::string boundary;
    if (ct && ct->param("boundary")) {
      boundary = std::string(*ct->param("boundary"));
    } else {
      boundary = "wharf-" + encoding::hex_encode(crypto::random_bytes(12));
      content_type = std::string(kMultipart) + "; boundary=" + boundary;
    }
    std::string parts = form_data_part(boundary, "timestamp", ts) +
                        form_data_part(boundary, "token", token) +
                        form_data_part(boundary, "signature", sig);
    const std::string close = "--" + boundary + "--";
    std::size_t at = std::string::npos;
    if (body.starts_with(close)) {
      at = 0;
    } else if (std::size_t p = body.rfind("\r\n" + close); p != std::string::npos) {
      at = p + 2;
    }
    if (at == std::string::npos) return parts + close + "\r\n";
    body.insert(at, parts);
    return body;
  }

  crypto::HmacKey key_;
};

}  // namespace

std::unique_ptr<Verifier> make_mailgun_verifier(const ConfigNode& source) {
  auto config = read_config(source);
  if (!config) return nullptr;
  return std::make_unique<MailgunVerifier>(*config);
}

std::unique_ptr<Signer> make_mailgun_signer(const ConfigNode& source) {
  auto config = read_config(source);
  if (!config) return nullptr;
  return std::make_unique<MailgunSigner>(std::move(config->signing_keys.front()));
}

}  // namespace wharf::inbound
