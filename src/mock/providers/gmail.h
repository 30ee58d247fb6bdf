// The simulated Gmail API: POST /gmail/v1/users/{userId}/messages/send with a bearer token and
// {"raw": base64url RFC 2822 message, "threadId"?} answers {"id","threadId","labelIds":["SENT"]};
// 401 UNAUTHENTICATED without a token, 400 INVALID_ARGUMENT when raw is missing, is not base64url,
// or the message names no recipient (To, Cc or Bcc).
#pragma once

#include <memory>

#include "mock/provider.h"

namespace wharf::mock {

std::unique_ptr<Provider> make_gmail_provider(IdSource& ids);

}  // namespace wharf::mock
