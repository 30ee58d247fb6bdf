#include "cli/trigger_command.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "cli/gateway_locator.h"
#include "core/clock.h"
#include "core/config_node.h"
#include "core/crypto.h"
#include "core/encoding.h"
#include "inbound/verifier.h"
#include "outbound/http_types.h"

namespace wharf::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr std::string_view kDefaultListen = "127.0.0.1:8080";  // as gateway/config.cc

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& it : items) {
    if (!out.empty()) out += sep;
    out += it;
  }
  return out;
}

// What the config says about the source: its scheme, a signer for it, and where to post.
struct Target {
  std::string verifier;
  std::unique_ptr<inbound::Signer> signer;
  std::string url;
};

// Reads the config for `opts`. Every failure is a usage/config error: a one-line reason.
Result<Target> load_target(const TriggerOptions& opts) {
  auto fail = [](std::string why) { return make_error(Errc::kInvalidArgument, std::move(why)); };
  YAML::Node doc;
  try {
    doc = load_yaml_config(opts.config_path);
  } catch (const YAML::Exception& e) {
    return fail("cannot load config " + opts.config_path + ": " + e.what());
  }
  ConfigErrors errors(opts.config_path);
  const EnvLookup env = process_env();
  ConfigNode root(doc, "", &errors, &env);
  ConfigNode sources = root["sources"];
  std::vector<std::string> known;
  if (sources.is_map()) {
    for (const auto& it : sources.yaml()) known.push_back(it.first.as<std::string>());
  }
  if (std::find(known.begin(), known.end(), opts.source) == known.end()) {
    return fail("unknown source '" + opts.source + "' in " + opts.config_path + " (" +
                (known.empty() ? std::string("it defines no sources")
                               : "known sources: " + join(known, ", ")) +
                ")");
  }
  ConfigNode source = sources[opts.source];
  Target t;
  t.verifier = source["verifier"].str_or("");
  if (t.verifier.empty())
    return fail(opts.config_path + ": sources." + opts.source + ".verifier is not set");
  if (sample_types(t.verifier).empty()) {
    std::vector<std::string> names;
    for (auto n : sample_verifiers()) names.emplace_back(n);
    return fail("source '" + opts.source + "' uses verifier '" + t.verifier +
                "', which has no sample events (samples exist for: " + join(names, ", ") + ")");
  }
  t.signer = inbound::make_signer(t.verifier, source);
  if (t.signer == nullptr || !errors.empty()) {
    std::string why =
        errors.empty() ? std::string("no signing key") : join(errors.messages(), "; ");
    if (why.find("signing_key") != std::string::npos && t.verifier != "mailgun") {
      // Asymmetric schemes: the provider never shares its private key, so tests need their own.
      why += " (a private key for test events; see docs/trigger.md)";
    }
    return fail("cannot sign for source '" + opts.source + "': " + why);
  }
  if (!opts.url.empty()) {
    t.url = opts.url;
  } else {
    std::string listen = root["server"]["listen"].str_or(std::string(kDefaultListen));
    t.url = webhook_url(listen, opts.source);
    if (t.url.empty()) {
      return fail(opts.config_path + ": server.listen '" + listen +
                  "' is not host:port (or pass --url)");
    }
  }
  return t;
}

std::string trim_trailing(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// A shell word holding exactly `s`: '...' when that is enough, else bash's $'...' (for CR and
// other control bytes, which multipart bodies contain and '...' would not show).
std::string shell_quote(std::string_view s) {
  bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 ? u != 0x7f : (c == '\n' || c == '\t');
  });
  std::string out;
  if (plain) {
    out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  }
  out = "$'";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "'";
}

std::uint64_t random_seed() {
  std::string bytes = crypto::random_bytes(sizeof(std::uint64_t));
  std::uint64_t seed = 0;
  std::memcpy(&seed, bytes.data(), sizeof seed);
  return seed;
}

std::string types_help() {
  std::string out = "Event types by verifier (a source's `verifier:`):\n";
  for (auto v : sample_verifiers()) {
    out += "  " + std::string(v) + ": ";
    if (sample_accepts_any_type(v)) out += "any type, e.g. ";
    std::vector<std::string> types;
    for (auto t : sample_types(v)) types.emplace_back(t);
    out += join(types, ", ") + "\n";
  }
  out += "--set keys:\n";
  for (const auto& [key, what] : sample_settings()) {
    out += "  " + std::string(key) + ": " + std::string(what) + "\n";
  }
  return out;
}

}  // namespace

std::string webhook_url(std::string_view listen, std::string_view source) {
  std::string base = gateway_base_url(listen);
  if (base.empty()) return {};
  return base + "/webhooks/" + encoding::url_encode(source);
}

std::string curl_command(const std::string& url, const HeaderList& headers,
                         const std::string& body) {
  std::string out = "curl -sS " + shell_quote(url) + " \\\n";
  for (const auto& [name, value] : headers) {
    out += "  -H " + shell_quote(name + ": " + value) + " \\\n";
  }
  out += "  --data-binary " + shell_quote(body);
  return out;
}

int run_trigger(const TriggerOptions& opts, HttpTransport& http, SampleContext& ctx,
                std::ostream& out, std::ostream& err) {
  auto target = load_target(opts);
  if (!target) {
    err << "wharf trigger: " << target.error().message << "\n";
    return kExitUsage;
  }
  for (const std::string& setting : opts.settings) {
    if (auto applied = apply_sample_setting(setting, ctx); !applied) {
      err << "wharf trigger: " << applied.error().message << "\n";
      return kExitUsage;
    }
  }
  int rejected = 0;
  long last_status = 0;
  for (int i = 0; i < opts.count; ++i) {
    auto sample = make_sample(target->verifier, opts.event_type, ctx);
    if (!sample) {
      err << "wharf trigger: " << sample.error().message << "\n";
      return kExitUsage;
    }
    inbound::SignedRequest signed_req =
        target->signer->sign(sample->body, sample->content_type, ctx.now_s(), sample->message_id);
    HeaderList headers;
    outbound::set_header(
        headers, "Content-Type",
        signed_req.content_type.empty() ? sample->content_type : signed_req.content_type);
    for (auto& [name, value] : signed_req.headers)
      outbound::set_header(headers, name, std::move(value));
    // The sample's own headers (GitHub's event name) are more precise than a signer's guesses.
    for (auto& [name, value] : sample->headers)
      outbound::set_header(headers, name, std::move(value));

    if (opts.print) {
      out << curl_command(target->url, headers, signed_req.body) << "\n";
      continue;
    }
    auto reply = http.send(HttpMethod::kPost, target->url, headers, signed_req.body);
    if (!reply) {
      err << "wharf trigger: " << reply.error().message << "\n";
      return kExitFailed;
    }
    out << reply->status << " " << trim_trailing(reply->body) << "\n";
    if (reply->status < 200 || reply->status > 299) {
      ++rejected;
      last_status = reply->status;
    }
  }
  if (rejected > 0) {
    err << "wharf trigger: the gateway did not accept " << rejected << " of " << opts.count
        << " events (last HTTP status " << last_status << ")\n";
    return kExitFailed;
  }
  return kExitOk;
}

void register_trigger_command(CLI::App& root, int* exit_code) {
  auto opts = std::make_shared<TriggerOptions>();
  CLI::App* cmd = root.add_subcommand(
      "trigger", "Send a realistic, correctly signed sample event to a running gateway");
  cmd->add_option("SOURCE", opts->source, "Source name under `sources:` in the config")->required();
  cmd->add_option("EVENT_TYPE", opts->event_type,
                  "Event type, e.g. customer.subscription.created (see below)")
      ->required();
  cmd->add_option("--config", opts->config_path, "Configuration file")->capture_default_str();
  cmd->add_option("--url", opts->url,
                  "Where to POST (default: http://<server.listen>/webhooks/<SOURCE>)");
  cmd->add_flag("--print", opts->print,
                "Print each signed request as a curl command instead of sending it");
  cmd->add_option("--count", opts->count, "Number of distinct events to send")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--set", opts->settings,
                  "KEY=VALUE: a value the sample uses instead of its own, so the event names "
                  "records that exist, e.g. --set outreach_id=42 (repeatable; keys below)");
  cmd->footer(types_help());
  cmd->callback([opts, exit_code] {
    auto http = make_curl_transport();
    SampleContext ctx(random_seed(), SystemClock::instance().now_s());
    *exit_code = run_trigger(*opts, *http, ctx, std::cout, std::cerr);
  });
}

}  // namespace wharf::cli
