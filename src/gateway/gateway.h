// The composition root of `wharf serve`: opens the store, builds the inbox, the dispatcher and
// the admin API, routes HTTP targets to them, runs the I/O threads, and drains on SIGTERM/SIGINT
// (stop accepting, finish in-flight requests, let attempts in flight finish, complete every
// queued commit, exit). Owns every long-lived object.
#pragma once

#include "gateway/config.h"

namespace wharf::gateway {

// Runs until SIGTERM/SIGINT. Returns the process exit code: 0 after a clean drain, 1 when
// start-up fails (the reason is logged). `handlers` are the ones `config` was checked against,
// `apps` the applications it configured: their schemas are migrated with the store's, and they
// are started before the dispatcher and stopped after it.
int serve(GatewayConfig config, const dispatch::HandlerRegistry& handlers, Applications apps = {});

}  // namespace wharf::gateway
