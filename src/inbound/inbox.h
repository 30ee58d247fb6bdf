// The inbox: POST /webhooks/<source>. Verifies the signature over the raw body, splits the body
// into events, hands them to the Store's group commit and answers only once they are durable:
// 200 {"status":"ok"|"duplicate","id":...}; 401/400/404/405 with {"error":...}; 503 +
// Retry-After when storage cannot take the write. Never waits for dispatch. Thread-safe; runs on
// the I/O threads and never blocks them.
#pragma once

#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "http/types.h"
#include "inbound/source.h"
#include "observe/health.h"
#include "store/store.h"

namespace wharf::observe {
class Registry;
class Counter;
class Histogram;
}  // namespace wharf::observe

namespace wharf::inbound {

class Inbox {
 public:
  // `health` (optional, must outlive the inbox) counts each source's outcomes for
  // GET /api/v1/integrations: a stored or duplicate event is a success; a rejected signature, a
  // malformed body or storage that cannot take the write is a failure.
  Inbox(std::vector<Source> sources, store::Store& store, const Clock& clock,
        observe::Registry& metrics, observe::HealthTracker* health = nullptr);
  ~Inbox();

  // Handles a request whose target is /webhooks/<source_name>.
  boost::asio::awaitable<http::Response> handle(http::Request& req, std::string_view source_name);

 private:
  struct SourceState;
  std::unordered_map<std::string, std::unique_ptr<SourceState>> sources_;
  store::Store& store_;
  const Clock& clock_;
  observe::Counter& unknown_source_;
};

}  // namespace wharf::inbound
