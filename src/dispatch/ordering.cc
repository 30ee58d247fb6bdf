#include "dispatch/ordering.h"

namespace wharf::dispatch {

Result<bool> apply_if_newer(store::Transaction& txn, std::string_view object_key,
                            std::int64_t event_time_ms, std::string_view event_id) {
  // One statement: insert, or move forward only when strictly newer. Event ids have a fixed
  // width, so comparing them as text orders them like their numbers.
  auto changed = txn.execute(
      "INSERT INTO object_versions(object_key, event_time, event_id) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(object_key) DO UPDATE SET event_time = excluded.event_time, "
      "event_id = excluded.event_id WHERE excluded.event_time > object_versions.event_time OR "
      "(excluded.event_time = object_versions.event_time AND "
      "excluded.event_id > object_versions.event_id)",
      {std::string(object_key), event_time_ms, std::string(event_id)});
  if (!changed) return changed.error();
  return *changed > 0;
}

}  // namespace wharf::dispatch
