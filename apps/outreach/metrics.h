// The outreach application's counters (docs/outreach.md, "Metrics"): events that matched no
// record, events skipped because a newer one was already applied, and the API's sends. Counted once
// bound to the gateway's registry (Application::start); before that, and in tests that do not bind,
// they are kept only in log lines. Thread-safe.
#pragma once

#include <atomic>
#include <string_view>

#include "observe/metrics.h"

namespace wharf::outreach {

class Metrics {
 public:
  void bind(observe::Registry& registry) { registry_.store(&registry); }

  // wharf_outreach_unmatched_events_total{source, reason}: an event for an outreach, user or
  // message wharf does not know (reason: no_outreach_id, unknown_outreach, unknown_customer,
  // no_match, ...).
  void unmatched(std::string_view source, std::string_view reason) const {
    if (auto* r = registry_.load()) {
      r->counter("wharf_outreach_unmatched_events_total",
                 "Outreach events that matched no record (logged, then marked done)",
                 {{"source", std::string(source)}, {"reason", std::string(reason)}})
          .inc();
    }
  }
  // wharf_outreach_stale_events_total{source}: an event older than one already applied.
  void stale(std::string_view source) const {
    if (auto* r = registry_.load()) {
      r->counter("wharf_outreach_stale_events_total",
                 "Outreach events skipped because a newer one was already applied",
                 {{"source", std::string(source)}})
          .inc();
    }
  }
  // wharf_outreach_sends_total{outcome}: outreach sends through the API: `sent`, `failed` (the
  // provider call failed; the credit was given back), or the refusal's reason (`no_credits`,
  // `contact_opted_out`, ...).
  void send_outcome(std::string_view outcome) const {
    if (auto* r = registry_.load()) {
      r->counter("wharf_outreach_sends_total", "Outreach sends through the API, by outcome",
                 {{"outcome", std::string(outcome)}})
          .inc();
    }
  }

 private:
  std::atomic<observe::Registry*> registry_{nullptr};
};

}  // namespace wharf::outreach
