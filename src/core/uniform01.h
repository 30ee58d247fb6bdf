// Randomness for jitter as an injectable value: production code takes a Uniform01 (default
// seeded_uniform01()), tests pass a function returning fixed draws. Not for secrets: keys and
// tokens come from crypto::random_bytes.
#pragma once

#include <functional>

namespace wharf {

// A uniform draw from [0, 1].
using Uniform01 = std::function<double()>;

// Uniform draws from [0, 1) from a std::mt19937_64 seeded with 64 bits of the CSPRNG
// (crypto::random_bytes). Thread-safe: a mutex guards the generator, shared between copies.
Uniform01 seeded_uniform01();

}  // namespace wharf
