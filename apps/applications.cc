#include "applications.h"

#include "outreach/application.h"

namespace wharf::apps {

std::vector<std::unique_ptr<dispatch::Application>> builtin_applications() {
  std::vector<std::unique_ptr<dispatch::Application>> out;
  out.push_back(outreach::make_application());
  return out;
}

}  // namespace wharf::apps
