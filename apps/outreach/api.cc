#include "outreach/api.h"

#include <algorithm>
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "admin/action_responses.h"
#include "core/crypto.h"
#include "core/encoding.h"
#include "core/log.h"
#include "http/response.h"
#include "outreach/api_support.h"
#include "outreach/records.h"
#include "outreach/sql_values.h"
#include "providers/action_support.h"
#include "store/await.h"

namespace wharf::outreach {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

enum class Type { kText, kInt, kBool };
struct Column {
  std::string_view name;
  Type type = Type::kText;
};
struct Table {
  std::string_view collection;  // the path segment: "users"
  std::string_view table;       // "outreach_users"
  std::string_view prefix;      // of its ids: "usr_"
  std::vector<Column> columns;  // as answered, id first
};

const std::vector<Table>& tables() {
  using T = Type;
  static const std::vector<Table> kTables = {
      {"users",
       "outreach_users",
       "usr_",
       {{"id"},
        {"email"},
        {"subscription_tier"},
        {"credits_remaining", T::kInt},
        {"stripe_customer_id"},
        {"subscription_id"},
        {"payment_status"},
        {"last_payment_at", T::kInt},
        {"created_at", T::kInt},
        {"updated_at", T::kInt}}},
      {"applications",
       "outreach_applications",
       "app_",
       {{"id"},
        {"user_id"},
        {"job_title"},
        {"company"},
        {"status"},
        {"reply_status"},
        {"created_at", T::kInt},
        {"updated_at", T::kInt}}},
      {"contacts",
       "outreach_contacts",
       "con_",
       {{"id"},
        {"first_name"},
        {"last_name"},
        {"title"},
        {"email"},
        {"domain"},
        {"bounce_count", T::kInt},
        {"spam_reports", T::kInt},
        {"opted_out", T::kBool},
        {"suppressed", T::kBool},
        {"last_contacted_at", T::kInt},
        {"verified", T::kBool},
        {"created_at", T::kInt},
        {"updated_at", T::kInt}}},
      {"mailboxes",
       "outreach_mailboxes",
       "mbx_",
       {{"id"},
        {"address"},
        {"bounces_7d", T::kInt},
        {"spam_reports_7d", T::kInt},
        {"health", T::kInt},
        {"updated_at", T::kInt}}},
      {"outreach",
       "outreach",
       "out_",
       {{"id"},
        {"application_id"},
        {"contact_id"},
        {"from_mailbox"},
        {"message_id"},
        {"sendgrid_message_id"},
        {"subject"},
        {"body"},
        {"status"},
        {"sent_at", T::kInt},
        {"delivered_at", T::kInt},
        {"bounced_at", T::kInt},
        {"spam_reported_at", T::kInt},
        {"replied_at", T::kInt},
        {"clicked_at", T::kInt},
        {"link_clicks", T::kInt},
        {"sequence_step", T::kInt},
        {"sequence_stopped", T::kBool},
        {"created_at", T::kInt},
        {"updated_at", T::kInt}}},
  };
  return kTables;
}

const Table* find_table(std::string_view collection) {
  for (const auto& t : tables()) {
    if (t.collection == collection) return &t;
  }
  return nullptr;
}

const Table& table(std::string_view collection) { return *find_table(collection); }

std::string select_sql(const Table& t) {
  std::string sql = "SELECT ";
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    if (i) sql += ", ";
    sql += t.columns[i].name;
  }
  return sql + " FROM " + std::string(t.table) + " WHERE id = ?1";
}

json::object to_json(const Table& t, const store::SqlRow& row) {
  json::object o;
  for (std::size_t i = 0; i < t.columns.size() && i < row.size(); ++i) {
    const store::SqlValue& v = row[i];
    json::value out = nullptr;
    if (!std::holds_alternative<std::nullptr_t>(v)) {
      switch (t.columns[i].type) {
        case Type::kText:
          out = text_of(v);
          break;
        case Type::kInt:
          out = int_of(v);
          break;
        case Type::kBool:
          out = int_of(v) != 0;
          break;
      }
    }
    o[t.columns[i].name] = std::move(out);
  }
  return o;
}

// The record `id` of `t` as JSON, or nullopt when there is none.
Result<std::optional<json::object>> load(store::Transaction& txn, const Table& t,
                                         const std::string& id) {
  auto rows = txn.query(select_sql(t), {id});
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<json::object>();
  return std::optional<json::object>(to_json(t, (*rows)[0]));
}

Result<bool> exists(store::Transaction& txn, std::string_view table, std::string_view column,
                    const std::string& value) {
  auto rows = txn.query(
      "SELECT 1 FROM " + std::string(table) + " WHERE " + std::string(column) + " = ?1 LIMIT 1",
      {value});
  if (!rows) return rows.error();
  return !rows->empty();
}

std::string new_id(std::string_view prefix) {
  return std::string(prefix) + encoding::hex_encode(crypto::random_bytes(8));
}

// What a create reads from its body, validated before the transaction.
struct NewRecord {
  std::vector<std::pair<std::string, store::SqlValue>> columns;  // id first
  // (table, column, value, what): must exist, else 400.
  std::vector<std::tuple<std::string, std::string, std::string, std::string>> references;
  // (column, value): must be unique, else 409.
  std::vector<std::pair<std::string, std::string>> unique;
};

// Runs `sql` with the values of `columns` as ?1..?n (Transaction::execute takes a fixed list).
Result<std::int64_t> execute_with(
    store::Transaction& txn, const std::string& sql,
    const std::vector<std::pair<std::string, store::SqlValue>>& columns) {
  auto v = [&columns](std::size_t i) { return columns[i].second; };
  switch (columns.size()) {
    case 3:
      return txn.execute(sql, {v(0), v(1), v(2)});
    case 7:
      return txn.execute(sql, {v(0), v(1), v(2), v(3), v(4), v(5), v(6)});
    case 9:
      return txn.execute(sql, {v(0), v(1), v(2), v(3), v(4), v(5), v(6), v(7), v(8)});
    default:
      return make_error(Errc::kInternal,
                        "no statement for " + std::to_string(columns.size()) + " columns");
  }
}

bool looks_like_email(const std::string& s) {
  auto at = s.find('@');
  return at != std::string::npos && at > 0 && at + 1 < s.size() &&
         s.find_first_of(" \t\r\n<>") == std::string::npos;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Reads a create's fields, or the refusal (400) naming the first bad one.
Result<NewRecord> read_new(std::string_view collection, const json::object& body,
                           const Settings& settings, std::int64_t now) {
  providers::InputReader in(body);
  NewRecord r;
  const Table& t = table(collection);
  r.columns.emplace_back("id", new_id(t.prefix));
  auto email_field = [&](std::string_view name) {
    std::string e = lower(in.text(name));
    if (!e.empty() && !looks_like_email(e)) in.fail(name, "must be an email address");
    return e;
  };
  if (collection == "users") {
    std::string email = email_field("email");
    std::string tier = in.optional_text("subscription_tier").value_or(std::string(kTierFree));
    if (tier != kTierFree && tier != kTierPro && tier != kTierTeams) {
      in.fail("subscription_tier", "must be free, pro or teams");
    }
    std::int64_t credits =
        in.integer("credits_remaining", settings.credits_of(tier), 0, 1'000'000'000);
    auto customer = in.optional_text("stripe_customer_id");
    r.columns.emplace_back("email", email);
    r.columns.emplace_back("subscription_tier", tier);
    r.columns.emplace_back("credits_remaining", credits);
    r.columns.emplace_back("stripe_customer_id", text_or_null(customer.value_or("")));
    r.unique.emplace_back("email", email);
    if (customer && !customer->empty()) r.unique.emplace_back("stripe_customer_id", *customer);
  } else if (collection == "applications") {
    std::string user = in.text("user_id");
    r.columns.emplace_back("user_id", user);
    r.columns.emplace_back("job_title", in.text("job_title"));
    r.columns.emplace_back("company", in.text("company"));
    r.columns.emplace_back("status", in.optional_text("status").value_or("applied"));
    r.references.emplace_back("outreach_users", "id", user, "user_id: no such user");
  } else if (collection == "contacts") {
    std::string email = email_field("email");
    std::string domain = lower(in.optional_text("domain").value_or(""));
    if (domain.empty() && email.find('@') != std::string::npos) {
      domain = email.substr(email.find('@') + 1);
    }
    r.columns.emplace_back("email", email);
    r.columns.emplace_back("first_name", in.optional_text("first_name").value_or(""));
    r.columns.emplace_back("last_name", in.optional_text("last_name").value_or(""));
    r.columns.emplace_back("title", in.optional_text("title").value_or(""));
    r.columns.emplace_back("domain", domain);
    r.columns.emplace_back("verified", std::int64_t{in.boolean("verified", false)});
  } else if (collection == "mailboxes") {
    std::string address = email_field("address");
    r.columns.emplace_back("address", address);
    r.unique.emplace_back("address", address);
  } else {  // outreach
    std::string application = in.text("application_id");
    std::string contact = in.text("contact_id");
    r.columns.emplace_back("application_id", application);
    r.columns.emplace_back("contact_id", contact);
    r.columns.emplace_back("from_mailbox", email_field("from_mailbox"));
    r.columns.emplace_back("subject", in.text("subject"));
    r.columns.emplace_back("body", in.optional_text("body").value_or(""));
    r.columns.emplace_back("sequence_step", in.integer("sequence_step", 1, 1, 100));
    r.references.emplace_back("outreach_applications", "id", application,
                              "application_id: no such application");
    r.references.emplace_back("outreach_contacts", "id", contact, "contact_id: no such contact");
  }
  if (auto e = in.error()) return make_error(Errc::kInvalidArgument, e->message);
  if (collection != "mailboxes") r.columns.emplace_back("created_at", now);
  r.columns.emplace_back("updated_at", now);
  return r;
}

// The seed's prompt (roleferry-api-integration-guide.md §3.1), filled in.
std::string draft_prompt(const std::string& current_role, std::int64_t years_exp,
                         const std::string& job_title, const std::string& company,
                         const std::string& contact_name, const std::string& contact_title,
                         const std::string& top_metric) {
  return "You are helping a job seeker write an outreach email.\n\nUser: " + current_role + ", " +
         std::to_string(years_exp) + " years\nJob: " + job_title + " at " + company +
         "\nContact: " + contact_name + " (" + contact_title +
         ")\n\nWrite a 3-sentence email asking for advice. Be professional but "
         "conversational.\nInclude the user's key metric: " +
         top_metric + "\n";
}

}  // namespace

asio::awaitable<http::Response> OutreachApi::handle(http::Request& req, std::string_view path,
                                                    std::string_view query) {
  std::vector<std::string_view> seg;
  for (std::string_view rest = path; !rest.empty();) {
    if (rest.front() == '/') {
      rest.remove_prefix(1);
      continue;
    }
    auto end = rest.find('/');
    seg.push_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end);
  }
  const bool get = req.method() == http::Verb::get || req.method() == http::Verb::head;
  const bool post = req.method() == http::Verb::post;
  if (seg.size() == 1 && seg[0] == "drafts") {
    if (!post) co_return http::json_error(http::Status::method_not_allowed, "use POST");
    co_return co_await draft(req);
  }
  if (seg.size() == 1 && seg[0] == "outbox") {
    if (!get) co_return http::json_error(http::Status::method_not_allowed, "use GET");
    co_return co_await list_outbox(query);
  }
  if (seg.size() == 3 && seg[0] == "outbox" && seg[2] == "retry") {
    if (!post) co_return http::json_error(http::Status::method_not_allowed, "use POST");
    co_return co_await retry_outbox(seg[1]);
  }
  if (seg.size() == 2 && seg[0] == "contacts" && seg[1] == "search") {
    if (!post) co_return http::json_error(http::Status::method_not_allowed, "use POST");
    co_return co_await search(req.body());
  }
  if (seg.size() == 3 && seg[0] == "applications" && seg[2] == "enrich") {
    if (!post) co_return http::json_error(http::Status::method_not_allowed, "use POST");
    co_return co_await enrich(seg[1], req.body());
  }
  if (seg.size() == 3 && seg[0] == "users" && seg[2] == "subscription") {
    if (!post) co_return http::json_error(http::Status::method_not_allowed, "use POST");
    co_return co_await subscribe(seg[1], req.body());
  }
  if (seg.size() == 3 && seg[0] == "outreach" && seg[2] == "send") {
    if (!post) co_return http::json_error(http::Status::method_not_allowed, "use POST");
    co_return co_await send(seg[1]);
  }
  if (!seg.empty() && seg.size() <= 2 && find_table(seg[0])) {
    if (seg.size() == 1) {
      if (!post) co_return http::json_error(http::Status::method_not_allowed, "use POST");
      co_return co_await create(seg[0], req.body());
    }
    if (!get) co_return http::json_error(http::Status::method_not_allowed, "use GET");
    co_return co_await read(seg[0], seg[1]);
  }
  co_return http::json_error(http::Status::not_found, "no such outreach endpoint");
}

asio::awaitable<http::Response> OutreachApi::create(std::string_view collection,
                                                    std::string_view body) {
  http::Response refused;
  std::optional<json::object> input = body_object(body, refused);
  if (!input) co_return refused;
  Result<NewRecord> record = read_new(collection, *input, context_.settings, clock_.now_ms());
  if (!record) co_return http::json_error(http::Status::bad_request, record.error().message);
  const Table& t = table(collection);
  auto work = [&t, record = std::move(*record)](store::Transaction& txn) -> Result<Reply> {
    for (const auto& [ref_table, column, value, what] : record.references) {
      auto found = exists(txn, ref_table, column, value);
      if (!found) return found.error();
      if (!*found) return refusal(http::Status::bad_request, "unknown_reference", what);
    }
    for (const auto& [column, value] : record.unique) {
      auto found = exists(txn, t.table, column, value);
      if (!found) return found.error();
      if (*found) {
        return refusal(http::Status::conflict, "exists",
                       std::string(t.collection) + " with this " + column + " already exists");
      }
    }
    std::string names, params;
    for (std::size_t i = 0; i < record.columns.size(); ++i) {
      names += (i ? ", " : "") + record.columns[i].first;
      params += (i ? ", ?" : "?") + std::to_string(i + 1);
    }
    const std::string sql =
        "INSERT INTO " + std::string(t.table) + "(" + names + ") VALUES (" + params + ")";
    Result<std::int64_t> inserted = execute_with(txn, sql, record.columns);
    if (!inserted) return inserted.error();
    auto loaded = load(txn, t, std::get<std::string>(record.columns[0].second));
    if (!loaded) return loaded.error();
    return Reply{http::Status::created, std::move(**loaded)};
  };
  Result<Reply> r = co_await store::transact<Reply>(store_, std::move(work));
  co_return answer(r);
}

asio::awaitable<http::Response> OutreachApi::read(std::string_view collection,
                                                  std::string_view id) {
  const Table& t = table(collection);
  auto work = [&t, id = std::string(id)](store::Transaction& txn) -> Result<Reply> {
    auto loaded = load(txn, t, id);
    if (!loaded) return loaded.error();
    if (!*loaded) {
      return refusal(http::Status::not_found, "not_found",
                     "no " + std::string(t.collection) + " record " + id);
    }
    return Reply{http::Status::ok, std::move(**loaded)};
  };
  Result<Reply> r = co_await store::transact<Reply>(store_, std::move(work));
  co_return answer(r);
}

namespace {

// What a send needs, read (and reserved) in one transaction.
struct Reservation {
  std::optional<Reply> refused;
  std::string from, to, to_name, subject, body, user_id;
};

}  // namespace

asio::awaitable<http::Response> OutreachApi::send(std::string_view id_view) {
  const std::string id(id_view);
  const Settings& settings = context_.settings;
  outbound::ProviderClient* client = providers_.find(settings.email_provider);
  const providers::ProviderKind* kind =
      client ? providers::find_provider_kind(client->config().kind) : nullptr;
  const providers::Action* action = kind ? kind->find_action("mail_send") : nullptr;
  if (!action) {
    co_return http::json_error(http::Status::service_unavailable,
                               "no provider `" + settings.email_provider +
                                   "` with a mail_send action is configured (apps.outreach.email)");
  }
  const std::int64_t now = clock_.now_ms();
  // 1. Check and reserve: one credit taken, the outreach marked `sending` so that a second send
  // is refused while this one runs.
  auto reserve = [id, now](store::Transaction& txn) -> Result<Reservation> {
    auto rows = txn.query(
        "SELECT o.status, o.subject, o.body, o.from_mailbox, c.email, c.first_name, c.last_name, "
        "c.opted_out, c.suppressed, u.id, u.credits_remaining FROM outreach o "
        "JOIN outreach_contacts c ON c.id = o.contact_id "
        "JOIN outreach_applications a ON a.id = o.application_id "
        "JOIN outreach_users u ON u.id = a.user_id WHERE o.id = ?1",
        {id});
    if (!rows) return rows.error();
    Reservation r;
    if (rows->empty()) {
      r.refused = refusal(http::Status::not_found, "not_found", "no outreach record " + id);
      return r;
    }
    const store::SqlRow& row = (*rows)[0];
    const std::string status = text_of(row[0]);
    if (status != "draft") {
      r.refused = refusal(http::Status::conflict, "not_a_draft",
                          "outreach " + id + " is " + status + ", not a draft: it is sent once");
    } else if (int_of(row[7]) != 0) {
      r.refused = refusal(http::Status::conflict, "contact_opted_out",
                          "the contact opted out (a spam report): nothing is sent to them");
    } else if (int_of(row[8]) != 0) {
      r.refused = refusal(http::Status::conflict, "contact_suppressed",
                          "the contact is suppressed (3 bounces): nothing is sent to them");
    } else if (int_of(row[10]) <= 0) {
      r.refused =
          refusal(http::Status::payment_required, "no_credits", "the user has no credits left");
    } else if (text_of(row[2]).empty()) {
      r.refused = refusal(http::Status::bad_request, "no_body", "outreach " + id + " has no body");
    }
    if (r.refused) return r;
    r.subject = text_of(row[1]);
    r.body = text_of(row[2]);
    r.from = text_of(row[3]);
    r.to = text_of(row[4]);
    r.to_name = text_of(row[5]);
    if (!text_of(row[6]).empty()) r.to_name += (r.to_name.empty() ? "" : " ") + text_of(row[6]);
    r.user_id = text_of(row[9]);
    auto credit = txn.execute(
        "UPDATE outreach_users SET credits_remaining = credits_remaining - 1, updated_at = ?2 "
        "WHERE id = ?1",
        {r.user_id, now});
    if (!credit) return credit.error();
    auto mark = txn.execute("UPDATE outreach SET status = 'sending', updated_at = ?2 WHERE id = ?1",
                            {id, now});
    if (!mark) return mark.error();
    return r;
  };
  Result<Reservation> reserved = co_await store::transact<Reservation>(store_, std::move(reserve));
  if (!reserved) co_return http::error_response(reserved.error());
  if (reserved->refused) {
    context_.metrics.send_outcome(providers::text_of(reserved->refused->body, "reason"));
    co_return http::json_response(reserved->refused->status, reserved->refused->body);
  }

  // 2. The call, tagged with the outreach id (SendGrid copies it into every event).
  json::object to{{"email", reserved->to}};
  if (!reserved->to_name.empty()) to["name"] = reserved->to_name;
  json::object input{{"from", json::object{{"email", reserved->from}}},
                     {"to", json::array{std::move(to)}},
                     {"subject", reserved->subject},
                     {"text", reserved->body},
                     {"outreach_id", id}};
  providers::ActionResult sent = co_await action->run(*client, input, nullptr);

  // 3. The outcome. A failure gives the credit back and makes the outreach a draft again.
  const std::int64_t done_at = clock_.now_ms();
  const std::string message_id =
      sent && sent->is_object() ? providers::text_of(*sent, "message_id") : "";
  const bool ok = static_cast<bool>(sent);
  auto record = [id, ok, message_id, done_at,
                 user = reserved->user_id](store::Transaction& txn) -> Result<Reply> {
    if (ok) {
      // A SendGrid event may have moved it on already: `sent` only replaces draft or sending.
      auto o = txn.execute(
          "UPDATE outreach SET status = CASE WHEN status IN ('draft', 'sending') THEN 'sent' "
          "ELSE status END, sent_at = coalesce(sent_at, ?2), sendgrid_message_id = ?3, "
          "updated_at = ?2 WHERE id = ?1",
          {id, done_at, text_or_null(message_id)});
      if (!o) return o.error();
      auto c = txn.execute(
          "UPDATE outreach_contacts SET last_contacted_at = max(coalesce(last_contacted_at, 0), "
          "?2), updated_at = ?2 WHERE id = (SELECT contact_id FROM outreach WHERE id = ?1)",
          {id, done_at});
      if (!c) return c.error();
    } else {
      auto u = txn.execute(
          "UPDATE outreach_users SET credits_remaining = credits_remaining + 1, updated_at = ?2 "
          "WHERE id = ?1",
          {user, done_at});
      if (!u) return u.error();
      auto o = txn.execute(
          "UPDATE outreach SET status = 'draft', updated_at = ?2 WHERE id = ?1 AND status = "
          "'sending'",
          {id, done_at});
      if (!o) return o.error();
    }
    auto loaded = load(txn, table("outreach"), id);
    if (!loaded) return loaded.error();
    return Reply{http::Status::ok, loaded->value_or(json::object())};
  };
  Result<Reply> recorded = co_await store::transact<Reply>(store_, std::move(record));
  context_.metrics.send_outcome(ok ? "sent" : "failed");
  if (!ok) {
    if (!recorded) {
      log::error("outreach send failed and its credit could not be given back",
                 {{"outreach_id", id}, {"error", recorded.error().message}});
    }
    co_return admin::action_error_response(client->provider(), sent.error(),
                                           client->config().credentials.secret_values());
  }
  if (!recorded) {
    // The mail went; only its record failed. Say so rather than invite a second send.
    log::error("outreach sent but not recorded",
               {{"outreach_id", id}, {"error", recorded.error().message}});
    co_return http::json_response(
        http::Status::service_unavailable,
        json::object{{"error", "the mail was sent but its record could not be written"},
                     {"reason", "not_recorded"},
                     {"message_id", message_id}});
  }
  co_return answer(recorded);
}

namespace {

struct DraftContext {
  std::optional<Reply> refused;
  std::string job_title, company, contact_name, contact_title;
};

}  // namespace

asio::awaitable<http::Response> OutreachApi::draft(http::Request& req) {
  http::Response refused;
  std::optional<json::object> body = body_object(req.body(), refused);
  if (!body) co_return refused;
  providers::InputReader in(*body);
  std::string application = in.text("application_id");
  std::string contact = in.text("contact_id");
  std::string current_role, top_metric;
  std::int64_t years = 0;
  if (const json::value* user = in.raw("user"); user && user->is_object()) {
    providers::InputReader u(user->as_object(), "user.");
    current_role = u.text("current_role");
    years = u.integer("years_exp", 0, 0, 80);
    top_metric = u.text("top_metric");
    in.merge(u);
  } else {
    in.fail("user", "required: {current_role, years_exp, top_metric}");
  }
  const bool stream = in.boolean("stream", false);
  if (auto e = in.error()) co_return http::json_error(http::Status::bad_request, e->message);

  const Settings& settings = context_.settings;
  outbound::ProviderClient* client = providers_.find(settings.draft_provider);
  const providers::ProviderKind* kind =
      client ? providers::find_provider_kind(client->config().kind) : nullptr;
  const providers::Action* action = kind ? kind->find_action("messages") : nullptr;
  if (!action) {
    co_return http::json_error(http::Status::service_unavailable,
                               "no provider `" + settings.draft_provider +
                                   "` with a messages action is configured (apps.outreach.drafts)");
  }
  auto work = [application, contact](store::Transaction& txn) -> Result<DraftContext> {
    DraftContext d;
    auto a = txn.query("SELECT job_title, company FROM outreach_applications WHERE id = ?1",
                       {application});
    if (!a) return a.error();
    auto c = txn.query(
        "SELECT trim(first_name || ' ' || last_name), title FROM outreach_contacts WHERE id = ?1",
        {contact});
    if (!c) return c.error();
    if (a->empty()) {
      d.refused = refusal(http::Status::not_found, "not_found", "no application " + application);
    } else if (c->empty()) {
      d.refused = refusal(http::Status::not_found, "not_found", "no contact " + contact);
    } else {
      d.job_title = text_of((*a)[0][0]);
      d.company = text_of((*a)[0][1]);
      d.contact_name = text_of((*c)[0][0]);
      d.contact_title = text_of((*c)[0][1]);
    }
    return d;
  };
  Result<DraftContext> ctx = co_await store::transact<DraftContext>(store_, std::move(work));
  if (!ctx) co_return http::error_response(ctx.error());
  if (ctx->refused) co_return http::json_response(ctx->refused->status, ctx->refused->body);

  json::object input{
      {"model", settings.draft_model},
      {"max_tokens", settings.draft_max_tokens},
      {"messages",
       json::array{json::object{
           {"role", "user"},
           {"content", draft_prompt(current_role, years, ctx->job_title, ctx->company,
                                    ctx->contact_name, ctx->contact_title, top_metric)}}}}};
  const std::vector<std::string> secrets = client->config().credentials.secret_values();
  if (stream && req.stream) {
    input["stream"] = true;
    co_return co_await admin::stream_action(req, *client, *action, input, secrets);
  }
  providers::ActionResult r = co_await action->run(*client, input, nullptr);
  if (!r) co_return admin::action_error_response(client->provider(), r.error(), secrets);
  json::object out{{"draft", providers::text_of(*r, "text")}, {"anthropic", *r}};
  co_return http::json_response(http::Status::ok, out);
}

}  // namespace wharf::outreach
