// Test helpers for signature schemes: an in-memory RequestView and a source config built from a
// YAML snippet, with its errors collected.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/config_node.h"
#include "inbound/verifier.h"

namespace wharf::inbound::testing {

class FakeRequest final : public RequestView {
 public:
  FakeRequest() = default;
  FakeRequest(std::vector<std::pair<std::string, std::string>> headers, std::string body)
      : headers_(std::move(headers)), body_(std::move(body)) {}
  // The request a Signer produced, with its Content-Type.
  explicit FakeRequest(const SignedRequest& signed_request)
      : headers_(signed_request.headers), body_(signed_request.body) {
    headers_.emplace_back("Content-Type", signed_request.content_type);
  }

  std::string_view header(std::string_view name) const override {
    for (const auto& [k, v] : headers_) {
      if (std::equal(k.begin(), k.end(), name.begin(), name.end(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        return v;
      }
    }
    return {};
  }
  std::string_view body() const override { return body_; }

  // Replaces (or adds) a header; an empty value removes it.
  FakeRequest& set(std::string name, std::string value) {
    std::erase_if(headers_, [&](const auto& h) { return equal_ci(h.first, name); });
    if (!value.empty()) headers_.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  FakeRequest& set_body(std::string body) {
    body_ = std::move(body);
    return *this;
  }

 private:
  static bool equal_ci(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) ==
                    std::tolower(static_cast<unsigned char>(y));
           });
  }

  std::vector<std::pair<std::string, std::string>> headers_;
  std::string body_;
};

// A source's config map from YAML text, e.g. `{verifier: stripe, secret: whsec_x}`.
class SourceConfig {
 public:
  explicit SourceConfig(const std::string& yaml)
      : yaml_(YAML::Load(yaml)), env_([](const std::string&) { return std::nullopt; }) {}

  ConfigNode node() { return ConfigNode(yaml_, "sources.x", &errors_, &env_); }
  const ConfigErrors& errors() const { return errors_; }
  // All error messages joined, for assertion output.
  std::string error_text() const {
    std::string all;
    for (const auto& m : errors_.messages()) all += m + "\n";
    return all;
  }

 private:
  YAML::Node yaml_;
  ConfigErrors errors_{"wharf.yaml"};
  EnvLookup env_;
};

inline std::unique_ptr<Verifier> verifier_from(const std::string& name, const std::string& yaml) {
  SourceConfig config(yaml);
  return make_verifier(name, config.node());
}

inline std::unique_ptr<Signer> signer_from(const std::string& name, const std::string& yaml) {
  SourceConfig config(yaml);
  return make_signer(name, config.node());
}

}  // namespace wharf::inbound::testing
