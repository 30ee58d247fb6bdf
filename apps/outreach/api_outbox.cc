// The outreach API's view of the outbox (api.h): what the handlers queued, how it went, and a
// dead message sent again once its cause is fixed.
#include <algorithm>
#include <boost/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "http/query.h"
#include "outreach/api.h"
#include "outreach/api_support.h"
#include "outreach/sql_values.h"
#include "store/await.h"

namespace wharf::outreach {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kStatuses[] = {"pending", "sending", "sent", "dead"};

json::object message_json(const store::SqlRow& r) {
  json::object o{{"id", int_of(r[0])},
                 {"dedup_key", text_of(r[1])},
                 {"provider", text_of(r[2])},
                 {"action", text_of(r[3])},
                 {"status", text_of(r[4])},
                 {"attempts", int_of(r[5])},
                 {"next_attempt_at", int_of(r[6])},
                 {"created_at", int_of(r[8])}};
  o["last_error"] = std::holds_alternative<std::nullptr_t>(r[7]) ? json::value(nullptr)
                                                                 : json::value(text_of(r[7]));
  o["sent_at"] = optional_int(r[9]) ? json::value(*optional_int(r[9])) : json::value(nullptr);
  return o;
}

constexpr std::string_view kColumns =
    "id, dedup_key, provider, action, status, attempts, next_attempt_at, last_error, created_at, "
    "sent_at";

}  // namespace

asio::awaitable<http::Response> OutreachApi::list_outbox(std::string_view query) {
  std::optional<http::QueryParams> params = http::parse_query(query);
  if (!params) co_return http::json_error(http::Status::bad_request, "malformed query string");
  std::string status;
  for (const auto& [k, v] : *params) {
    if (k != "status") {
      co_return http::json_error(http::Status::bad_request, "unknown parameter: " + k);
    }
    status = v;
  }
  if (!status.empty() &&
      std::find(std::begin(kStatuses), std::end(kStatuses), status) == std::end(kStatuses)) {
    co_return http::json_error(http::Status::bad_request,
                               "status: one of pending, sending, sent, dead");
  }
  auto work = [status](store::Transaction& txn) -> Result<Reply> {
    // The newest 100: an operator's view, not an export.
    auto rows = status.empty()
                    ? txn.query("SELECT " + std::string(kColumns) +
                                " FROM outreach_outbox ORDER BY id DESC LIMIT 100")
                    : txn.query("SELECT " + std::string(kColumns) +
                                    " FROM outreach_outbox WHERE status = ?1 ORDER BY id DESC "
                                    "LIMIT 100",
                                {status});
    if (!rows) return rows.error();
    json::array out;
    for (const auto& r : *rows) out.push_back(message_json(r));
    return Reply{http::Status::ok, json::object{{"messages", std::move(out)}}};
  };
  Result<Reply> r = co_await store::transact<Reply>(store_, std::move(work));
  co_return answer(r);
}

asio::awaitable<http::Response> OutreachApi::retry_outbox(std::string_view id_text) {
  std::int64_t id = 0;
  try {
    std::size_t used = 0;
    id = std::stoll(std::string(id_text), &used);
    if (used != id_text.size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    co_return http::json_error(http::Status::not_found, "no such outbox message");
  }
  const std::int64_t now = clock_.now_ms();
  auto work = [id, now](store::Transaction& txn) -> Result<Reply> {
    auto rows = txn.query("SELECT status FROM outreach_outbox WHERE id = ?1", {id});
    if (!rows) return rows.error();
    if (rows->empty()) {
      return refusal(http::Status::not_found, "not_found", "no such outbox message");
    }
    if (text_of((*rows)[0][0]) != "dead") {
      return refusal(http::Status::conflict, "not_dead",
                     "only a dead message is sent again; this one is " + text_of((*rows)[0][0]));
    }
    // A new series: the schedule starts over, and the sender is due at once.
    auto r = txn.execute(
        "UPDATE outreach_outbox SET status = 'pending', attempts = 0, next_attempt_at = ?2 "
        "WHERE id = ?1",
        {id, now});
    if (!r) return r.error();
    auto after =
        txn.query("SELECT " + std::string(kColumns) + " FROM outreach_outbox WHERE id = ?1", {id});
    if (!after) return after.error();
    return Reply{http::Status::ok, message_json((*after)[0])};
  };
  Result<Reply> r = co_await store::transact<Reply>(store_, std::move(work));
  if (r && r->status == http::Status::ok) context_.outbox.notify();
  co_return answer(r);
}

}  // namespace wharf::outreach
