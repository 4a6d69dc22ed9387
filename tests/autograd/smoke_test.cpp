#include <gtest/gtest.h>

#include <tapegrad/tapegrad.hpp>

TEST(Smoke, MulBackward) {
  tg::Tensor w = tg::tensor({1.0, 2.0, 3.0}, {3}, tg::dtype(tg::kFloat64).requires_grad(true));
  (w * w).sum().backward();
  EXPECT_EQ(w.grad().to_vector<double>(), (std::vector<double>{2, 4, 6}));
}
