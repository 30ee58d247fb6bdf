// The simulated Anthropic: POST /v1/messages, a Messages API response, or with "stream": true a
// text/event-stream (message_start, content_block_start, ping, content_block_delta (one per word),
// content_block_stop, message_delta, message_stop) as one body, which the Simulator sends one
// event per chunk, a pause apart, when the server can stream.
#pragma once

#include <memory>

#include "mock/provider.h"

namespace wharf::mock {

std::unique_ptr<Provider> make_anthropic_provider(IdSource& ids);

}  // namespace wharf::mock
