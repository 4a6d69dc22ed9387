// Where PyTorch's gradient is exactly zero, tapegrad's is too: a zero .grad on the leaf (not an
// undefined one), and no NaN from 0 * inf. Expected values from PyTorch 1.13.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace {

using ::testing::ElementsAre;
using tg::Tensor;

Tensor leaf(std::initializer_list<double> values, tg::IntArrayRef sizes) {
  return tg::tensor(values, sizes, tg::TensorOptions(tg::kFloat64).requires_grad(true));
}

std::vector<double> grad_of(const Tensor& x) {
  EXPECT_TRUE(x.grad().defined());
  return x.grad().defined() ? x.grad().to_vector<double>() : std::vector<double>{};
}

// x = [[1, 1], [1, 3]]; x.std(1).sum().backward(): the constant row gets 0, not NaN.
TEST(ZeroGradients, StdOfAConstantSlice) {
  const Tensor x = leaf({1, 1, 1, 3}, {2, 2});
  tg::std(x, tg::IntArrayRef{1}, true, false).sum().backward();
  const std::vector<double> grad = grad_of(x);
  EXPECT_EQ(grad[0], 0.0);
  EXPECT_EQ(grad[1], 0.0);
  EXPECT_NEAR(grad[2], -0.7071067811865476, 1e-15);
  EXPECT_NEAR(grad[3], 0.7071067811865476, 1e-15);
  x.grad().zero_();
  tg::std(x.select(0, 0)).backward();
  EXPECT_THAT(grad_of(x), ElementsAre(0, 0, 0, 0));
}

// torch.addmm(a, m, m, beta=0): self's values are ignored, its gradient is zeros.
TEST(ZeroGradients, AddmmWithBetaZeroIgnoresSelf) {
  const Tensor self = leaf({NAN, 1, 2, 3}, {2, 2});
  const Tensor m = tg::tensor({1.0, 2.0, 3.0, 4.0}, {2, 2}, tg::kFloat64);
  const Tensor out = tg::addmm(self, m, m, 0, 1);
  EXPECT_THAT(out.to_vector<double>(), ElementsAre(7, 10, 15, 22));
  out.sum().backward();
  EXPECT_THAT(grad_of(self), ElementsAre(0, 0, 0, 0));
  const Tensor bias = leaf({1, 2}, {2});  // broadcast self
  tg::addmm(bias, m, m, 0).sum().backward();
  EXPECT_THAT(grad_of(bias), ElementsAre(0, 0));
}

// torch.div(b, c, rounding_mode='floor'|'trunc') is piecewise constant: zero gradients for both.
TEST(ZeroGradients, DivisionWithARoundingMode) {
  for (const char* mode : {"floor", "trunc"}) {
    const Tensor b = leaf({3, -5}, {2});
    const Tensor c = leaf({2}, {1});
    const Tensor q = tg::div(b, c, mode);
    EXPECT_THAT(q.to_vector<double>(), ElementsAre(1, std::string(mode) == "floor" ? -3 : -2));
    q.sum().backward();
    EXPECT_THAT(grad_of(b), ElementsAre(0, 0));
    EXPECT_THAT(grad_of(c), ElementsAre(0));
  }
}

}  // namespace
