#include "outreach/outbox_sender.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/log.h"
#include "outreach/sql_values.h"
#include "providers/provider_kind.h"
#include "store/await.h"

namespace wharf::outreach {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// A claimed message.
struct Claimed {
  std::int64_t id = 0;
  std::int64_t lease = 0;
  int attempts = 0;  // this one included
  std::string provider;
  std::string action;
  std::string payload;
};

enum class Next { kSent, kRetry, kDead };

struct Outcome {
  Next next = Next::kSent;
  std::string error;  // empty when sent; never a secret (action errors are safe to show)
  std::optional<std::chrono::milliseconds> retry_after;
};

// Every call of one message carries the same idempotency key, derived from the row: a retry of a
// message to a provider that takes keys (Stripe) cannot act twice.
class KeyedCaller final : public outbound::Caller {
 public:
  KeyedCaller(outbound::Caller& inner, std::string key) : inner_(inner), key_(std::move(key)) {}
  const std::string& provider() const override { return inner_.provider(); }
  asio::awaitable<outbound::CallResult> call(outbound::Call&& call) override {
    if (call.idempotency_key.empty()) call.idempotency_key = key_;
    outbound::CallResult r = co_await inner_.call(std::move(call));
    co_return r;
  }

 private:
  outbound::Caller& inner_;
  std::string key_;
};

// What an action's failure means for its message.
Outcome classify(const providers::ActionError& e) {
  using Kind = providers::ActionError::Kind;
  Outcome out{Next::kDead, e.message, std::nullopt};
  if (e.kind != Kind::kCall || !e.call) return out;  // bad input, a 4xx, or a 2xx we cannot read
  switch (e.call->kind) {
    case outbound::CallErrorKind::kRefused:
      return out;  // the call can never be made
    case outbound::CallErrorKind::kRateLimited:
    case outbound::CallErrorKind::kCircuitOpen:
    case outbound::CallErrorKind::kTransport:
    case outbound::CallErrorKind::kUpstream:
    case outbound::CallErrorKind::kCredentials:  // a connection may be repaired meanwhile
      out.next = Next::kRetry;
      out.retry_after = e.call->retry_after;
      return out;
  }
  return out;
}

}  // namespace

struct OutboxSender::Core {
  Core(store::Store& s, outbound::ProviderSet& p, observe::Registry& m, const Clock& c,
       OutboxSenderOptions o)
      : store(s),
        providers(p),
        metrics(m),
        clock(c),
        options(std::move(o)),
        retry(options.retry, options.jitter, options.uniform01) {}

  store::Store& store;
  outbound::ProviderSet& providers;
  observe::Registry& metrics;
  const Clock& clock;
  const OutboxSenderOptions options;
  const dispatch::RetryPolicy retry;
  std::atomic<bool> stopping{false};
  std::atomic<bool> running{false};

  void count(const Claimed& m, std::string_view outcome) {
    metrics
        .counter(
            "wharf_outreach_outbox_messages_total",
            "Outbox messages by outcome: sent, failed (to be retried), dead",
            {{"provider", m.provider}, {"action", m.action}, {"outcome", std::string(outcome)}})
        .inc();
  }

  struct Claim {
    std::vector<Claimed> messages;
    std::optional<std::int64_t> next_due_ms;  // of the messages not claimed now
  };

  asio::awaitable<Result<Claim>> claim() {
    const std::int64_t now = clock.now_ms();
    const std::int64_t lease_until = now + options.lease.count();
    const std::int64_t limit = options.batch;
    auto work = [now, lease_until, limit](store::Transaction& txn) -> Result<Claim> {
      // The predicate is the partial index's (outreach_outbox_due), written the same way.
      auto rows = txn.query(
          "SELECT id, lease, attempts, provider, action, payload FROM outreach_outbox "
          "WHERE status NOT IN ('sent', 'dead') AND next_attempt_at <= ?1 "
          "ORDER BY next_attempt_at, id LIMIT ?2",
          {now, limit});
      if (!rows) return rows.error();
      std::vector<Claimed> out;
      for (const auto& r : *rows) {
        Claimed c{int_of(r[0]),  int_of(r[1]) + 1, static_cast<int>(int_of(r[2])) + 1,
                  text_of(r[3]), text_of(r[4]),    text_of(r[5])};
        auto leased = txn.execute(
            "UPDATE outreach_outbox SET status = 'sending', lease = ?2, attempts = ?3, "
            "next_attempt_at = ?4 WHERE id = ?1",
            {c.id, c.lease, std::int64_t{c.attempts}, lease_until});
        if (!leased) return leased.error();
        out.push_back(std::move(c));
      }
      Claim claim{std::move(out), std::nullopt};
      auto next = txn.query(
          "SELECT min(next_attempt_at) FROM outreach_outbox WHERE status NOT IN ('sent', 'dead')");
      if (!next) return next.error();
      if (!next->empty()) claim.next_due_ms = optional_int((*next)[0][0]);
      return claim;
    };
    Result<Claim> r = co_await store::transact<Claim>(store, std::move(work));
    co_return r;
  }

  asio::awaitable<Outcome> send(const Claimed& m) {
    outbound::ProviderClient* client = providers.find(m.provider);
    if (!client) co_return Outcome{Next::kDead, "no provider named " + m.provider, std::nullopt};
    const providers::ProviderKind* kind = providers::find_provider_kind(client->config().kind);
    const providers::Action* action = kind ? kind->find_action(m.action) : nullptr;
    if (!action) {
      co_return Outcome{Next::kDead, "provider " + m.provider + " has no action " + m.action,
                        std::nullopt};
    }
    boost::system::error_code ec;
    json::value input = json::parse(m.payload, ec);
    if (ec || !input.is_object()) {
      co_return Outcome{Next::kDead, "the payload is not a JSON object", std::nullopt};
    }
    KeyedCaller caller(*client, "outreach-outbox-" + std::to_string(m.id));
    providers::ActionResult r = co_await action->run(caller, input.as_object(), nullptr);
    if (r) co_return Outcome{};
    co_return classify(r.error());
  }

  // Records `o` for `m` under its lease: a message re-claimed meanwhile (this lease expired) is
  // left to its new holder.
  asio::awaitable<Result<void>> record(const Claimed& m, Next next, const std::string& error,
                                       std::int64_t next_at) {
    const std::int64_t now = clock.now_ms();
    std::string status = next == Next::kSent ? "sent" : next == Next::kDead ? "dead" : "pending";
    auto work = [id = m.id, lease = m.lease, status, error, next_at,
                 now](store::Transaction& txn) -> Result<void> {
      auto r = txn.execute(
          "UPDATE outreach_outbox SET status = ?3, last_error = ?4, next_attempt_at = ?5, "
          "sent_at = CASE WHEN ?3 = 'sent' THEN ?6 ELSE sent_at END "
          "WHERE id = ?1 AND lease = ?2",
          {id, lease, status, text_or_null(error), next_at, now});
      if (!r) return r.error();
      return {};
    };
    Result<void> r = co_await store::transact<void>(store, std::move(work));
    co_return r;
  }

  asio::awaitable<OutboxPass> pass() {
    OutboxPass out;
    Result<Claim> claimed = co_await claim();
    if (!claimed) {
      log::warn("outbox: cannot claim messages", {{"error", claimed.error().message}});
      co_return out;
    }
    out.claimed = static_cast<int>(claimed->messages.size());
    out.next_due_ms = claimed->next_due_ms;  // includes this claim's leases: an upper bound
    auto due_at = [&out](std::int64_t at) {
      out.next_due_ms = out.next_due_ms ? std::min(*out.next_due_ms, at) : at;
    };
    for (const Claimed& m : claimed->messages) {
      Outcome o = co_await send(m);
      Next next = o.next;
      std::int64_t next_at = clock.now_ms();
      if (next == Next::kRetry) {
        auto d = retry.after_failure(m.attempts, o.retry_after);
        if (d.give_up) {
          next = Next::kDead;
          o.error = "gave up after " + std::to_string(m.attempts) + " attempts: " + o.error;
        } else {
          next_at += d.delay.count();
        }
      }
      Result<void> recorded = co_await record(m, next, o.error, next_at);
      if (!recorded) {
        // Its lease runs out and it is sent again: at least once.
        log::warn("outbox: cannot record a message's outcome",
                  {{"id", m.id}, {"error", recorded.error().message}});
      }
      switch (next) {
        case Next::kSent:
          ++out.sent;
          count(m, "sent");
          break;
        case Next::kRetry:
          ++out.failed;
          if (recorded) due_at(next_at);
          count(m, "failed");
          log::warn("outbox: message failed, will retry", {{"id", m.id},
                                                           {"provider", m.provider},
                                                           {"action", m.action},
                                                           {"attempts", m.attempts},
                                                           {"error", o.error}});
          break;
        case Next::kDead:
          ++out.dead;
          count(m, "dead");
          log::error("outbox: message is dead", {{"id", m.id},
                                                 {"provider", m.provider},
                                                 {"action", m.action},
                                                 {"attempts", m.attempts},
                                                 {"error", o.error}});
          break;
      }
    }
    co_return out;
  }

  asio::awaitable<Result<void>> release() {
    const std::int64_t now = clock.now_ms();
    auto work = [now](store::Transaction& txn) -> Result<void> {
      auto r = txn.execute(
          "UPDATE outreach_outbox SET status = 'pending', next_attempt_at = ?1 "
          "WHERE status = 'sending'",
          {now});
      if (!r) return r.error();
      if (*r > 0) log::info("outbox: released the leases of an earlier run", {{"messages", *r}});
      return {};
    };
    Result<void> r = co_await store::transact<void>(store, std::move(work));
    co_return r;
  }
};

OutboxSender::OutboxSender(store::Store& store, outbound::ProviderSet& providers,
                           observe::Registry& metrics, const Clock& clock,
                           OutboxSenderOptions options)
    : core_(std::make_shared<Core>(store, providers, metrics, clock, std::move(options))) {}

OutboxSender::~OutboxSender() { stop(); }

void OutboxSender::start(asio::any_io_executor executor) {
  core_->running = true;
  asio::co_spawn(
      executor,
      [core = core_]() -> asio::awaitable<void> {
        if (Result<void> r = co_await core->release(); !r) {
          log::warn("outbox: cannot release earlier leases", {{"error", r.error().message}});
        }
        asio::steady_timer timer(co_await asio::this_coro::executor);
        const OutboxSenderOptions& o = core->options;
        std::int64_t next_claim_ms = 0;  // wall clock (core->clock): claim at once first
        while (!core->stopping) {
          const bool signalled = o.signal && o.signal->take();
          if (signalled || core->clock.now_ms() >= next_claim_ms) {
            OutboxPass p = co_await core->pass();
            if (p.claimed == o.batch) continue;  // more may be due now
            const std::int64_t now = core->clock.now_ms();
            next_claim_ms = now + o.max_idle.count();
            if (p.next_due_ms)
              next_claim_ms = std::min(next_claim_ms, std::max(now, *p.next_due_ms));
          }
          timer.expires_after(o.check_interval);
          boost::system::error_code ec;
          co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
      },
      [core = core_](std::exception_ptr e) {
        if (e) log::error("outbox: the sender loop ended with an exception");
        core->running = false;
      });
}

void OutboxSender::stop() { core_->stopping = true; }

bool OutboxSender::running() const { return core_->running; }

asio::awaitable<OutboxPass> OutboxSender::send_due() {
  OutboxPass p = co_await core_->pass();
  co_return p;
}

asio::awaitable<Result<void>> OutboxSender::release_leases() {
  Result<void> r = co_await core_->release();
  co_return r;
}

}  // namespace wharf::outreach
