#include "core/uniform01.h"

#include <gtest/gtest.h>

namespace wharf {
namespace {

TEST(SeededUniform01, DrawsFromTheUnitInterval) {
  Uniform01 u = seeded_uniform01();
  for (int i = 0; i < 1'000; ++i) {
    double x = u();
    EXPECT_GE(x, 0.0);
    EXPECT_LT(x, 1.0);
  }
}

TEST(SeededUniform01, SeededSourcesDifferBetweenInstances) {
  Uniform01 a = seeded_uniform01();
  Uniform01 b = seeded_uniform01();
  EXPECT_NE(a(), b());
}

}  // namespace
}  // namespace wharf
