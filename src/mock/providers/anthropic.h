// The simulated Anthropic: POST /v1/messages, a Messages API response, or with "stream": true the
// whole text/event-stream (message_start ... message_stop) in one body: http::Server writes a
// response at once, so the events arrive together rather than one by one.
#pragma once

#include <memory>

#include "mock/provider.h"

namespace wharf::mock {

std::unique_ptr<Provider> make_anthropic_provider(IdSource& ids);

}  // namespace wharf::mock
