// The composition root of `wharf serve`: opens the store, builds the inbox and admin API, routes
// HTTP targets to them, runs the I/O threads, and drains on SIGTERM/SIGINT (stop accepting,
// finish in-flight requests, complete every queued commit, exit). Owns every long-lived object.
#pragma once

#include "gateway/config.h"

namespace wharf::gateway {

// Runs until SIGTERM/SIGINT. Returns the process exit code: 0 after a clean drain, 1 when
// start-up fails (the reason is logged).
int serve(GatewayConfig config);

}  // namespace wharf::gateway
