// What the outreach handlers share: the settings (filled by Application::configure before any
// handler runs) and the counters. Owned by the application; read-only once configured.
#pragma once

#include "outreach/metrics.h"
#include "outreach/settings.h"

namespace wharf::outreach {

struct Context {
  Settings settings;
  Metrics metrics;
};

}  // namespace wharf::outreach
