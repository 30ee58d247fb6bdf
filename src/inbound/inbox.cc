#include "inbound/inbox.h"

#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>
#include <chrono>

#include "core/log.h"
#include "http/response.h"
#include "observe/metrics.h"

namespace wharf::inbound {
namespace {

class BeastRequestView final : public RequestView {
 public:
  explicit BeastRequestView(const http::Request& req) : req_(req) {}
  std::string_view header(std::string_view name) const override { return req_[name]; }
  std::string_view body() const override { return req_.body(); }

 private:
  const http::Request& req_;
};

constexpr const char* kRequestsHelp = "Webhook requests by source and outcome";
// One request may carry at most this many events (a SendGrid batch): beyond it the request is
// refused with 413, so one body cannot hold the single writer with a huge transaction.
constexpr std::size_t kMaxEventsPerRequest = 10'000;

}  // namespace

// Per-source counters, created once so the hot path touches only atomics.
struct Inbox::SourceState {
  SourceState(Source s, observe::Registry& m)
      : source(std::move(s)),
        stored(req(m, "stored")),
        duplicate(req(m, "duplicate")),
        rejected(req(m, "rejected_signature")),
        malformed(req(m, "malformed")),
        unavailable(req(m, "unavailable")),
        wrong_method(req(m, "method_not_allowed")),
        challenge(req(m, "challenge")),
        too_many_events(req(m, "too_many_events")),
        events_stored(m.counter("wharf_webhook_events_total", "Inbound events by source and result",
                                {{"source", source.name}, {"result", "stored"}})),
        events_duplicate(m.counter("wharf_webhook_events_total",
                                   "Inbound events by source and result",
                                   {{"source", source.name}, {"result", "duplicate"}})),
        latency(m.histogram("wharf_webhook_ingest_seconds",
                            "Time from request read to durable ack, by source",
                            {{"source", source.name}}, observe::latency_buckets())) {
    for (auto reason : {VerifyFailure::Reason::kMissing, VerifyFailure::Reason::kMalformed,
                        VerifyFailure::Reason::kMismatch, VerifyFailure::Reason::kTimestamp,
                        VerifyFailure::Reason::kReplayed}) {
      verify_failures[static_cast<int>(reason)] =
          &m.counter("wharf_webhook_verification_failures_total",
                     "Signature verification failures by source and reason",
                     {{"source", source.name}, {"reason", std::string(reason_label(reason))}});
    }
  }

  observe::Counter& req(observe::Registry& m, const char* outcome) {
    return m.counter("wharf_webhook_requests_total", kRequestsHelp,
                     {{"source", source.name}, {"outcome", outcome}});
  }

  Source source;
  observe::Counter &stored, &duplicate, &rejected, &malformed, &unavailable, &wrong_method,
      &challenge, &too_many_events;
  observe::Counter &events_stored, &events_duplicate;
  observe::Histogram& latency;
  observe::Counter* verify_failures[5] = {};
  observe::HealthTracker::Entry* health = nullptr;  // optional

  void healthy() {
    if (health) health->success();
  }
  void unhealthy(std::string_view why) {
    if (health) health->failure(why);
  }
};

Inbox::Inbox(std::vector<Source> sources, store::Store& store, const Clock& clock,
             observe::Registry& metrics, observe::HealthTracker* health)
    : store_(store),
      clock_(clock),
      unknown_source_(metrics.counter("wharf_webhook_unknown_source_total",
                                      "Webhook requests for a source that is not configured")) {
  for (auto& s : sources) {
    std::string name = s.name;
    auto state = std::make_unique<SourceState>(std::move(s), metrics);
    if (health) state->health = &health->entry("source", name);
    sources_.emplace(std::move(name), std::move(state));
  }
}

Inbox::~Inbox() = default;

boost::asio::awaitable<http::Response> Inbox::handle(http::Request& req,
                                                     std::string_view source_name) {
  auto started = std::chrono::steady_clock::now();
  auto it = sources_.find(std::string(source_name));
  if (it == sources_.end()) {
    unknown_source_.inc();
    co_return http::json_error(http::Status::not_found, "unknown source");
  }
  SourceState& st = *it->second;
  if (req.method() != http::Verb::post) {
    st.wrong_method.inc();
    auto res = http::json_error(http::Status::method_not_allowed, "use POST");
    res.set(boost::beast::http::field::allow, "POST");
    co_return res;
  }

  BeastRequestView view(req);
  if (auto failure = st.source.verifier->verify(view, clock_.now_s())) {
    st.rejected.inc();
    st.verify_failures[static_cast<int>(failure->reason)]->inc();
    st.unhealthy("signature rejected: " + std::string(reason_label(failure->reason)));
    co_return http::json_error(http::Status::unauthorized, failure->message);
  }
  auto parsed = st.source.verifier->parse(view);
  if (!parsed) {
    st.malformed.inc();
    st.unhealthy("malformed body");
    co_return http::error_response(parsed.error());
  }
  if (parsed->events.size() > kMaxEventsPerRequest) {
    st.too_many_events.inc();
    st.unhealthy("too many events in one request");
    co_return http::json_error(
        http::Status::payload_too_large,
        "too many events in one request (at most " + std::to_string(kMaxEventsPerRequest) + ")");
  }
  if (parsed->reply_json) {
    st.challenge.inc();
    st.healthy();
    co_return http::text_response(http::Status::ok, std::move(*parsed->reply_json),
                                  "application/json");
  }

  std::int64_t now_ms = clock_.now_ms();
  std::string content_type(req[boost::beast::http::field::content_type]);
  std::vector<store::NewEvent> events;
  events.reserve(parsed->events.size());
  for (auto& p : parsed->events) {
    events.push_back(store::NewEvent{
        st.source.name, std::move(p.provider_event_id), std::move(p.type), std::move(p.payload),
        p.content_type.empty() ? content_type : std::move(p.content_type), now_ms,
        std::move(p.replay_nonce)});
  }
  bool batch = parsed->batch || events.size() != 1;

  store::IngestResult result = std::vector<store::IngestOutcome>{};
  if (!events.empty()) {
    result = co_await store::async_submit(store_, std::move(events), boost::asio::use_awaitable);
  }
  if (!result) {
    st.unavailable.inc();
    st.unhealthy("storage unavailable");
    co_return http::json_error(http::Status::service_unavailable,
                               "storage unavailable: event not stored, retry later");
  }

  for (const auto& o : *result) {
    if (o.replayed) {
      st.rejected.inc();
      st.verify_failures[static_cast<int>(VerifyFailure::Reason::kReplayed)]->inc();
      st.unhealthy("signature replayed");
      co_return http::json_error(http::Status::unauthorized,
                                 "signature already used by another event (replay)");
    }
  }
  std::size_t duplicates = 0;
  const std::string* first_new = nullptr;
  boost::json::array ids;
  for (const auto& o : *result) {
    ids.emplace_back(o.id);
    if (o.duplicate) {
      ++duplicates;
      st.events_duplicate.inc();
    } else {
      st.events_stored.inc();
      if (!first_new) first_new = &o.id;
    }
  }
  bool all_duplicates = !result->empty() && duplicates == result->size();
  (all_duplicates ? st.duplicate : st.stored).inc();
  st.healthy();
  boost::json::object body;
  body["status"] = all_duplicates ? "duplicate" : "ok";
  if (first_new)
    body["id"] = *first_new;
  else if (!result->empty())
    body["id"] = result->front().id;
  else
    body["id"] = nullptr;
  if (batch) {
    body["ids"] = std::move(ids);
    body["duplicates"] = duplicates;
  }
  st.latency.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return http::json_response(http::Status::ok, body);
}

}  // namespace wharf::inbound
