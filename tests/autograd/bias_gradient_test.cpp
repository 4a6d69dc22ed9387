// The gradients of x + bias when x is a leaf and the caller keeps the incoming gradient:
// AddBiasToLeafBackward writes x's gradient as a copy in the same pass as the bias's column sums
// (kernels::column_sums with a copy). Checked: the same values as the unfused path, bit for bit; x.grad never
// aliases the caller's gradient; hooks, accumulation into an existing grad, grad() and create_graph give the
// same values.
#include <cstdint>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <vector>

#include <tapegrad/autograd/kernels/column_sums.hpp>
#include <tapegrad/tapegrad.hpp>

namespace {

using tg::Tensor;

std::vector<double> values(const Tensor& t) { return t.to(tg::kFloat64).to_vector<double>(); }

struct Shapes {
  tg::Shape x, bias;
};

std::vector<Shapes> shapes() {
  return {{{5, 7}, {7}},        {{3, 4, 17}, {17}}, {{2, 3, 4}, {3, 4}},
          {{1, 9}, {9}},        {{0, 6}, {6}},      {{300, 128}, {128}},  // above the parallel threshold
          {{3, 70000}, {70000}}};  // wider than the per-thread accumulator rows: blocks of columns
}

std::string name(const Shapes& s, tg::Dtype dtype) {
  std::ostringstream text;
  text << (dtype == tg::kFloat64 ? "float64" : "float32") << " x";
  for (auto d : s.x) text << ' ' << d;
  return text.str();
}

TEST(ColumnSums, CopyInTheSamePassLeavesTheSumsUnchanged) {
  tg::manual_seed(1);
  for (const tg::Dtype dtype : {tg::kFloat32, tg::kFloat64})
    for (const auto& [rows, columns] : std::vector<std::pair<std::int64_t, std::int64_t>>{
             {1, 1}, {7, 3}, {1000, 33}, {40, 1024}, {3, 70001}}) {
      SCOPED_TRACE(std::to_string(rows) + " x " + std::to_string(columns));
      const Tensor in = tg::randn({rows, columns}, dtype);
      const Tensor plain = tg::empty({columns}, dtype), fused = tg::empty({columns}, dtype);
      const Tensor copy = tg::empty({rows, columns}, dtype);
      tg::kernels::column_sums(in, rows, columns, plain);
      tg::kernels::column_sums(in, rows, columns, fused, copy);
      EXPECT_EQ(values(fused), values(plain));
      EXPECT_EQ(values(copy), values(in));
      // Against a sum in long double over the same float values.
      const auto data = values(in);
      const auto sums = values(fused);
      for (std::int64_t j = 0; j < columns; j += std::max<std::int64_t>(1, columns / 50)) {
        long double exact = 0;
        for (std::int64_t i = 0; i < rows; ++i) exact += data[static_cast<std::size_t>(i * columns + j)];
        const double tolerance =
            dtype == tg::kFloat32 ? 1e-6 * (1 + std::abs(static_cast<double>(exact))) : 1e-12;
        EXPECT_NEAR(sums[static_cast<std::size_t>(j)], static_cast<double>(exact), tolerance)
            << "column " << j;
      }
    }
}

TEST(BiasGradient, KeptGradientGivesTheSameValuesInABufferOfItsOwn) {
  tg::manual_seed(2);
  for (const tg::Dtype dtype : {tg::kFloat32, tg::kFloat64})
    for (const Shapes& s : shapes())
      for (const double alpha : {1.0, -1.0}) {
        SCOPED_TRACE(name(s, dtype) + (alpha == 1.0 ? " add" : " sub"));
        const Tensor x = tg::randn(s.x, dtype).requires_grad_();
        const Tensor bias = tg::randn(s.bias, dtype).requires_grad_();
        const Tensor grad = tg::randn(s.x, dtype);
        const Tensor y = alpha == 1.0 ? x + bias : x - bias;
        y.backward(grad);  // `grad` stays alive: the fused path
        // The unfused reference: the same op without a leaf to copy into.
        const Tensor expected_bias = tg::sum_to(alpha == 1.0 ? grad : -grad, s.bias);
        EXPECT_EQ(values(x.grad()), values(grad));
        EXPECT_EQ(values(bias.grad()), values(expected_bias));  // bit for bit: same order of additions
        EXPECT_EQ(x.grad().sizes(), s.x);
        EXPECT_EQ(bias.grad().sizes(), s.bias);
        if (grad.numel() > 0) {
          EXPECT_NE(x.grad().raw_data(), grad.raw_data());
          const double before = values(x.grad())[0];
          grad.fill_(123.0);  // the caller's gradient is not x.grad
          EXPECT_EQ(values(x.grad())[0], before);
        }
      }
}

TEST(BiasGradient, SecondBackwardAccumulates) {
  tg::manual_seed(3);
  const Tensor x = tg::randn({6, 5}).requires_grad_();
  const Tensor bias = tg::randn({5}).requires_grad_();
  const Tensor g1 = tg::randn({6, 5}), g2 = tg::randn({6, 5});
  (x + bias).backward(g1);
  (x + bias).backward(g2);  // x.grad is defined: AccumulateGrad adds in place, nothing is fused
  EXPECT_EQ(values(x.grad()), values(g1 + g2));
  EXPECT_EQ(values(bias.grad()), values(tg::sum_to(g1, {5}) + tg::sum_to(g2, {5})));
}

TEST(BiasGradient, LeafUsedTwiceAddsBothGradients) {
  tg::manual_seed(4);
  const Tensor x = tg::randn({4, 3}).requires_grad_();
  const Tensor bias = tg::randn({3}).requires_grad_();
  const Tensor g = tg::randn({4, 3});
  ((x + bias) * 2.0 + x).backward(g);
  EXPECT_EQ(values(x.grad()), values(g * 2.0 + g));
  EXPECT_EQ(values(bias.grad()), values(tg::sum_to(g * 2.0, {3})));
  const Tensor x2 = tg::randn({4, 3}).requires_grad_();
  const Tensor y = x2 + bias;
  tg::autograd::backward({y, x2 * 3.0}, {g, g});  // two roots reaching x2's accumulator
  EXPECT_EQ(values(x2.grad()), values(g + g * 3.0));
}

TEST(BiasGradient, HooksSeeTheIncomingGradient) {
  const Tensor x = tg::ones({2, 3}).requires_grad_();
  const Tensor bias = tg::zeros({3}).requires_grad_();
  const Tensor g = tg::full({2, 3}, 2.0);
  const void* seen = nullptr;
  x.register_hook([&seen](const Tensor& incoming) {
    seen = incoming.raw_data();
    return incoming * 10.0;
  });
  (x + bias).backward(g);
  EXPECT_EQ(seen, g.raw_data());  // as before: with a hook nothing is copied ahead of it
  EXPECT_EQ(values(x.grad()), std::vector<double>(6, 20.0));
  EXPECT_EQ(values(bias.grad()), std::vector<double>(3, 4.0));
}

TEST(BiasGradient, GradReturnsTheGradientValues) {
  const Tensor x = tg::randn({3, 4}).requires_grad_();
  const Tensor bias = tg::randn({4}).requires_grad_();
  const Tensor g = tg::randn({3, 4});
  const auto grads = tg::autograd::grad({x + bias}, {x, bias}, {g});
  EXPECT_EQ(values(grads[0]), values(g));  // a copy (the fused pass cannot tell grad() from backward())
  EXPECT_EQ(values(grads[1]), values(tg::sum_to(g, {4})));
  EXPECT_FALSE(x.grad().defined());
}

TEST(BiasGradient, CreateGraphKeepsDifferentiableGradients) {
  const Tensor x = tg::randn({3, 4}, tg::kFloat64).requires_grad_();
  const Tensor bias = tg::randn({4}, tg::kFloat64).requires_grad_();
  const Tensor g = tg::randn({3, 4}, tg::kFloat64).requires_grad_();
  (x + bias).backward(g, std::nullopt, /*create_graph=*/true);
  EXPECT_EQ(values(x.grad()), values(g));
  EXPECT_TRUE(bias.grad().requires_grad());  // the sums are recorded: a function of g
  bias.grad().sum().backward();
  EXPECT_EQ(values(g.grad()), std::vector<double>(12, 1.0));
}

}  // namespace
