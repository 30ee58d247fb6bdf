// The outreach API's outbound flows (api.h): Apollo people search, the enrichment of an
// application's contacts (Apollo → NeverBounce → verified contacts), and Stripe subscriptions.
// Each uses the providers' typed calls (src/providers/) through their pipelines.
#include <algorithm>
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "admin/action_responses.h"
#include "core/crypto.h"
#include "core/encoding.h"
#include "core/log.h"
#include "outreach/api.h"
#include "outreach/api_support.h"
#include "outreach/records.h"
#include "outreach/sql_values.h"
#include "providers/action_support.h"
#include "providers/apollo.h"
#include "providers/neverbounce.h"
#include "providers/stripe.h"
#include "store/await.h"

namespace wharf::outreach {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// Apollo answers a placeholder address until an email is unlocked (enriched) in Apollo.
bool locked(const std::string& email) {
  return email.empty() || email.starts_with("email_not_unlocked@");
}

// The client of `name` when its kind is `kind`, else a 503 to answer.
outbound::ProviderClient* client_of(outbound::ProviderSet& providers, const std::string& name,
                                    std::string_view kind, std::string_view setting,
                                    http::Response& refused) {
  outbound::ProviderClient* c = providers.find(name);
  if (c && c->config().kind == kind) return c;
  refused = http::json_error(http::Status::service_unavailable,
                             "no " + std::string(kind) + " provider named `" + name +
                                 "` is configured (apps.outreach." + std::string(setting) + ")");
  return nullptr;
}

struct SearchInput {
  providers::apollo::PeopleSearch search;
  std::optional<providers::ActionError> error;
};

SearchInput read_search(const json::object& body) {
  providers::InputReader in(body);
  SearchInput s;
  s.search.organization_domain = in.text("domain");
  s.search.person_titles = in.texts("titles", true);
  s.search.per_page = in.integer("per_page", 10, 1, 100);
  s.search.page = in.integer("page", 1, 1, 500);
  s.error = in.error();
  return s;
}

json::object person_json(const providers::apollo::Person& p) {
  return json::object{{"name", p.name},
                      {"title", p.title},
                      {"email", locked(p.email) ? json::value(nullptr) : json::value(p.email)},
                      {"email_locked", locked(p.email)},
                      {"linkedin_url", p.linkedin_url},
                      {"organization", p.organization_name}};
}

http::Response search_failed(const outbound::ProviderClient& c, const providers::ActionError& e) {
  return admin::action_error_response(c.provider(), e, c.config().credentials.secret_values());
}

}  // namespace

asio::awaitable<http::Response> OutreachApi::search(std::string_view body_text) {
  http::Response refused;
  std::optional<json::object> body = body_object(body_text, refused);
  if (!body) co_return refused;
  SearchInput in = read_search(*body);
  if (in.error) co_return http::json_error(http::Status::bad_request, in.error->message);
  outbound::ProviderClient* apollo = client_of(providers_, context_.settings.search_provider,
                                               "apollo", "enrichment.search_provider", refused);
  if (!apollo) co_return refused;
  outbound::Call call = providers::apollo::people_search_call(in.search);
  providers::Outcome<providers::apollo::PeopleSearchResult> found =
      co_await providers::call_and_parse<providers::apollo::PeopleSearchResult>(
          *apollo, std::move(call), providers::apollo::parse_people_search);
  if (!found) co_return search_failed(*apollo, found.error());
  json::array people;
  for (const auto& p : found->people) people.push_back(person_json(p));
  co_return http::json_response(http::Status::ok,
                                json::object{{"people", std::move(people)},
                                             {"page", found->pagination.page},
                                             {"total_pages", found->pagination.total_pages},
                                             {"total_entries", found->pagination.total_entries}});
}

namespace {

struct Found {
  std::string email, first_name, last_name, title, domain;
};

}  // namespace

asio::awaitable<http::Response> OutreachApi::enrich(std::string_view application_view,
                                                    std::string_view body_text) {
  const std::string application(application_view);
  http::Response refused;
  std::optional<json::object> body = body_object(body_text, refused);
  if (!body) co_return refused;
  SearchInput in = read_search(*body);
  if (in.error) co_return http::json_error(http::Status::bad_request, in.error->message);
  const Settings& settings = context_.settings;
  outbound::ProviderClient* apollo = client_of(providers_, settings.search_provider, "apollo",
                                               "enrichment.search_provider", refused);
  if (!apollo) co_return refused;
  outbound::ProviderClient* neverbounce = client_of(
      providers_, settings.verify_provider, "neverbounce", "enrichment.verify_provider", refused);
  if (!neverbounce) co_return refused;
  auto check = [application](store::Transaction& txn) -> Result<bool> {
    auto rows = txn.query("SELECT 1 FROM outreach_applications WHERE id = ?1", {application});
    if (!rows) return rows.error();
    return !rows->empty();
  };
  Result<bool> known = co_await store::transact<bool>(store_, std::move(check));
  if (!known) co_return http::error_response(known.error());
  if (!*known) {
    co_return http::json_response(
        http::Status::not_found,
        refusal(http::Status::not_found, "not_found", "no application " + application).body);
  }

  // 1. Apollo: the people at the domain with those titles.
  outbound::Call call = providers::apollo::people_search_call(in.search);
  providers::Outcome<providers::apollo::PeopleSearchResult> found =
      co_await providers::call_and_parse<providers::apollo::PeopleSearchResult>(
          *apollo, std::move(call), providers::apollo::parse_people_search);
  if (!found) co_return search_failed(*apollo, found.error());
  std::vector<Found> candidates;
  int locked_count = 0;
  for (const auto& p : found->people) {
    if (locked(p.email)) {
      ++locked_count;
      continue;
    }
    Found f;
    f.email = email_address(p.email);
    if (f.email.empty()) {
      ++locked_count;
      continue;
    }
    auto space = p.name.find(' ');
    f.first_name = p.name.substr(0, space);
    f.last_name = space == std::string::npos ? "" : p.name.substr(space + 1);
    f.title = p.title;
    f.domain = f.email.substr(f.email.find('@') + 1);
    candidates.push_back(std::move(f));
  }

  // 2. NeverBounce: which of their addresses are deliverable.
  std::vector<std::string> valid;
  std::int64_t rejected = 0;
  if (!candidates.empty()) {
    providers::neverbounce::BulkVerify verify;
    for (const auto& c : candidates) verify.emails.push_back(c.email);
    verify.poll_interval = std::chrono::milliseconds(500);
    providers::Outcome<providers::neverbounce::BulkVerifyResult> verified =
        co_await providers::neverbounce::bulk_verify(*neverbounce, std::move(verify));
    if (!verified) co_return search_failed(*neverbounce, verified.error());
    if (!verified->complete) {
      co_return http::json_response(
          http::Status::service_unavailable,
          json::object{{"error", "neverbounce has not finished verifying; try again later"},
                       {"reason", "verification_pending"},
                       {"job_id", verified->job_id}});
    }
    for (const auto& v : verified->results) {
      if (v.result == "valid")
        valid.push_back(email_address(v.email));
      else
        ++rejected;
    }
  }

  // 3. The valid ones stored as verified contacts: a known address is updated, not duplicated.
  std::vector<Found> keep;
  for (auto& c : candidates) {
    if (std::find(valid.begin(), valid.end(), c.email) != valid.end()) keep.push_back(c);
  }
  const std::int64_t now = clock_.now_ms();
  auto store_contacts = [keep, now](store::Transaction& txn) -> Result<json::array> {
    json::array out;
    for (const Found& c : keep) {
      auto existing =
          txn.query("SELECT id FROM outreach_contacts WHERE email = ?1 LIMIT 1", {c.email});
      if (!existing) return existing.error();
      std::string id;
      if (existing->empty()) {
        id = "con_" + encoding::hex_encode(crypto::random_bytes(8));
        auto ins = txn.execute(
            "INSERT INTO outreach_contacts(id, email, first_name, last_name, title, domain, "
            "verified, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?7)",
            {id, c.email, c.first_name, c.last_name, c.title, c.domain, now});
        if (!ins) return ins.error();
      } else {
        id = text_of((*existing)[0][0]);
        auto upd = txn.execute(
            "UPDATE outreach_contacts SET verified = 1, title = ?2, updated_at = ?3 WHERE id = ?1",
            {id, c.title, now});
        if (!upd) return upd.error();
      }
      out.push_back(json::object{{"id", id},
                                 {"email", c.email},
                                 {"first_name", c.first_name},
                                 {"last_name", c.last_name},
                                 {"title", c.title},
                                 {"domain", c.domain},
                                 {"verified", true}});
    }
    return out;
  };
  Result<json::array> stored =
      co_await store::transact<json::array>(store_, std::move(store_contacts));
  if (!stored) co_return http::error_response(stored.error());
  co_return http::json_response(http::Status::ok, json::object{{"application_id", application},
                                                               {"found", found->people.size()},
                                                               {"email_locked", locked_count},
                                                               {"rejected", rejected},
                                                               {"contacts", std::move(*stored)}});
}

namespace {

struct Subscriber {
  std::optional<Reply> refused;
  std::string email, customer;
};

}  // namespace

asio::awaitable<http::Response> OutreachApi::subscribe(std::string_view user_view,
                                                       std::string_view body_text) {
  const std::string user(user_view);
  http::Response refused;
  std::optional<json::object> body = body_object(body_text, refused);
  if (!body) co_return refused;
  providers::InputReader in(*body);
  std::string price = in.text("price");
  if (auto e = in.error()) co_return http::json_error(http::Status::bad_request, e->message);
  const Settings& settings = context_.settings;
  // A price the webhook handler would not know changes no plan: refuse it here.
  if (!settings.tier_of_price(price)) {
    co_return http::json_response(
        http::Status::bad_request,
        refusal(http::Status::bad_request, "unknown_price",
                "price: not in apps.outreach.stripe_prices, so it would change no plan")
            .body);
  }
  outbound::ProviderClient* stripe =
      client_of(providers_, settings.billing_provider, "stripe", "billing.provider", refused);
  if (!stripe) co_return refused;
  auto read_user = [user](store::Transaction& txn) -> Result<Subscriber> {
    auto rows = txn.query(
        "SELECT email, coalesce(stripe_customer_id, '') FROM outreach_users WHERE id = ?1", {user});
    if (!rows) return rows.error();
    Subscriber s;
    if (rows->empty()) {
      s.refused = refusal(http::Status::not_found, "not_found", "no user " + user);
    } else {
      s.email = text_of((*rows)[0][0]);
      s.customer = text_of((*rows)[0][1]);
    }
    return s;
  };
  Result<Subscriber> subscriber =
      co_await store::transact<Subscriber>(store_, std::move(read_user));
  if (!subscriber) co_return http::error_response(subscriber.error());
  if (subscriber->refused) {
    co_return http::json_response(subscriber->refused->status, subscriber->refused->body);
  }
  const std::vector<std::string> secrets = stripe->config().credentials.secret_values();
  std::string customer = subscriber->customer;
  if (customer.empty()) {
    // The seed's flow: a customer with the user's email and id, recorded before the
    // subscription so that its webhooks find the user.
    providers::stripe::CustomerCreate create{subscriber->email, "", {{"user_id", user}}};
    outbound::Call call = providers::stripe::customer_create_call(create);
    providers::Outcome<providers::stripe::Customer> made =
        co_await providers::call_and_parse<providers::stripe::Customer>(
            *stripe, std::move(call), providers::stripe::parse_customer);
    if (!made) co_return admin::action_error_response(stripe->provider(), made.error(), secrets);
    customer = made->id;
    // Recorded unless a concurrent call recorded its own customer first: then that one is the
    // user's, and the subscription goes to it (this call's customer stays unused).
    auto record = [user, customer,
                   now = clock_.now_ms()](store::Transaction& txn) -> Result<std::string> {
      auto r = txn.execute(
          "UPDATE outreach_users SET stripe_customer_id = ?2, updated_at = ?3 WHERE id = ?1 AND "
          "stripe_customer_id IS NULL",
          {user, customer, now});
      if (!r) return r.error();
      auto rows = txn.query("SELECT stripe_customer_id FROM outreach_users WHERE id = ?1", {user});
      if (!rows) return rows.error();
      if (rows->empty()) return make_error(Errc::kNotFound, "no user " + user);
      return text_of((*rows)[0][0]);
    };
    Result<std::string> recorded = co_await store::transact<std::string>(store_, std::move(record));
    if (!recorded) co_return http::error_response(recorded.error());
    if (*recorded != customer) {
      log::warn("stripe customer made twice for one user: the first recorded one is used",
                {{"user_id", user}, {"unused_customer", customer}});
      customer = *recorded;
    }
  }
  providers::stripe::SubscriptionCreate create{customer, price, 1, {{"user_id", user}}};
  outbound::Call call = providers::stripe::subscription_create_call(create);
  providers::Outcome<providers::stripe::Subscription> sub =
      co_await providers::call_and_parse<providers::stripe::Subscription>(
          *stripe, std::move(call), providers::stripe::parse_subscription);
  if (!sub) co_return admin::action_error_response(stripe->provider(), sub.error(), secrets);
  json::object out{{"user_id", user},
                   {"customer", customer},
                   {"subscription_id", sub->id},
                   {"status", sub->status},
                   {"latest_invoice_id", sub->latest_invoice_id}};
  out["client_secret"] = sub->client_secret ? json::value(*sub->client_secret) : nullptr;
  co_return http::json_response(http::Status::ok, out);
}

}  // namespace wharf::outreach
