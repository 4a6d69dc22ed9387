// Behaviour of padding, norms and diagonals that gradcheck cannot see: PyTorch's gradients at the
// points where a norm is not differentiable (zero norms, ties of the inf-norms), exact padded values,
// and diagonal being a view.
#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace {

namespace F = tg::nn::functional;

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<double> values(const tg::Tensor& t) { return t.to_vector<double>(); }

tg::Tensor leaf(std::vector<double> data) {
  const auto n = static_cast<std::int64_t>(data.size());
  return tg::tensor(data, {n}, tg::dtype(tg::kFloat64)).requires_grad_();
}

std::vector<double> norm_gradient(std::vector<double> data, double p) {
  tg::Tensor x = leaf(std::move(data));
  tg::linalg::vector_norm(x, p).backward();
  return values(x.grad());
}

TEST(NormGradient, IsZeroWhereTheNormIsZero) {
  for (double p : {2.0, 3.0, 0.5, 1.0, kInf, -kInf, -1.0})
    EXPECT_EQ(norm_gradient({0, 0, 0}, p), (std::vector<double>{0, 0, 0})) << "p = " << p;
}

TEST(NormGradient, ZeroElementsGetZeroGradientForEveryP) {
  // PyTorch 1.13: torch.norm([1, -3, 3, 0], p).backward()
  EXPECT_EQ(norm_gradient({1, -3, 3, 0}, 1), (std::vector<double>{1, -1, 1, 0}));
  const std::vector<double> half = norm_gradient({1, -3, 3, 0}, 0.5);
  EXPECT_NEAR(half[0], 4.464101615137754, 1e-12);
  EXPECT_NEAR(half[1], -2.577350269189626, 1e-12);
  EXPECT_EQ(half[3], 0.0);
  EXPECT_EQ(norm_gradient({1, -3, 3, 0}, -1), (std::vector<double>{0, 0, 0, 0}));
  EXPECT_EQ(norm_gradient({1, -3, 3, 0}, 0), (std::vector<double>{0, 0, 0, 0}));
}

TEST(NormGradient, InfNormTiesShareTheGradientEvenly) {
  EXPECT_EQ(norm_gradient({1, -3, 3, 0}, kInf), (std::vector<double>{0, -0.5, 0.5, 0}));
  EXPECT_EQ(norm_gradient({-2, 1, -1, 4}, -kInf), (std::vector<double>{0, 0.5, -0.5, 0}));
}

TEST(NormGradient, SecondDerivativeAtZeroIsFinite) {
  for (double p : {2.0, 3.0, 0.5}) {
    tg::Tensor x = leaf({0, 0, 0});
    tg::Tensor g = tg::autograd::grad({tg::linalg::vector_norm(x, p)}, {x}, {}, std::nullopt, true)[0];
    EXPECT_EQ(values(g), (std::vector<double>{0, 0, 0})) << "p = " << p;
    g.sum().backward();
    for (double v : values(x.grad())) EXPECT_TRUE(std::isfinite(v)) << "p = " << p;
  }
}

TEST(Padding, ModesGivePyTorchValues) {
  tg::Tensor x = tg::arange(1.0, 7.0).view({1, 2, 3});
  EXPECT_EQ(values(F::pad(x, F::PadFuncOptions({2, 1}).mode(tg::kCircular))),
            (std::vector<double>{2, 3, 1, 2, 3, 1, 5, 6, 4, 5, 6, 4}));
  EXPECT_EQ(values(F::pad(x, F::PadFuncOptions({1, 2}).mode(tg::kReplicate))),
            (std::vector<double>{1, 1, 2, 3, 3, 3, 4, 4, 5, 6, 6, 6}));
  EXPECT_EQ(values(F::pad(x, F::PadFuncOptions({2, 2}).mode(tg::kReflect))),
            (std::vector<double>{3, 2, 1, 2, 3, 2, 1, 6, 5, 4, 5, 6, 5, 4}));
  EXPECT_EQ(values(tg::constant_pad_nd(x, {-1, 1}, 9)), (std::vector<double>{2, 3, 9, 5, 6, 9}));
}

TEST(Padding, IntegerTensorsPadWithoutGradients) {
  tg::Tensor x = tg::tensor(std::vector<std::int64_t>{1, 2}, {2});
  tg::Tensor y = tg::constant_pad_nd(x, {1, 0}, 7);
  EXPECT_EQ(y.dtype(), tg::kInt64);
  EXPECT_EQ(y.to_vector<std::int64_t>(), (std::vector<std::int64_t>{7, 1, 2}));
}

TEST(Padding, ValueWithANonConstantModeIsAnError) {
  tg::Tensor x = tg::ones({1, 2, 3});
  try {
    F::pad(x, F::PadFuncOptions({1, 1}).mode(tg::kReflect).value(1.0));
    FAIL() << "expected tg::Error";
  } catch (const tg::Error& error) {
    EXPECT_NE(std::string(error.what()).find("Padding mode \"reflect\" doesn't take in value argument"),
              std::string::npos)
        << error.what();
  }
}

TEST(Diagonal, IsAViewAndDiagEmbedPlacesValues) {
  tg::Tensor m = tg::arange(9.0).view({3, 3});
  tg::Tensor d = m.diagonal();
  EXPECT_EQ(tg::detail::impl_of(d)->storage, tg::detail::impl_of(m)->storage);
  EXPECT_EQ(values(d), (std::vector<double>{0, 4, 8}));
  EXPECT_EQ(values(m.diagonal(1)), (std::vector<double>{1, 5}));
  d.fill_(-1.0);
  EXPECT_EQ(m[1][1].item<double>(), -1.0);
  EXPECT_EQ(values(tg::diag_embed(tg::tensor({1.0, 2.0}, {2}), -1)),
            (std::vector<double>{0, 0, 0, 1, 0, 0, 0, 2, 0}));
  EXPECT_EQ(values(tg::einsum("ii", {tg::arange(9.0).view({3, 3})})), (std::vector<double>{12}));
}

}  // namespace
