// The SQLite schema as numbered migrations, applied in order at open. Never edit a migration that
// has shipped: add the next number.
#pragma once

#include <string_view>
#include <vector>

namespace wharf::store::sqlite {

struct Migration {
  int version;
  std::string_view sql;
};

const std::vector<Migration>& migrations();

}  // namespace wharf::store::sqlite
