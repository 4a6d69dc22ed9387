// A program written the way libtorch code is written, compiled against tapegrad with one line:
// `namespace torch = tg;`. Everything below it uses torch:: spellings only (nested lists, x[i],
// index({Slice(), ...}), allclose, Variable, kBool masks, devices, promotion), with values checked
// against what libtorch 1.13 computes for the same program.
#include <cmath>
#include <gtest/gtest.h>
#include <optional>

#include <tapegrad/tapegrad.hpp>

namespace torch = tg;

namespace {

using torch::indexing::Ellipsis;
using torch::indexing::None;
using torch::indexing::Slice;

TEST(LibtorchStyle, TensorMathCompilesAndComputesLikeLibtorch) {
  torch::manual_seed(0);
  torch::Device device(torch::cuda::is_available() ? torch::kCUDA : torch::kCPU);
  auto x = torch::tensor({{1., 2., 3.}, {4., 5., 6.}}, torch::dtype(torch::kFloat64).device(device));
  EXPECT_EQ(x.scalar_type(), torch::kDouble);
  EXPECT_EQ(x.ndimension(), 2);
  EXPECT_TRUE(x.device().is_cpu());

  // x[i], x[i][j], index({Slice(), 0}), "..." and None
  EXPECT_EQ(x[1][2].item<double>(), 6.0);
  EXPECT_TRUE(torch::allclose(x.index({Slice(), 0}), torch::tensor({1., 4.}, torch::kDouble)));
  EXPECT_EQ(x.index({Ellipsis, None}).sizes(), torch::IntArrayRef({2, 3, 1}));
  EXPECT_TRUE(
      torch::equal(x.index({Slice(None, None, 2), Slice(1)}), torch::tensor({{2., 3.}}, torch::kDouble)));

  // masks and comparisons give kBool; where/masked_fill keep the math in one expression
  auto mask = x > 2.5;
  EXPECT_EQ(mask.scalar_type(), torch::kBool);
  EXPECT_EQ(mask.sum().item<int64_t>(), 4);
  auto clipped = torch::where(mask, x, torch::zeros_like(x));
  EXPECT_TRUE(torch::allclose(clipped, torch::tensor({{0., 0., 3.}, {4., 5., 6.}}, torch::kDouble)));
  EXPECT_TRUE(torch::allclose(x.masked_fill(x < 2, -1.0),
                              torch::tensor({{-1., 2., 3.}, {4., 5., 6.}}, torch::kDouble)));

  // integer tensors and promotion: int64 + float -> float, int / int -> float
  auto counts = torch::tensor({{1, 2}, {3, 4}});
  EXPECT_EQ(counts.scalar_type(), torch::kLong);
  EXPECT_EQ((counts + 0.5).scalar_type(), torch::kFloat);
  EXPECT_EQ((counts / 2).scalar_type(), torch::kFloat);
  EXPECT_EQ((counts * 2).scalar_type(), torch::kLong);
  EXPECT_EQ(torch::randint(10, {3, 3}).scalar_type(), torch::kLong);

  auto grid = torch::linspace(0, 1, 5);
  EXPECT_TRUE(torch::allclose(grid, torch::tensor({0., 0.25, 0.5, 0.75, 1.})));
  auto scores = torch::matmul(torch::ones({2, 4, 3, 8}), torch::ones({2, 4, 8, 5}));
  EXPECT_EQ(scores.sizes(), torch::IntArrayRef({2, 4, 3, 5}));
  EXPECT_EQ(scores.max().item<float>(), 8.f);
}

TEST(LibtorchStyle, ScalarMemberOverloadsComputeLikeLibtorch) {
  auto x = torch::tensor({1., 2., 4.}, torch::kDouble);
  EXPECT_TRUE(torch::equal(x.sub(1.5), torch::tensor({-0.5, 0.5, 2.5}, torch::kDouble)));
  EXPECT_TRUE(torch::equal(x.sub(1.5, 2), torch::tensor({-2., -1., 1.}, torch::kDouble)));
  EXPECT_TRUE(torch::equal(x.add(2, 3), torch::tensor({7., 8., 10.}, torch::kDouble)));
  EXPECT_TRUE(torch::equal(x.mul(0.5), torch::tensor({0.5, 1., 2.}, torch::kDouble)));
  EXPECT_TRUE(torch::equal(x.div(4), torch::tensor({0.25, 0.5, 1.}, torch::kDouble)));
  EXPECT_TRUE(torch::equal(torch::sub(x, 1), torch::tensor({0., 1., 3.}, torch::kDouble)));

  // integers: add/sub keep int64, div is true division, div with a rounding mode stays integral
  auto n = torch::tensor({7, -7}, torch::kLong);
  EXPECT_EQ(n.sub(2, 3).scalar_type(), torch::kLong);
  EXPECT_TRUE(torch::equal(n.sub(2, 3), torch::tensor({1, -13}, torch::kLong)));
  EXPECT_TRUE(torch::equal(n.add(1), torch::tensor({8, -6}, torch::kLong)));
  EXPECT_EQ(n.div(2).scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::equal(n.div(2, "floor"), torch::tensor({3, -4}, torch::kLong)));
  EXPECT_TRUE(torch::equal(n.div(torch::tensor({2, 2}), "trunc"), torch::tensor({3, -3}, torch::kLong)));
  EXPECT_THROW(n.add(1, 0.5), torch::Error);  // libtorch: "For integral input tensors, argument alpha ..."

  // gradients flow through the number overloads
  auto w = torch::tensor({1., 2.}, torch::requires_grad());
  w.sub(1, 2).div(4).mul(3).add(1).sum().backward();
  EXPECT_TRUE(torch::allclose(w.grad(), torch::tensor({0.75, 0.75})));
  EXPECT_EQ(w.data_ptr(), static_cast<void*>(w.data_ptr<float>()));
}

TEST(LibtorchStyle, AutogradCompilesAndComputesLikeLibtorch) {
  torch::autograd::Variable w = torch::tensor({0.5, -1.0, 2.0}, torch::requires_grad());
  auto x = torch::tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  auto y = torch::mv(x, w);  // [4.5, 9]
  auto loss = (y * y).sum();
  loss.backward();
  // d/dw sum((xw)^2) = 2 x^T (x w) = 2 * [1*4.5 + 4*9, 2*4.5 + 5*9, 3*4.5 + 6*9]
  EXPECT_TRUE(torch::allclose(w.grad(), torch::tensor({81.0, 108.0, 135.0})));
  {
    torch::NoGradGuard no_grad;
    w -= 0.01 * w.grad();
  }
  w.grad().zero_();
  torch::autograd::variable_list grads =
      torch::autograd::grad({torch::sigmoid(torch::dot(w, w))}, {w}, {}, /*retain_graph=*/true, false);
  EXPECT_EQ(grads.size(), 1u);
  EXPECT_EQ(grads[0].sizes(), w.sizes());
}

TEST(LibtorchStyle, ScatterOneHotAndCausalMasksCompileLikeLibtorch) {
  namespace F = torch::nn::functional;
  // one-hot targets picking logits, and the same rows picked with gather/take_along_dim
  auto labels = torch::tensor({2, 0, 1});
  auto logits = torch::tensor({{0.1, 0.2, 0.7}, {0.5, 0.3, 0.2}, {0.2, 0.6, 0.2}}, torch::requires_grad());
  auto picked = (logits * F::one_hot(labels, 3)).sum(1);
  EXPECT_TRUE(torch::allclose(picked, torch::tensor({0.7, 0.5, 0.6})));
  EXPECT_TRUE(torch::allclose(picked, logits.take_along_dim(labels.unsqueeze(1), 1).squeeze(1)));
  picked.sum().backward();
  EXPECT_TRUE(torch::equal(logits.grad(), torch::zeros({3, 3}).scatter_(1, labels.unsqueeze(1), 1.0)));

  // a causal attention mask from triu, and per-class sums with index_add
  auto causal = torch::ones({3, 3}, torch::kBool).triu(1);
  auto scores = torch::zeros({3, 3}).masked_fill(causal, -1e9);
  EXPECT_EQ(scores.tril().sum().item<float>(), 0.f);
  EXPECT_EQ(scores.index({0, 2}).item<float>(), -1e9f);
  auto class_sums = torch::zeros({3}).index_add(0, labels, torch::tensor({1.f, 2.f, 4.f}));
  EXPECT_TRUE(torch::equal(class_sums, torch::tensor({2.f, 4.f, 1.f})));
  auto counts = torch::zeros({3}, torch::kLong).scatter_add(0, labels, torch::ones({3}, torch::kLong));
  EXPECT_EQ(counts.sum().item<int64_t>(), 3);
}

}  // namespace

namespace {

namespace F = torch::nn::functional;

TEST(LibtorchStyle, PaddingNormsAndDiagonalsCompileAndComputeLikeLibtorch) {
  auto x = torch::tensor({{1., 2., 3.}, {4., 5., 6.}}, torch::dtype(torch::kFloat64).requires_grad(true));
  auto reflected = F::pad(x.unsqueeze(0), F::PadFuncOptions({1, 1}).mode(torch::kReflect));
  EXPECT_TRUE(torch::equal(reflected.detach(),
                           torch::tensor({{{2., 1., 2., 3., 2.}, {5., 4., 5., 6., 5.}}}, torch::kDouble)));
  auto n = reflected.norm();
  EXPECT_NEAR(n.item<double>(), 12.206555615733702, 1e-12);
  EXPECT_EQ(torch::kron(torch::eye(2, torch::kDouble), x).sizes(), torch::IntArrayRef({4, 6}));
  auto trace = torch::einsum("ii->", {x.index({Slice(), Slice(None, 2)})});
  EXPECT_EQ(trace.item<double>(), 6.0);
  auto loss = n + trace +
              torch::linalg::vector_norm(x, INFINITY, torch::IntArrayRef{1}, false, std::nullopt).sum() +
              F::pad(x, F::PadFuncOptions({0, 1}).value(2.0)).sum();
  loss.backward();
  EXPECT_NEAR(loss.item<double>(), 52.206555615733706, 1e-12);
  EXPECT_TRUE(
      torch::allclose(x.grad(), torch::tensor({{2.081923192051904, 1.4915391523114243, 2.245769576155712},
                                               {1.3276927682076163, 3.2288478807785608, 2.4915391523114243}},
                                              torch::kDouble)));
  EXPECT_NEAR(torch::linalg::norm(x, "fro").item<double>(), 9.539392014169456, 1e-12);
  EXPECT_TRUE(torch::equal(x.norm(1, {0}).detach(), torch::tensor({5., 7., 9.}, torch::kDouble)));
  EXPECT_TRUE(torch::equal(x.diagonal().detach(), torch::tensor({1., 5.}, torch::kDouble)));
}

}  // namespace
