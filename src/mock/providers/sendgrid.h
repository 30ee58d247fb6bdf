// The simulated SendGrid: POST /v3/mail/send (202, empty body, X-Message-Id; 400 with SendGrid's
// {"errors":[...]} when personalizations or from is missing; 401 without a bearer key).
#pragma once

#include <memory>

#include "mock/provider.h"

namespace wharf::mock {

std::unique_ptr<Provider> make_sendgrid_provider(IdSource& ids);

}  // namespace wharf::mock
