#include "core/uniform01.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "core/crypto.h"

namespace wharf {

Uniform01 seeded_uniform01() {
  struct State {
    std::mutex mutex;
    std::mt19937_64 engine;
  };
  auto state = std::make_shared<State>();
  std::string seed = crypto::random_bytes(sizeof(std::uint64_t));
  std::uint64_t seed_value = 0;
  std::memcpy(&seed_value, seed.data(), sizeof seed_value);
  state->engine.seed(seed_value);
  return [state] {
    std::lock_guard lock(state->mutex);
    return std::uniform_real_distribution<double>(0.0, 1.0)(state->engine);
  };
}

}  // namespace wharf
