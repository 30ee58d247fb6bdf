// The name → factory table behind make_verifier / make_signer: adding a scheme is one row here
// plus its file pair under verifiers/.
#include "inbound/verifier.h"
#include "inbound/verifiers/github.h"
#include "inbound/verifiers/hmac.h"
#include "inbound/verifiers/mailgun.h"
#include "inbound/verifiers/sendgrid.h"
#include "inbound/verifiers/slack.h"
#include "inbound/verifiers/standard.h"
#include "inbound/verifiers/stripe.h"

namespace wharf::inbound {
namespace {

struct Scheme {
  std::string_view name;
  std::unique_ptr<Verifier> (*make_verifier)(const ConfigNode&);
  std::unique_ptr<Signer> (*make_signer)(const ConfigNode&);
};

constexpr Scheme kSchemes[] = {
    {"github", make_github_verifier, make_github_signer},
    {"hmac", make_hmac_verifier, make_hmac_signer},
    {"mailgun", make_mailgun_verifier, make_mailgun_signer},
    {"sendgrid", make_sendgrid_verifier, make_sendgrid_signer},
    {"slack", make_slack_verifier, make_slack_signer},
    {"standard", make_standard_verifier, make_standard_signer},
    {"stripe", make_stripe_verifier, make_stripe_signer},
};

const Scheme* find(std::string_view name, const ConfigNode& source) {
  for (const auto& s : kSchemes) {
    if (s.name == name) return &s;
  }
  std::string names;
  for (const auto& s : kSchemes) {
    if (!names.empty()) names += ", ";
    names += s.name;
  }
  source["verifier"].error("unknown verifier '" + std::string(name) +
                           "' (expected one of: " + names + ")");
  return nullptr;
}

}  // namespace

std::unique_ptr<Verifier> make_verifier(std::string_view name, const ConfigNode& source) {
  const Scheme* s = find(name, source);
  return s ? s->make_verifier(source) : nullptr;
}

std::unique_ptr<Signer> make_signer(std::string_view name, const ConfigNode& source) {
  const Scheme* s = find(name, source);
  return s ? s->make_signer(source) : nullptr;
}

std::vector<std::string_view> verifier_names() {
  std::vector<std::string_view> names;
  for (const auto& s : kSchemes) names.push_back(s.name);
  return names;
}

std::string_view reason_label(VerifyFailure::Reason r) {
  switch (r) {
    case VerifyFailure::Reason::kMissing:
      return "missing";
    case VerifyFailure::Reason::kMalformed:
      return "malformed";
    case VerifyFailure::Reason::kMismatch:
      return "mismatch";
    case VerifyFailure::Reason::kTimestamp:
      return "timestamp";
    case VerifyFailure::Reason::kReplayed:
      return "replayed";
  }
  return "unknown";
}

}  // namespace wharf::inbound
