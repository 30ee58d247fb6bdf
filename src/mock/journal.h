// The requests the simulator received (provider routes only, not /_mock/), newest last, so tests
// can assert on what arrived: every retry with its Idempotency-Key, what a fault answered.
// Bounded: beyond `capacity` the oldest entries are dropped. Thread-safe (internal mutex).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "http/types.h"
#include "mock/route_pattern.h"

namespace wharf::mock {

class Journal {
 public:
  explicit Journal(std::size_t capacity = 10'000) : capacity_(capacity) {}

  // Records a request as it arrives; returns its sequence number for record_outcome().
  std::int64_t record(const http::Request& req, std::string_view path, std::string_view query,
                      std::int64_t now_ms);
  // Adds what the request got: the status (0 for none: reset or timeout), and `outcome` fields
  // such as {"fault": 3} or {"idempotent_replayed": true}. No-op when the entry is gone.
  void record_outcome(std::int64_t seq, int status, const boost::json::object& outcome = {});
  // Entries matching `route` (all when nullopt), oldest first: {seq, time_ms, method, path,
  // query, headers, body, status, ...outcome}.
  boost::json::array list(const std::optional<RoutePattern>& route) const;
  std::size_t clear();

 private:
  struct Entry {
    std::int64_t seq;
    std::string method;
    std::string path;
    boost::json::object json;
  };
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::deque<Entry> entries_;  // guarded by mu_
  std::int64_t next_seq_ = 1;  // guarded by mu_
};

}  // namespace wharf::mock
