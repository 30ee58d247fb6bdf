// The outreach application's tables (docs/outreach.md), as numbered migrations run after the
// engine's (store::AppSchema). Never edit a migration that has shipped: add the next number.
#pragma once

#include "store/store.h"

namespace wharf::outreach {

store::AppSchema schema();

}  // namespace wharf::outreach
