// The simulated NeverBounce (API v4): bulk jobs (POST /v4/jobs/create, /v4/jobs/start,
// GET|POST /v4/jobs/status, /v4/jobs/results) and GET|POST /v4/single/check. The API key is the
// `key` parameter (query, JSON body or form). As NeverBounce does, failures are HTTP 200 with
// {"status":"auth_failure"|"general_failure","message"}. Results are a function of the address:
// a local part containing "invalid", "disposable", "catchall" or "unknown" gets that result, an
// address without one '@' and a dot in its domain is invalid, everything else is valid.
#pragma once

#include <memory>

#include "mock/provider.h"

namespace wharf::mock {

std::unique_ptr<Provider> make_neverbounce_provider(IdSource& ids);

}  // namespace wharf::mock
