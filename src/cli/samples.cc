#include "cli/samples.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <string>

namespace wharf::cli {
namespace json = boost::json;

// ---- SampleContext ----------------------------------------------------------------------------

std::uint64_t SampleContext::next() {
  // splitmix64: the state walks all 2^64 values and the mix is a bijection, so no two calls on
  // one context ever return the same word. That is what makes ids from one context distinct.
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::string SampleContext::draw(std::string_view alphabet, std::size_t n) {
  // Base-B digits of one word first (injective once B^n >= 2^64), then of further words.
  std::string out;
  out.reserve(n);
  std::uint64_t word = next();
  std::uint64_t left = ~0ULL;  // how much of `word` is still unread
  while (out.size() < n) {
    if (left == 0) {
      word = next();
      left = ~0ULL;
    }
    out += alphabet[word % alphabet.size()];
    word /= alphabet.size();
    left /= alphabet.size();
  }
  return out;
}

std::string SampleContext::alnum(std::size_t n) {
  return draw("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", n);
}
std::string SampleContext::upper_alnum(std::size_t n) {
  return draw("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", n);
}
std::string SampleContext::hex(std::size_t n) { return draw("0123456789abcdef", n); }

std::string SampleContext::uuid() {
  std::string h = hex(32);
  h[12] = '4';                                                          // version 4
  h[16] = "89ab"[(h[16] <= '9' ? h[16] - '0' : h[16] - 'a' + 10) & 3];  // RFC 4122 variant
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

std::int64_t SampleContext::between(std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
}

namespace {

// ---- formatting ---------------------------------------------------------------------------------

void newline(int indent, int depth, std::string& out) {
  if (indent == 0) return;
  out += '\n';
  out.append(static_cast<std::size_t>(indent * depth), ' ');
}

// Boost.JSON prints doubles in exponent form (1.7E9); providers print plain decimals
// (Mailgun's "timestamp": 1700000000.123456), and Stripe pretty-prints, so we write JSON here.
void write_json(const json::value& v, int indent, int depth, std::string& out) {
  switch (v.kind()) {
    case json::kind::object: {
      const json::object& o = v.get_object();
      if (o.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      bool first = true;
      for (const auto& kv : o) {
        if (!first) out += ',';
        first = false;
        newline(indent, depth + 1, out);
        out += json::serialize(json::string(kv.key()));
        out += indent != 0 ? ": " : ":";
        write_json(kv.value(), indent, depth + 1, out);
      }
      newline(indent, depth, out);
      out += '}';
      return;
    }
    case json::kind::array: {
      const json::array& a = v.get_array();
      if (a.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i != 0) out += ',';
        newline(indent, depth + 1, out);
        write_json(a[i], indent, depth + 1, out);
      }
      newline(indent, depth, out);
      out += ']';
      return;
    }
    case json::kind::double_: {
      char buf[64];
      auto res = std::to_chars(buf, buf + sizeof buf, v.get_double());
      out.append(buf, res.ptr);
      return;
    }
    default:
      out += json::serialize(v);
  }
}

std::string to_json(const json::value& v, int indent) {
  std::string out;
  write_json(v, indent, 0, out);
  return out;
}

std::string iso8601(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Mailgun's and Standard Webhooks' sub-second timestamps.
std::string iso8601_micros(std::int64_t t, std::int64_t micros) {
  std::string s = iso8601(t);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(micros));
  s.insert(s.size() - 1, frac);
  return s;
}

std::string join(const std::vector<std::string_view>& items) {
  std::string out;
  for (auto it : items) {
    if (!out.empty()) out += ", ";
    out += it;
  }
  return out;
}

Sample json_sample(const json::value& v, int indent, std::string message_id) {
  return Sample{to_json(v, indent), "application/json", std::move(message_id), {}};
}

// ---- the people and things the samples talk about (RoleFerry's outreach domain) --------------

struct Contact {
  std::string_view name, email, company;
};
constexpr Contact kContacts[] = {
    {"Jordan Lee", "jordan.lee@acme-robotics.com", "Acme Robotics"},
    {"Priya Natarajan", "priya.natarajan@northwind.io", "Northwind"},
    {"Sam Okafor", "sam.okafor@globex.dev", "Globex"},
    {"Maria Gonzalez", "maria.gonzalez@initech.com", "Initech"},
};
constexpr std::string_view kSenderName = "Alex Rivera";
constexpr std::string_view kMailbox = "alex@rf-send-01.com";  // a RoleFerry sending mailbox

const Contact& pick_contact(SampleContext& ctx) {
  return kContacts[ctx.between(0, std::size(kContacts) - 1)];
}
std::string outreach_id(SampleContext& ctx) { return std::to_string(ctx.between(10000, 99999)); }
std::string domain_of(std::string_view email) {
  return std::string(email.substr(email.find('@') + 1));
}
std::string outreach_subject(const Contact& c) {
  return "Senior Backend Engineer role at " + std::string(c.company);
}

// ---- Stripe ------------------------------------------------------------------------------------

// Stable demo objects, so a series of triggers tells one subscription's story (created, then
// updated, then deleted) and out-of-order handling can be tried by sending them out of order.
constexpr std::string_view kStripeCustomer = "cus_RfDemoJordan01";
constexpr std::string_view kStripeSubscription = "sub_1RfDemoSubscriptionPro0";
constexpr std::string_view kStripePricePro = "price_1RfProMonthly00000000";
constexpr std::string_view kStripePriceTeams = "price_1RfTeamsMonthly000000";
constexpr std::string_view kStripeApiVersion = "2024-06-20";
constexpr std::int64_t kMonth = 30 * 86400;

json::object stripe_price(std::string_view id, bool teams) {
  return {{"id", id},
          {"object", "price"},
          {"active", true},
          {"billing_scheme", "per_unit"},
          {"currency", "usd"},
          {"livemode", false},
          {"lookup_key", teams ? "teams_monthly" : "pro_monthly"},
          {"nickname", teams ? "RoleFerry Teams" : "RoleFerry Pro"},
          {"product", teams ? "prod_RfTeams0000001" : "prod_RfPro000000001"},
          {"recurring", json::object{{"interval", "month"}, {"interval_count", 1}}},
          {"type", "recurring"},
          {"unit_amount", teams ? 9900 : 2900}};
}

json::object stripe_subscription(SampleContext& ctx, bool teams, std::string_view status) {
  std::int64_t start = ctx.now_s() - 3600;
  json::object item{{"id", "si_" + ctx.alnum(14)},
                    {"object", "subscription_item"},
                    {"created", start},
                    {"metadata", json::object{}},
                    {"price", stripe_price(teams ? kStripePriceTeams : kStripePricePro, teams)},
                    {"quantity", 1},
                    {"subscription", kStripeSubscription}};
  return {{"id", kStripeSubscription},
          {"object", "subscription"},
          {"application", nullptr},
          {"billing_cycle_anchor", start},
          {"cancel_at", nullptr},
          {"cancel_at_period_end", false},
          {"canceled_at", nullptr},
          {"collection_method", "charge_automatically"},
          {"created", start},
          {"currency", "usd"},
          {"current_period_end", start + kMonth},
          {"current_period_start", start},
          {"customer", kStripeCustomer},
          {"default_payment_method", "pm_1" + ctx.alnum(23)},
          {"ended_at", nullptr},
          {"items", json::object{{"object", "list"},
                                 {"data", json::array{item}},
                                 {"has_more", false},
                                 {"total_count", 1},
                                 {"url", "/v1/subscription_items?subscription=" +
                                             std::string(kStripeSubscription)}}},
          {"latest_invoice", "in_1" + ctx.alnum(23)},
          {"livemode", false},
          {"metadata", json::object{{"roleferry_user_id", "4821"}}},
          {"start_date", start},
          {"status", status},
          {"trial_end", nullptr}};
}

json::object stripe_invoice(SampleContext& ctx, bool paid) {
  std::int64_t start = ctx.now_s() - 60;
  json::object line{{"id", "il_1" + ctx.alnum(23)},
                    {"object", "line_item"},
                    {"amount", 2900},
                    {"currency", "usd"},
                    {"description", "1 \u00d7 RoleFerry Pro (at $29.00 / month)"},
                    {"livemode", false},
                    {"period", json::object{{"end", start + kMonth}, {"start", start}}},
                    {"price", stripe_price(kStripePricePro, false)},
                    {"proration", false},
                    {"quantity", 1},
                    {"subscription", kStripeSubscription},
                    {"type", "subscription"}};
  std::string id = "in_1" + ctx.alnum(23);
  return {{"id", id},
          {"object", "invoice"},
          {"account_country", "US"},
          {"amount_due", 2900},
          {"amount_paid", paid ? 2900 : 0},
          {"amount_remaining", paid ? 0 : 2900},
          {"attempt_count", 1},
          {"attempted", true},
          {"billing_reason", "subscription_cycle"},
          {"charge", "ch_3" + ctx.alnum(23)},
          {"collection_method", "charge_automatically"},
          {"created", start},
          {"currency", "usd"},
          {"customer", kStripeCustomer},
          {"customer_email", kContacts[0].email},
          {"hosted_invoice_url", "https://invoice.stripe.com/i/acct_1RfDemo/test_" + ctx.alnum(24)},
          {"lines", json::object{{"object", "list"},
                                 {"data", json::array{line}},
                                 {"has_more", false},
                                 {"total_count", 1},
                                 {"url", "/v1/invoices/" + id + "/lines"}}},
          {"livemode", false},
          {"next_payment_attempt", paid ? json::value(nullptr) : json::value(start + 3 * 86400)},
          {"number", "RF" + ctx.upper_alnum(6) + "-0001"},
          {"paid", paid},
          {"payment_intent", "pi_3" + ctx.alnum(23)},
          {"period_end", start},
          {"period_start", start - kMonth},
          {"status", paid ? "paid" : "open"},
          {"subscription", kStripeSubscription},
          {"subtotal", 2900},
          {"total", 2900}};
}

json::object stripe_checkout_session(SampleContext& ctx) {
  return {
      {"id", "cs_test_a1" + ctx.alnum(56)},
      {"object", "checkout.session"},
      {"amount_subtotal", 2900},
      {"amount_total", 2900},
      {"client_reference_id", "4821"},
      {"created", ctx.now_s() - 120},
      {"currency", "usd"},
      {"customer", kStripeCustomer},
      {"customer_details",
       json::object{{"email", kContacts[0].email}, {"name", kContacts[0].name}}},
      {"customer_email", nullptr},
      {"expires_at", ctx.now_s() + 86400 - 120},
      {"invoice", "in_1" + ctx.alnum(23)},
      {"livemode", false},
      {"metadata", json::object{}},
      {"mode", "subscription"},
      {"payment_status", "paid"},
      {"status", "complete"},
      {"subscription", kStripeSubscription},
      {"success_url", "https://app.roleferry.com/billing/success?session_id={CHECKOUT_SESSION_ID}"},
      {"url", nullptr}};
}

Result<Sample> stripe_sample(std::string_view type, SampleContext& ctx) {
  json::object data;
  if (type == "customer.subscription.created") {
    data["object"] = stripe_subscription(ctx, false, "active");
  } else if (type == "customer.subscription.updated") {
    // An upgrade from Pro to Teams: Stripe sends the changed fields' old values alongside.
    data["object"] = stripe_subscription(ctx, true, "active");
    json::object old_items = stripe_subscription(ctx, false, "active")["items"].as_object();
    data["previous_attributes"] = json::object{{"items", old_items}};
  } else if (type == "customer.subscription.deleted") {
    json::object sub = stripe_subscription(ctx, false, "canceled");
    sub["canceled_at"] = ctx.now_s();
    sub["ended_at"] = ctx.now_s();
    sub["cancellation_details"] = json::object{
        {"comment", nullptr}, {"feedback", nullptr}, {"reason", "cancellation_requested"}};
    data["object"] = std::move(sub);
  } else if (type == "invoice.payment_succeeded" || type == "invoice.paid") {
    data["object"] = stripe_invoice(ctx, true);
  } else if (type == "invoice.payment_failed") {
    data["object"] = stripe_invoice(ctx, false);
  } else {  // checkout.session.completed (make_sample checked the type)
    data["object"] = stripe_checkout_session(ctx);
  }
  std::string id = "evt_1" + ctx.alnum(23);
  json::object event{
      {"id", id},
      {"object", "event"},
      {"api_version", kStripeApiVersion},
      {"created", ctx.now_s()},
      {"data", std::move(data)},
      {"livemode", false},
      {"pending_webhooks", 1},
      {"request", json::object{{"id", "req_" + ctx.alnum(14)}, {"idempotency_key", ctx.uuid()}}},
      {"type", type}};
  Sample s = json_sample(event, 2, std::move(id));  // Stripe pretty-prints its bodies
  s.content_type = "application/json; charset=utf-8";
  s.headers = {{"User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}};
  return s;
}

// ---- SendGrid ---------------------------------------------------------------------------------

json::object sendgrid_event(std::string_view type, SampleContext& ctx) {
  const Contact& c = pick_contact(ctx);
  std::string outreach = outreach_id(ctx);
  json::object e{{"email", c.email},
                 {"timestamp", ctx.now_s() - ctx.between(1, 30)},
                 {"smtp-id", "<outreach_" + outreach + "@roleferry.com>"},
                 {"event", type},
                 {"category", json::array{"outreach"}},
                 {"sg_event_id", ctx.alnum(22)},
                 {"sg_message_id", ctx.alnum(22) + ".recvd-7c8d8d7d5b-" + ctx.hex(5) + "-1-" +
                                       ctx.upper_alnum(8) + "-" + ctx.upper_alnum(2) + ".0"},
                 {"outreach_id", outreach}};
  constexpr std::string_view kUserAgent =
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)";
  if (type == "delivered") {
    e["ip"] = "149.72.154.232";
    e["response"] =
        "250 2.0.0 OK  " + std::to_string(ctx.now_s()) + " " + ctx.alnum(12) + " - gsmtp";
    e["tls"] = 1;
  } else if (type == "bounce") {
    e["bounce_classification"] = "Invalid Address";
    e["ip"] = "149.72.154.232";
    e["reason"] =
        "550 5.1.1 The email account that you tried to reach does not exist. Please try "
        "double-checking the recipient's email address for typos or unnecessary spaces.";
    e["status"] = "5.1.1";
    e["tls"] = 1;
    e["type"] = "bounce";
  } else if (type == "click") {
    e["ip"] = "73.162.41." + std::to_string(ctx.between(2, 254));
    e["url"] = "https://roleferry.com/p/alex-rivera?utm_source=outreach&o=" + outreach;
    e["url_offset"] = json::object{{"index", 0}, {"type", "html"}};
    e["useragent"] = kUserAgent;
  } else if (type == "open") {
    e["ip"] = "73.162.41." + std::to_string(ctx.between(2, 254));
    e["sg_machine_open"] = false;
    e["useragent"] = kUserAgent;
  } else if (type == "dropped") {
    e["reason"] = "Bounced Address";
    e["status"] = "5.0.0";
  } else if (type == "deferred") {
    e["attempt"] = "3";
    e["ip"] = "149.72.154.232";
    e["response"] =
        "451 4.7.650 The mail server has been temporarily rate limited due to IP reputation.";
    e["tls"] = 1;
  } else if (type == "processed") {
    e["pool"] = json::object{{"id", 210}, {"name", "outreach"}};
    e["send_at"] = 0;
  }  // spamreport carries only the common fields
  return e;
}

Result<Sample> sendgrid_sample(std::string_view type, SampleContext& ctx) {
  json::array batch;
  if (type == "batch") {
    for (std::string_view t : {"delivered", "bounce", "spamreport", "click"}) {
      batch.push_back(sendgrid_event(t, ctx));
    }
  } else {
    batch.push_back(sendgrid_event(type, ctx));
  }
  std::string first_id(batch[0].at("sg_event_id").as_string());
  Sample s = json_sample(batch, 0, std::move(first_id));
  s.headers = {{"User-Agent", "SendGrid Event API"}};
  return s;
}

// ---- Mailgun -----------------------------------------------------------------------------------

json::object mailgun_client_info() {
  return {{"client-os", "macOS"},
          {"device-type", "desktop"},
          {"client-name", "Chrome"},
          {"client-type", "browser"},
          {"user-agent",
           "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
           "Gecko) Chrome/119.0.0.0 Safari/537.36"}};
}

Sample mailgun_event(std::string_view type, SampleContext& ctx) {
  const Contact& c = pick_contact(ctx);
  std::string outreach = outreach_id(ctx);
  std::string message_id = ctx.hex(14) + "." + ctx.hex(16) + "@rf-send-01.com";
  double timestamp = static_cast<double>(ctx.now_s()) + ctx.between(0, 999999) / 1e6;
  json::object d{
      {"id", ctx.alnum(22)},
      {"timestamp", timestamp},
      {"log-level", "info"},
      {"event", type},
      {"recipient", c.email},
      {"recipient-domain", domain_of(c.email)},
      {"tags", json::array{"outreach"}},
      {"user-variables", json::object{{"outreach_id", outreach}}},
      {"flags",
       json::object{{"is-authenticated", true}, {"is-routed", false}, {"is-test-mode", false}}},
      {"message", json::object{{"headers", json::object{{"to", c.email},
                                                        {"message-id", message_id},
                                                        {"from", std::string(kSenderName) + " <" +
                                                                     std::string(kMailbox) + ">"},
                                                        {"subject", outreach_subject(c)}}},
                               {"attachments", json::array{}},
                               {"size", ctx.between(2000, 9000)}}}};
  json::object envelope{{"sender", kMailbox},
                        {"targets", c.email},
                        {"transport", "smtp"},
                        {"sending-ip", "209.61.151.224"}};
  json::object status{{"tls", true},
                      {"mx-host", "aspmx.l.google.com"},
                      {"attempt-no", 1},
                      {"description", ""},
                      {"session-seconds", 1.25},
                      {"utf8", true},
                      {"certificate-verified", true}};
  json::object geo{{"country", "US"}, {"region", "CA"}, {"city", "San Francisco"}};
  std::string ip = "73.162.41." + std::to_string(ctx.between(2, 254));
  if (type == "delivered") {
    status["code"] = 250;
    status["message"] = "OK";
    d["envelope"] = std::move(envelope);
    d["delivery-status"] = std::move(status);
  } else if (type == "failed") {
    d["log-level"] = "error";
    d["severity"] = "permanent";
    d["reason"] = "bounce";
    status["code"] = 550;
    status["message"] =
        "5.1.1 The email account that you tried to reach does not exist. Please try "
        "double-checking the recipient's email address for typos or unnecessary spaces.";
    d["envelope"] = std::move(envelope);
    d["delivery-status"] = std::move(status);
  } else if (type == "opened" || type == "clicked" || type == "unsubscribed") {
    d["ip"] = ip;
    d["geolocation"] = std::move(geo);
    d["client-info"] = mailgun_client_info();
    if (type == "clicked") {
      d["url"] = "https://roleferry.com/p/alex-rivera?utm_source=outreach&o=" + outreach;
    }
  } else {  // complained
    d["log-level"] = "warn";
  }
  std::string id(d.at("id").as_string());
  // The signer adds the {"signature": {"timestamp", "token", "signature"}} object.
  Sample s = json_sample(json::object{{"event-data", std::move(d)}}, 0, std::move(id));
  s.headers = {{"User-Agent", "mailgun/treq-16.12.0"}};
  return s;
}

// An inbound reply, as a route's forward() posts it: the parsed message as multipart form
// fields. The signer appends the `timestamp`, `token` and `signature` fields.
Sample mailgun_inbound(SampleContext& ctx) {
  const Contact& c = pick_contact(ctx);
  std::string outreach = outreach_id(ctx);
  std::string first_name(c.name.substr(0, c.name.find(' ')));
  std::string our_id = "<outreach_" + outreach + "@roleferry.com>";
  std::string their_id = "<CA+" + ctx.alnum(40) + "@mail.gmail.com>";
  std::string from = std::string(c.name) + " <" + std::string(c.email) + ">";
  std::string to = std::string(kSenderName) + " <" + std::string(kMailbox) + ">";
  std::string subject = "Re: " + outreach_subject(c);
  std::string date = "Tue, 14 Nov 2023 22:13:20 +0000";
  {
    std::time_t tt = static_cast<std::time_t>(ctx.now_s());
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    date = buf;
  }
  std::string stripped =
      "Hi Alex,\n\nThanks for reaching out - the role is still open and your background looks "
      "like a good fit. Could you do a 20-minute call on Thursday at 2pm PT?\n\nBest,\n" +
      first_name;
  std::string plain = stripped + "\n\nOn " + date + ", " + to + " wrote:\n> Hi " + first_name +
                      ", I came across the Senior Backend "
                      "Engineer opening at " +
                      std::string(c.company) + "...\n";
  std::string html = "<div dir=\"ltr\">" + stripped + "</div>";
  json::array headers{
      json::array{"Received", "by mail-lf1-f41.google.com with SMTP id " + ctx.alnum(12)},
      json::array{"Mime-Version", "1.0"},
      json::array{"From", from},
      json::array{"Date", date},
      json::array{"Message-Id", their_id},
      json::array{"In-Reply-To", our_id},
      json::array{"References", our_id},
      json::array{"Subject", subject},
      json::array{"To", to},
      json::array{"Content-Type",
                  "multipart/alternative; boundary=\"000000000000" + ctx.hex(12) + "\""}};
  const std::pair<std::string_view, std::string> fields[] = {
      {"recipient", std::string(kMailbox)},
      {"sender", std::string(c.email)},
      {"from", from},
      {"subject", subject},
      {"body-plain", plain},
      {"stripped-text", stripped},
      {"stripped-signature", ""},
      {"body-html", html},
      {"stripped-html", html},
      {"attachment-count", "0"},
      {"Message-Id", their_id},
      {"In-Reply-To", our_id},
      {"References", our_id},
      {"Date", date},
      {"To", to},
      {"From", from},
      {"Subject", subject},
      {"X-Mailgun-Incoming", "Yes"},
      {"message-headers", to_json(headers, 0)},
  };
  std::string boundary = ctx.hex(32);
  std::string body;
  for (const auto& [name, value] : fields) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"";
    body += name;
    body += "\"\r\n\r\n" + value + "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return Sample{std::move(body),
                "multipart/form-data; boundary=" + boundary,
                their_id,
                {{"User-Agent", "mailgun/treq-16.12.0"}}};
}

Result<Sample> mailgun_sample(std::string_view type, SampleContext& ctx) {
  if (type == "inbound") return mailgun_inbound(ctx);
  return mailgun_event(type, ctx);
}

// ---- Slack -------------------------------------------------------------------------------------

Result<Sample> slack_sample(std::string_view type, SampleContext& ctx) {
  constexpr std::string_view kTeam = "T061EG9R6", kApp = "A0MDYCDME", kBot = "U0LAN0Z89";
  std::string verification_token = "Jhj5dZrVaK7ZwHHjRyZWjbDl";  // the deprecated v1 token
  if (type == "url_verification") {
    std::string challenge = ctx.alnum(48);
    json::object o{
        {"token", verification_token}, {"challenge", challenge}, {"type", "url_verification"}};
    Sample s = json_sample(o, 0, challenge);
    s.headers = {{"User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)"}};
    return s;
  }
  std::string ts = std::to_string(ctx.now_s()) + "." + std::to_string(ctx.between(100000, 999999));
  json::object event{{"type", type},
                     {"user", "U" + ctx.upper_alnum(10)},
                     {"ts", ts},
                     {"channel", "C" + ctx.upper_alnum(10)},
                     {"event_ts", ts}};
  if (type == "message") {
    event["client_msg_id"] = ctx.uuid();
    event["text"] = "Jordan from Acme Robotics replied - call booked for Thursday 2pm";
    event["team"] = kTeam;
    event["channel_type"] = "channel";
  } else {  // app_mention
    event["text"] = "<@" + std::string(kBot) + "> how many outreach replies came in today?";
    event["team"] = kTeam;
  }
  std::string event_id = "Ev" + ctx.upper_alnum(13);
  json::object o{{"token", verification_token},
                 {"team_id", kTeam},
                 {"context_team_id", kTeam},
                 {"api_app_id", kApp},
                 {"event", std::move(event)},
                 {"type", "event_callback"},
                 {"event_id", event_id},
                 {"event_time", ctx.now_s()},
                 {"authorizations", json::array{json::object{{"enterprise_id", nullptr},
                                                             {"team_id", kTeam},
                                                             {"user_id", kBot},
                                                             {"is_bot", true},
                                                             {"is_enterprise_install", false}}}},
                 {"is_ext_shared_channel", false},
                 {"event_context", "4-" + ctx.alnum(60)}};
  Sample s = json_sample(o, 0, event_id);
  s.headers = {{"User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)"}};
  return s;
}

// ---- GitHub ------------------------------------------------------------------------------------

json::object github_user(std::string_view login, std::int64_t id) {
  std::string l(login);
  return {{"login", l},
          {"id", id},
          {"node_id", "U_kgDO" + std::to_string(id)},
          {"avatar_url", "https://avatars.githubusercontent.com/u/" + std::to_string(id) + "?v=4"},
          {"html_url", "https://github.com/" + l},
          {"type", "User"},
          {"site_admin", false}};
}

json::object github_repository(std::int64_t now) {
  json::object owner = github_user("roleferry", 148213377);
  owner["type"] = "Organization";
  return {{"id", 712345678},
          {"node_id", "R_kgDOKnWzTg"},
          {"name", "roleferry-api"},
          {"full_name", "roleferry/roleferry-api"},
          {"private", true},
          {"owner", std::move(owner)},
          {"html_url", "https://github.com/roleferry/roleferry-api"},
          {"description", "RoleFerry backend"},
          {"fork", false},
          {"url", "https://api.github.com/repos/roleferry/roleferry-api"},
          {"created_at", "2023-10-02T17:04:11Z"},
          {"updated_at", iso8601(now - 3600)},
          {"pushed_at", iso8601(now)},
          {"default_branch", "main"},
          {"visibility", "private"}};
}

json::object github_commit(SampleContext& ctx, std::string_view sha) {
  json::object who{
      {"name", kSenderName}, {"email", "alex@roleferry.com"}, {"username", "rivera-alex"}};
  return {{"id", sha},
          {"tree_id", ctx.hex(40)},
          {"distinct", true},
          {"message", "Stop outreach sequences when a reply arrives"},
          {"timestamp", iso8601(ctx.now_s() - 30)},
          {"url", "https://github.com/roleferry/roleferry-api/commit/" + std::string(sha)},
          {"author", who},
          {"committer", who},
          {"added", json::array{}},
          {"removed", json::array{}},
          {"modified", json::array{"app/services/outreach_service.py"}}};
}

Result<Sample> github_sample(std::string_view type, SampleContext& ctx) {
  std::string_view event = type.substr(0, type.find('.'));
  json::object sender = github_user("rivera-alex", 10293847);
  json::object p;
  if (type == "push") {
    std::string before = ctx.hex(40), after = ctx.hex(40);
    json::object commit = github_commit(ctx, after);
    p = {{"ref", "refs/heads/main"},
         {"before", before},
         {"after", after},
         {"repository", github_repository(ctx.now_s())},
         {"pusher", json::object{{"name", "rivera-alex"}, {"email", "alex@roleferry.com"}}},
         {"sender", sender},
         {"created", false},
         {"deleted", false},
         {"forced", false},
         {"base_ref", nullptr},
         {"compare", "https://github.com/roleferry/roleferry-api/compare/" + before.substr(0, 12) +
                         "..." + after.substr(0, 12)},
         {"commits", json::array{commit}},
         {"head_commit", commit}};
  } else if (type == "issues.opened") {
    std::int64_t number = ctx.between(100, 999);
    std::string url = "https://github.com/roleferry/roleferry-api/issues/" + std::to_string(number);
    p = {{"action", "opened"},
         {"issue", json::object{{"id", ctx.between(1900000000, 2100000000)},
                                {"node_id", "I_kwDOKnWzTs" + ctx.alnum(11)},
                                {"number", number},
                                {"title", "SendGrid bounce events are not suppressing contacts"},
                                {"user", sender},
                                {"labels", json::array{}},
                                {"state", "open"},
                                {"locked", false},
                                {"assignees", json::array{}},
                                {"comments", 0},
                                {"created_at", iso8601(ctx.now_s())},
                                {"updated_at", iso8601(ctx.now_s())},
                                {"closed_at", nullptr},
                                {"author_association", "MEMBER"},
                                {"body", "After 3 bounces a contact should be opted out."},
                                {"html_url", url}}},
         {"repository", github_repository(ctx.now_s())},
         {"sender", sender}};
  } else if (type == "pull_request.opened") {
    std::int64_t number = ctx.between(100, 999);
    std::string head = ctx.hex(40), base = ctx.hex(40);
    p = {{"action", "opened"},
         {"number", number},
         {"pull_request",
          json::object{
              {"id", ctx.between(1500000000, 1900000000)},
              {"node_id", "PR_kwDOKnWzTs" + ctx.alnum(11)},
              {"number", number},
              {"state", "open"},
              {"locked", false},
              {"title", "Stop outreach sequences on reply"},
              {"user", sender},
              {"body", "Marks the outreach replied and cancels pending follow-ups."},
              {"created_at", iso8601(ctx.now_s())},
              {"updated_at", iso8601(ctx.now_s())},
              {"closed_at", nullptr},
              {"merged_at", nullptr},
              {"draft", false},
              {"head",
               json::object{
                   {"label", "roleferry:stop-on-reply"}, {"ref", "stop-on-reply"}, {"sha", head}}},
              {"base", json::object{{"label", "roleferry:main"}, {"ref", "main"}, {"sha", base}}},
              {"author_association", "MEMBER"},
              {"merged", false},
              {"commits", 1},
              {"additions", 42},
              {"deletions", 7},
              {"changed_files", 3},
              {"html_url",
               "https://github.com/roleferry/roleferry-api/pull/" + std::to_string(number)}}},
         {"repository", github_repository(ctx.now_s())},
         {"sender", sender}};
  } else {  // ping
    p = {{"zen", "Design for failure."},
         {"hook_id", 471283994},
         {"hook",
          json::object{
              {"type", "Repository"},
              {"id", 471283994},
              {"name", "web"},
              {"active", true},
              {"events", json::array{"issues", "pull_request", "push"}},
              {"config", json::object{{"content_type", "json"},
                                      {"insecure_ssl", "0"},
                                      {"url", "https://hooks.roleferry.com/webhooks/github"}}},
              {"updated_at", iso8601(ctx.now_s())},
              {"created_at", iso8601(ctx.now_s())}}},
         {"repository", github_repository(ctx.now_s())},
         {"sender", sender}};
  }
  std::string delivery = ctx.uuid();
  Sample s = json_sample(p, 0, delivery);
  s.headers = {{"X-GitHub-Event", std::string(event)},
               {"X-GitHub-Delivery", delivery},
               {"X-GitHub-Hook-ID", "471283994"},
               {"X-GitHub-Hook-Installation-Target-Type", "repository"},
               {"X-GitHub-Hook-Installation-Target-ID", "712345678"},
               {"User-Agent", "GitHub-Hookshot/" + ctx.hex(7)}};
  return s;
}

// ---- Standard Webhooks and generic HMAC (any type) -------------------------------------------

// "invoice.paid" -> {"id": "invoice_...", "object": "invoice", ...}: a plausible resource.
json::object generic_data(std::string_view type, SampleContext& ctx) {
  std::string object(type.substr(0, type.find('.')));
  return {{"id", object + "_" + ctx.alnum(24)},
          {"object", object},
          {"created_at", iso8601(ctx.now_s())},
          {"livemode", false}};
}

Result<Sample> standard_sample(std::string_view type, SampleContext& ctx) {
  json::object o{{"type", type},
                 {"timestamp", iso8601_micros(ctx.now_s(), ctx.between(0, 999999))},
                 {"data", generic_data(type, ctx)}};
  return json_sample(o, 0, "msg_" + ctx.alnum(27));
}

Result<Sample> hmac_sample(std::string_view type, SampleContext& ctx) {
  std::string id = "evt_" + ctx.alnum(24);
  json::object o{
      {"id", id}, {"type", type}, {"created", ctx.now_s()}, {"data", generic_data(type, ctx)}};
  return json_sample(o, 0, std::move(id));
}

// ---- the table ---------------------------------------------------------------------------------

struct Provider {
  std::string_view verifier;
  std::vector<std::string_view> types;
  bool any_type;
  Result<Sample> (*make)(std::string_view type, SampleContext& ctx);
};

const std::vector<Provider>& providers() {
  static const std::vector<Provider> kProviders = {
      {"stripe",
       {"customer.subscription.created", "customer.subscription.updated",
        "customer.subscription.deleted", "invoice.payment_succeeded", "invoice.paid",
        "invoice.payment_failed", "checkout.session.completed"},
       false,
       stripe_sample},
      {"sendgrid",
       {"delivered", "bounce", "spamreport", "click", "open", "dropped", "deferred", "processed",
        "batch"},
       false,
       sendgrid_sample},
      {"mailgun",
       {"inbound", "delivered", "failed", "opened", "clicked", "complained", "unsubscribed"},
       false,
       mailgun_sample},
      {"slack", {"message", "app_mention", "url_verification"}, false, slack_sample},
      {"github", {"push", "issues.opened", "pull_request.opened", "ping"}, false, github_sample},
      {"standard", {"invoice.paid", "user.created"}, true, standard_sample},
      {"hmac", {"invoice.paid", "user.created"}, true, hmac_sample},
  };
  return kProviders;
}

const Provider* find_provider(std::string_view verifier) {
  for (const Provider& p : providers()) {
    if (p.verifier == verifier) return &p;
  }
  return nullptr;
}

// Types for any-type schemes end up in JSON and in route patterns: keep them to the characters
// event type names use.
bool valid_free_type(std::string_view type) {
  if (type.empty() || type.size() > 200) return false;
  for (char c : type) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == ':' || c == '/';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string_view> sample_types(std::string_view verifier) {
  const Provider* p = find_provider(verifier);
  return p != nullptr ? p->types : std::vector<std::string_view>{};
}

bool sample_accepts_any_type(std::string_view verifier) {
  const Provider* p = find_provider(verifier);
  return p != nullptr && p->any_type;
}

std::vector<std::string_view> sample_verifiers() {
  std::vector<std::string_view> out;
  for (const Provider& p : providers()) out.push_back(p.verifier);
  return out;
}

Result<Sample> make_sample(std::string_view verifier, std::string_view type, SampleContext& ctx) {
  const Provider* p = find_provider(verifier);
  if (p == nullptr) {
    return make_error(Errc::kNotFound, "no sample events for verifier '" + std::string(verifier) +
                                           "' (samples exist for: " + join(sample_verifiers()) +
                                           ")");
  }
  if (p->any_type) {
    if (!valid_free_type(type)) {
      return make_error(Errc::kInvalidArgument, "invalid event type '" + std::string(type) +
                                                    "': use letters, digits and . _ - : / (e.g. " +
                                                    join(p->types) + ")");
    }
  } else if (std::find(p->types.begin(), p->types.end(), type) == p->types.end()) {
    return make_error(Errc::kInvalidArgument, "unknown event type '" + std::string(type) +
                                                  "' for " + std::string(verifier) +
                                                  "; known types: " + join(p->types));
  }
  return p->make(type, ctx);
}

}  // namespace wharf::cli
