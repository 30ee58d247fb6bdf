// The simulated Slack: POST /api/chat.postMessage (JSON or form):
// {"ok":true,"channel","ts","message"}, or HTTP 200 with {"ok":false,"error":"not_authed"} without
// a token (Slack's convention).
#pragma once

#include <memory>

#include "mock/provider.h"

namespace wharf::mock {

std::unique_ptr<Provider> make_slack_provider(IdSource& ids);

}  // namespace wharf::mock
