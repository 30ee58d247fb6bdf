// The simulated Stripe: POST /v1/customers, POST /v1/subscriptions, POST /v1/subscriptions/{id}
// (form bodies), Stripe errors and Idempotency-Key replays (same key and body: the first response
// again, with Idempotent-Replayed: true; same key, other body: 400 idempotency_error).
#pragma once

#include <memory>

#include "mock/provider.h"

namespace wharf::mock {

std::unique_ptr<Provider> make_stripe_provider(IdSource& ids);

}  // namespace wharf::mock
