// What the outreach handlers share: the settings (filled by Application::configure before any
// handler runs) and the counters. Owned by the application; read-only once configured.
#pragma once

#include <atomic>

#include "outreach/metrics.h"
#include "outreach/settings.h"

namespace wharf::outreach {

// Tells the outbox sender that a handler queued a message: set inside the handler's
// transaction, read by the sender, whose claim runs in a later writer job and so sees the row
// once it committed. Thread-safe.
class OutboxSignal {
 public:
  void notify() const { due_.store(true, std::memory_order_release); }
  // True once after one or more notify().
  bool take() const { return due_.exchange(false, std::memory_order_acq_rel); }

 private:
  mutable std::atomic<bool> due_{false};
};

struct Context {
  Settings settings;
  Metrics metrics;
  OutboxSignal outbox;
};

}  // namespace wharf::outreach
