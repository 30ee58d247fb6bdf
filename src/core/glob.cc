#include "core/glob.h"

#include <cstddef>

namespace wharf {

bool glob_match(std::string_view pattern, std::string_view text) {
  constexpr std::size_t kNone = std::string_view::npos;
  std::size_t p = 0;
  std::size_t t = 0;
  // Only the most recent `*` is ever retried. Once a later `*` has matched, any way of matching
  // the text that moves an earlier `*` can be had by moving the later one instead, so forgetting
  // the earlier star loses no match; this is what keeps the work polynomial.
  std::size_t star = kNone;
  std::size_t star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != kNone) {
      p = star + 1;  // let the star swallow one more character and try again
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace wharf
