#include "store/connections.h"

namespace wharf::store {

std::string secret_context(std::string_view connection_id, std::string_view column) {
  std::string context = "connections/";
  context += connection_id;
  context += '/';
  context += column;
  return context;
}

Result<std::optional<ConnectionRecord>> InMemoryConnectionStore::get(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = rows_.find(id);
  if (it == rows_.end()) return std::optional<ConnectionRecord>();
  return std::optional<ConnectionRecord>(it->second);
}

Result<std::vector<ConnectionRecord>> InMemoryConnectionStore::list() {
  std::lock_guard lock(mu_);
  std::vector<ConnectionRecord> all;
  for (const auto& [id, r] : rows_) all.push_back(r);
  return all;
}

Result<std::optional<std::int64_t>> InMemoryConnectionStore::put(const ConnectionRecord& record,
                                                                 std::int64_t expected_version) {
  std::lock_guard lock(mu_);
  auto it = rows_.find(record.id);
  const std::int64_t current = it == rows_.end() ? 0 : it->second.version;
  if (current != expected_version) return std::optional<std::int64_t>();
  ConnectionRecord stored = record;
  stored.version = expected_version + 1;
  rows_.insert_or_assign(record.id, std::move(stored));
  return std::optional<std::int64_t>(expected_version + 1);
}

Result<bool> InMemoryConnectionStore::remove(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = rows_.find(id);
  if (it == rows_.end()) return false;
  rows_.erase(it);
  return true;
}

}  // namespace wharf::store
