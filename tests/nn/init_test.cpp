// tg::nn::init: libtorch 1.13's initializers and enums, checked by exact structure (dirac_, eye_),
// algebra (orthogonal_) and sample statistics under a fixed seed (trunc_normal_, kaiming_*_).
#include <cmath>
#include <gtest/gtest.h>
#include <numbers>
#include <string>

#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"

namespace torch = tg;

namespace {

using tg::testing::error_message;

using tg::Tensor;
namespace init = tg::nn::init;

double max_abs_diff(const Tensor& a, const Tensor& b) { return (a - b).abs().max().item<double>(); }

double sample_mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

double sample_std(const std::vector<double>& v) {
  const double mean = sample_mean(v);
  double sum = 0;
  for (double x : v) sum += (x - mean) * (x - mean);
  return std::sqrt(sum / static_cast<double>(v.size() - 1));
}

TEST(Init, CalculateGainMatchesPyTorchTable) {
  EXPECT_DOUBLE_EQ(init::calculate_gain(torch::kLinear), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(torch::kConv1D), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(torch::kConv2D), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(torch::kConv3D), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(torch::kConvTranspose1D), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(torch::kConvTranspose2D), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(torch::kConvTranspose3D), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(torch::kSigmoid), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(torch::kTanh), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(torch::kReLU), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain(torch::kLeakyReLU), std::sqrt(2.0 / (1.0 + 0.01 * 0.01)));
  EXPECT_DOUBLE_EQ(init::calculate_gain(torch::kLeakyReLU, 0.2), std::sqrt(2.0 / 1.04));
  // PyTorch's Python spellings, including selu, which libtorch 1.13's enum lacks.
  EXPECT_DOUBLE_EQ(init::calculate_gain("conv_transpose2d"), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu"), std::sqrt(2.0 / (1.0 + 0.01 * 0.01)));
  EXPECT_DOUBLE_EQ(init::calculate_gain("selu"), 0.75);
}

TEST(Init, KaimingEnumModesAndDefaults) {
  tg::manual_seed(11);
  Tensor w = tg::empty({200, 300});
  // Defaults: a = 0, kFanIn, kLeakyReLU -> gain sqrt(2), bound sqrt(3) * sqrt(2 / fan_in).
  init::kaiming_uniform_(w);
  const double bound = std::sqrt(3.0) * std::sqrt(2.0 / 300);
  EXPECT_LE(w.abs().max().item<double>(), bound);
  EXPECT_GT(w.abs().max().item<double>(), 0.99 * bound);
  init::kaiming_normal_(w, 0, torch::kFanOut, torch::kTanh);
  EXPECT_NEAR(sample_std(w.to_vector<double>()), (5.0 / 3.0) / std::sqrt(200.0), 0.01 / std::sqrt(200.0) * 5);
  init::kaiming_uniform_(w, std::sqrt(5.0), torch::kFanIn, torch::kLeakyReLU);
  EXPECT_LE(w.abs().max().item<double>(), std::sqrt(3.0) * std::sqrt(2.0 / 6.0) / std::sqrt(300.0));
  init::kaiming_normal_(w, 0.0, "fan_out", "relu");  // the string form still works
  EXPECT_NEAR(sample_std(w.to_vector<double>()), std::sqrt(2.0 / 200), 0.05 * std::sqrt(2.0 / 200));
}

void expect_orthogonal(tg::IntArrayRef shape, double gain, tg::Dtype dtype, double tolerance) {
  SCOPED_TRACE(::testing::Message() << "shape " << shape << " gain " << gain);
  Tensor w = tg::empty(shape, dtype);
  Tensor returned = init::orthogonal_(w, gain);
  EXPECT_TRUE(returned.is_same(w));
  const std::int64_t rows = shape[0];
  Tensor m = w.reshape({rows, -1}).to(tg::kFloat64);
  const std::int64_t cols = m.size(1);
  // The smaller Gram matrix is gain^2 * I: orthonormal columns when tall, rows when wide.
  Tensor gram = rows >= cols ? m.t().matmul(m) : m.matmul(m.t());
  EXPECT_LT(max_abs_diff(gram, tg::eye(std::min(rows, cols), tg::kFloat64) * (gain * gain)), tolerance);
}

TEST(Init, OrthogonalSquareTallWideAndGain) {
  tg::manual_seed(3);
  for (double gain : {1.0, 2.5}) {
    expect_orthogonal({6, 6}, gain, tg::kFloat64, 1e-10);
    expect_orthogonal({10, 4}, gain, tg::kFloat64, 1e-10);
    expect_orthogonal({4, 10}, gain, tg::kFloat64, 1e-10);
    expect_orthogonal({3, 2, 4}, gain, tg::kFloat64, 1e-10);  // flattened to a wide 3 x 8
    expect_orthogonal({64, 64}, gain, tg::kFloat32, 1e-5 * gain * gain);
    expect_orthogonal({50, 20}, gain, tg::kFloat32, 1e-5 * gain * gain);
  }
  expect_orthogonal({1, 5}, 1.0, tg::kFloat64, 1e-12);
  expect_orthogonal({5, 1}, 1.0, tg::kFloat64, 1e-12);
}

TEST(Init, OrthogonalIsSeededAndRandom) {
  Tensor a = tg::empty({5, 5}, tg::kFloat64);
  Tensor b = tg::empty({5, 5}, tg::kFloat64);
  tg::manual_seed(7);
  init::orthogonal_(a);
  tg::manual_seed(7);
  init::orthogonal_(b);
  EXPECT_EQ(max_abs_diff(a, b), 0.0);
  init::orthogonal_(b);
  EXPECT_GT(max_abs_diff(a, b), 1e-3);
  Tensor empty = tg::empty({0, 3});
  EXPECT_EQ(init::orthogonal_(empty).numel(), 0);
}

double normal_pdf(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi); }
double normal_cdf(double x) { return 0.5 * (1.0 + std::erf(x / std::numbers::sqrt2)); }

void expect_truncated_normal(double mean, double std, double a, double b) {
  SCOPED_TRACE(::testing::Message() << "mean " << mean << " std " << std << " [" << a << ", " << b << "]");
  Tensor w = tg::empty({100000}, tg::kFloat64);
  init::trunc_normal_(w, mean, std, a, b);
  const std::vector<double> v = w.to_vector<double>();
  EXPECT_GE(w.min().item<double>(), a);
  EXPECT_LE(w.max().item<double>(), b);
  const double alpha = (a - mean) / std, beta = (b - mean) / std;
  const double z = normal_cdf(beta) - normal_cdf(alpha);
  const double expected_mean = mean + std * (normal_pdf(alpha) - normal_pdf(beta)) / z;
  const double expected_var = std * std *
                              (1 + (alpha * normal_pdf(alpha) - beta * normal_pdf(beta)) / z -
                               std::pow((normal_pdf(alpha) - normal_pdf(beta)) / z, 2));
  const double expected_std = std::sqrt(expected_var);
  EXPECT_NEAR(sample_mean(v), expected_mean, 0.015 * expected_std + 1e-12);
  EXPECT_NEAR(sample_std(v), expected_std, 0.015 * expected_std);
}

TEST(Init, TruncNormalBoundsAndMoments) {
  tg::manual_seed(5);
  expect_truncated_normal(0, 1, -2, 2);
  expect_truncated_normal(1, 2, 0, 3);
  expect_truncated_normal(0, 1, 0.5, 0.6);
  expect_truncated_normal(0, 1, -1e9, 1e9);  // effectively untruncated
  Tensor tail = tg::empty({1000});
  init::trunc_normal_(tail, 0, 1, 4, 6);  // far tail: inverse CDF near 1 must stay finite and in range
  EXPECT_GE(tail.min().item<double>(), 4.0);
  EXPECT_LE(tail.max().item<double>(), 6.0);
  Tensor f = tg::empty({10, 10});
  init::trunc_normal_(f);  // PyTorch's defaults: N(0, 1) on [-2, 2]
  EXPECT_LE(f.abs().max().item<double>(), 2.0);
  EXPECT_THROW(init::trunc_normal_(f, 0, 1, 2, -2), tg::Error);
  EXPECT_THROW(init::trunc_normal_(tg::empty({3}, tg::kInt64)), tg::Error);
}

TEST(Init, DiracExactStructure) {
  Tensor w3 = tg::full({4, 3, 3}, 7.0);
  init::dirac_(w3);
  Tensor expected3 = tg::zeros({4, 3, 3});
  for (int c = 0; c < 3; ++c) expected3.index_put_({c, c, 1}, 1.0);
  EXPECT_EQ(max_abs_diff(w3, expected3), 0.0);

  Tensor w4 = tg::empty({4, 2, 3, 3}, tg::kFloat64);
  init::dirac_(w4, 2);
  Tensor expected4 = tg::zeros({4, 2, 3, 3}, tg::kFloat64);
  for (int g = 0; g < 2; ++g)
    for (int c = 0; c < 2; ++c) expected4.index_put_({g * 2 + c, c, 1, 1}, 1.0);
  EXPECT_EQ(max_abs_diff(w4, expected4), 0.0);

  // More input channels than outputs per group: only the first min(out/groups, in) get ones.
  Tensor w5 = tg::empty({6, 4, 1, 2, 5});
  init::dirac_(w5, 3);
  Tensor expected5 = tg::zeros({6, 4, 1, 2, 5});
  for (int g = 0; g < 3; ++g)
    for (int c = 0; c < 2; ++c) expected5.index_put_({g * 2 + c, c, 0, 1, 2}, 1.0);
  EXPECT_EQ(max_abs_diff(w5, expected5), 0.0);
  EXPECT_EQ(w5.sum().item<double>(), 6.0);

  Tensor leaf = tg::empty({2, 2, 3}, tg::requires_grad());
  init::dirac_(leaf);  // under NoGradGuard, so a leaf is fine
  EXPECT_EQ(leaf.sum().item<double>(), 2.0);
}

TEST(Init, EyeAndSparse) {
  Tensor m = tg::full({3, 5}, 2.0);
  init::eye_(m);
  EXPECT_EQ(max_abs_diff(m, tg::eye(3, 5)), 0.0);
  Tensor tall = tg::empty({4, 2}, tg::kFloat64);
  EXPECT_EQ(max_abs_diff(init::eye_(tall), tg::eye(4, 2, tg::kFloat64)), 0.0);

  tg::manual_seed(9);
  Tensor s = tg::empty({10, 6}, tg::kFloat64);
  init::sparse_(s, 0.25, 0.5);  // ceil(0.25 * 10) = 3 zeros per column
  Tensor zeros_per_column = s.eq(0).to(tg::kInt64).sum(0);
  EXPECT_EQ(zeros_per_column.to_vector<std::int64_t>(), std::vector<std::int64_t>(6, 3));
  EXPECT_THROW(init::sparse_(tg::empty({3}), 0.1), tg::Error);
}

TEST(Init, WrongRanksUsePyTorchPhrases) {
  EXPECT_NE(error_message([] {
              init::orthogonal_(tg::empty({4}));
            }).find("Only tensors with 2 or more dimensions are supported"),
            std::string::npos);
  for (const std::vector<std::int64_t>& shape :
       {std::vector<std::int64_t>{2, 2}, std::vector<std::int64_t>(6, 1)})
    EXPECT_NE(error_message([&] {
                init::dirac_(tg::empty(shape));
              }).find("Only tensors with 3, 4, or 5 dimensions are supported"),
              std::string::npos);
  EXPECT_NE(error_message([] {
              init::dirac_(tg::empty({3, 2, 3}), 2);
            }).find("divisible by groups"),
            std::string::npos);
  EXPECT_NE(error_message([] {
              init::eye_(tg::empty({2, 2, 2}));
            }).find("Only tensors with 2 dimensions"),
            std::string::npos);
  EXPECT_NE(error_message([] {
              init::xavier_uniform_(tg::empty({3}));
            }).find("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"),
            std::string::npos);
}

// Written as a libtorch user writes it; only `namespace torch = tg;` above differs.
TEST(Init, LibtorchStyleSnippetCompiles) {
  torch::manual_seed(0);
  torch::Tensor weight = torch::empty({8, 4, 3, 3});
  torch::nn::init::kaiming_normal_(weight, 0, torch::kFanOut, torch::kReLU);
  torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
  torch::nn::init::xavier_uniform_(weight, torch::nn::init::calculate_gain(torch::kTanh));
  torch::nn::init::dirac_(weight);
  torch::Tensor recurrent = torch::empty({12, 4});
  torch::nn::init::orthogonal_(recurrent, torch::nn::init::calculate_gain(torch::kLeakyReLU, 0.2));
  torch::Tensor bias = torch::nn::init::constant_(torch::empty({8}), 0.1);
  torch::nn::init::FanModeType mode = torch::kFanIn;
  torch::nn::init::NonlinearityType nonlinearity = torch::kSigmoid;
  torch::nn::init::kaiming_uniform_(recurrent, 0, mode, nonlinearity);
  auto [fan_in, fan_out] = torch::nn::init::_calculate_fan_in_and_fan_out(weight);
  EXPECT_EQ(fan_in, 36);
  EXPECT_EQ(fan_out, 72);
  EXPECT_EQ(weight.sum().item<float>(), 4.0f);
  EXPECT_FLOAT_EQ(bias.mean().item<float>(), 0.1f);
}

}  // namespace
