// Glob patterns: routes (`source: stripe`, `types: ["invoice.*"]`) and the simulator's fault rules.
// Pure functions; safe to call from any thread.
#pragma once

#include <string_view>

namespace wharf {

// True when `text` matches `pattern` as a whole. `*` matches any run of characters, including
// none and including dots (`invoice.*` matches `invoice.payment.failed`); `?` matches exactly one
// character; every other character matches itself, case-sensitively. There is no escape, no
// character class and no brace alternation. Runs in O(pattern.size() * text.size()) time at worst
// and constant space, so a hostile pattern such as `a*a*a*…b` cannot cause exponential work.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace wharf
