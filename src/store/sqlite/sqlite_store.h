// The SQLite engine of Store: one database file in WAL mode with synchronous=FULL.
// One writer thread owns the write connection and performs group commit: it takes every queued
// submission (up to max_batch_events), inserts them in one transaction, commits (one fsync), then
// completes every submitter. Reads use a pool of read-only connections (WAL lets them run beside
// the writer). Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace wharf::store::sqlite {

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const StoreOptions& options);

}  // namespace wharf::store::sqlite
