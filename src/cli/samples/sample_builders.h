// Internal to the sample events (cli/samples.cc and cli/samples/*.cc): one builder per provider
// family, registered in the table in cli/samples.cc, and the helpers they share (JSON writing
// the way providers print it, timestamps, the demo contacts). Pure functions of a SampleContext.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "cli/samples.h"
#include "core/error.h"

namespace wharf::cli::samples {

// ---- one builder per provider family; `type` is one make_sample() accepted -------------------

Result<Sample> stripe_sample(std::string_view type, SampleContext& ctx);    // stripe.cc
Result<Sample> sendgrid_sample(std::string_view type, SampleContext& ctx);  // sendgrid.cc
Result<Sample> mailgun_sample(std::string_view type, SampleContext& ctx);   // mailgun.cc
Result<Sample> slack_sample(std::string_view type, SampleContext& ctx);     // slack.cc
Result<Sample> github_sample(std::string_view type, SampleContext& ctx);    // github.cc
Result<Sample> standard_sample(std::string_view type, SampleContext& ctx);  // generic.cc
Result<Sample> hmac_sample(std::string_view type, SampleContext& ctx);      // generic.cc

// ---- formatting (sample_builders.cc) -----------------------------------------------------------

// `v` as JSON: compact when `indent` is 0, else pretty-printed with `indent` spaces per level.
// Doubles print as plain decimals (1700000000.123456), as providers print them, not 1.7E9.
std::string to_json(const boost::json::value& v, int indent);
// "2023-11-14T22:13:20Z".
std::string iso8601(std::int64_t t);
// "2023-11-14T22:13:20.123456Z": Mailgun's and Standard Webhooks' sub-second timestamps.
std::string iso8601_micros(std::int64_t t, std::int64_t micros);
// "Tue, 14 Nov 2023 22:13:20 +0000": an email Date header.
std::string rfc5322_date(std::int64_t t);
// A JSON sample of `v` (see to_json for `indent`) with no extra headers.
Sample json_sample(const boost::json::value& v, int indent, std::string message_id);

// ---- the people and things the samples talk about (RoleFerry's outreach domain) --------------

struct Contact {
  std::string_view name, email, company;
};
inline constexpr Contact kContacts[] = {
    {"Jordan Lee", "jordan.lee@acme-robotics.com", "Acme Robotics"},
    {"Priya Natarajan", "priya.natarajan@northwind.io", "Northwind"},
    {"Sam Okafor", "sam.okafor@globex.dev", "Globex"},
    {"Maria Gonzalez", "maria.gonzalez@initech.com", "Initech"},
};
inline constexpr std::string_view kSenderName = "Alex Rivera";
inline constexpr std::string_view kMailbox = "alex@rf-send-01.com";  // a RoleFerry sending mailbox

const Contact& pick_contact(SampleContext& ctx);
// A five-digit outreach (campaign message) number.
std::string outreach_id(SampleContext& ctx);
std::string domain_of(std::string_view email);
std::string outreach_subject(const Contact& c);

}  // namespace wharf::cli::samples
