// The simulated Apollo: POST /v1/mixed_people/search (and /api/v1/...): a page of people and
// pagination; the key comes from the JSON body's api_key or X-Api-Key, 401 without one.
#pragma once

#include <memory>

#include "mock/provider.h"

namespace wharf::mock {

std::unique_ptr<Provider> make_apollo_provider(IdSource& ids);

}  // namespace wharf::mock
