#include "oauth/form_encoding.h"

#include "core/encoding.h"

namespace wharf::oauth {

std::string form_encode(const FormParams& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += form_urlencode(name);
    out += '=';
    out += form_urlencode(value);
  }
  return out;
}

}  // namespace wharf::oauth
