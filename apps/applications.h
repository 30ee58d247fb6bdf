// The applications built into this binary (dispatch/application.h), in start-up order: the one
// place that names them. The engine (src/) never includes this; the CLI, the composition root of
// the binary, hands the list to the gateway.
#pragma once

#include <memory>
#include <vector>

#include "dispatch/application.h"

namespace wharf::apps {

std::vector<std::unique_ptr<dispatch::Application>> builtin_applications();

}  // namespace wharf::apps
