// batch_norm beyond its op-table rows (tests/support/op_cases/batch_norm.cpp): inputs large enough for the
// channel-parallel kernels against the composed formulas, the same bits for any thread count, float32
// channels with a large mean, the running-statistics update, and the node's name.
#include <cmath>
#include <gtest/gtest.h>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace {

using tg::Tensor;

double max_abs_difference(const Tensor& a, const Tensor& b) {
  const auto x = a.to(tg::kFloat64).contiguous().to_vector<double>();
  const auto y = b.to(tg::kFloat64).contiguous().to_vector<double>();
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
  return worst;
}

// batch_norm in training mode written with differentiable ops.
Tensor composed_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  const Tensor centered = x - tg::mean(x, {0, 2, 3}, /*keepdim=*/true);
  const Tensor variance = tg::mean(centered * centered, {0, 2, 3}, /*keepdim=*/true);
  return centered / tg::sqrt(variance + eps) * weight.view({1, -1, 1, 1}) + bias.view({1, -1, 1, 1});
}

struct Result {
  Tensor y, dx, dweight, dbias;
};

Result fused_with_grads(const Tensor& x0, const Tensor& w0, const Tensor& b0, const Tensor& upstream) {
  const Tensor x = x0.clone().requires_grad_(), w = w0.clone().requires_grad_(),
               b = b0.clone().requires_grad_();
  const Tensor y = tg::batch_norm(x, w, b, {}, {}, true, 0.1, 1e-5);
  (y * upstream).sum().backward();
  return {y.detach(), x.grad(), w.grad(), b.grad()};
}

// [16, 8, 16, 16]: 32768 elements, so forward and backward split the channels over the threads.
TEST(BatchNorm, ParallelKernelsMatchTheComposedFormulasForAnyThreadCount) {
  tg::manual_seed(21);
  const Tensor x0 = tg::randn({16, 8, 16, 16}, tg::kFloat64) * 3 + 1;
  const Tensor w0 = tg::randn({8}, tg::kFloat64), b0 = tg::randn({8}, tg::kFloat64);
  const Tensor upstream = tg::randn({16, 8, 16, 16}, tg::kFloat64);
  const int threads = tg::get_num_threads();
  tg::set_num_threads(1);
  const Result one = fused_with_grads(x0, w0, b0, upstream);
  tg::set_num_threads(std::max(2, threads));
  const Result many = fused_with_grads(x0, w0, b0, upstream);
  tg::set_num_threads(threads);
  EXPECT_TRUE(one.y.equal(many.y));
  EXPECT_TRUE(one.dx.equal(many.dx));
  EXPECT_TRUE(one.dweight.equal(many.dweight));
  EXPECT_TRUE(one.dbias.equal(many.dbias));

  const Tensor x = x0.clone().requires_grad_(), w = w0.clone().requires_grad_(),
               b = b0.clone().requires_grad_();
  const Tensor y = composed_batch_norm(x, w, b, 1e-5);
  (y * upstream).sum().backward();
  EXPECT_LT(max_abs_difference(one.y, y), 1e-12);
  EXPECT_LT(max_abs_difference(one.dx, x.grad()), 1e-11);
  EXPECT_LT(max_abs_difference(one.dweight, w.grad()), 1e-9);
  EXPECT_LT(max_abs_difference(one.dbias, b.grad()), 1e-9);
}

// Channels 1e4 + N(0, 1) in float32: the shifted sums in double keep the output within float32 rounding
// of the float64 result.
TEST(BatchNorm, Float32ChannelsWithALargeMeanAreAccurate) {
  tg::manual_seed(22);
  const Tensor values = tg::randn({32, 4, 8, 8}, tg::kFloat64) + 1e4;
  const Tensor x32 = values.to(tg::kFloat32);
  const Tensor exact = tg::batch_norm(x32.to(tg::kFloat64), {}, {}, {}, {}, true, 0.1, 1e-5);
  const Tensor fused = tg::batch_norm(x32, {}, {}, {}, {}, true, 0.1, 1e-5);
  EXPECT_LT(max_abs_difference(fused, exact), 1e-5);
}

TEST(BatchNorm, RunningStatisticsTakeTheUnbiasedVarianceWithMomentum) {
  const Tensor x = tg::tensor({1.0, 2.0, 3.0, 5.0, 7.0, 9.0, 0.0, 4.0}, {2, 2, 2}, tg::kFloat64);
  Tensor running_mean = tg::full({2}, 1.0, tg::kFloat64), running_var = tg::full({2}, 2.0, tg::kFloat64);
  tg::batch_norm(x, {}, {}, running_mean, running_var, true, 0.25, 1e-5);
  // Channel 0: {1, 2, 7, 9}, mean 4.75, unbiased variance 44.75 / 3; channel 1: {3, 5, 0, 4}, mean 3,
  // unbiased variance 14 / 3.
  EXPECT_NEAR(running_mean[0].item<double>(), 0.75 * 1.0 + 0.25 * 4.75, 1e-14);
  EXPECT_NEAR(running_mean[1].item<double>(), 0.75 * 1.0 + 0.25 * 3.0, 1e-14);
  EXPECT_NEAR(running_var[0].item<double>(), 0.75 * 2.0 + 0.25 * (44.75 / 3.0), 1e-13);
  EXPECT_NEAR(running_var[1].item<double>(), 0.75 * 2.0 + 0.25 * (14.0 / 3.0), 1e-13);
  // Evaluation reads them and changes nothing.
  const Tensor before = running_mean.clone();
  const Tensor y = tg::batch_norm(x, {}, {}, running_mean, running_var, false, 0.25, 1e-5);
  EXPECT_TRUE(running_mean.equal(before));
  EXPECT_NEAR(y[0][0][0].item<double>(),
              (1.0 - running_mean[0].item<double>()) / std::sqrt(running_var[0].item<double>() + 1e-5),
              1e-14);
  // An empty batch leaves them alone.
  tg::batch_norm(tg::zeros({0, 2, 3}, tg::kFloat64), {}, {}, running_mean, running_var, true, 0.25, 1e-5);
  EXPECT_TRUE(running_mean.equal(before));
}

TEST(BatchNorm, RecordsNativeBatchNormBackward) {
  const Tensor x = tg::randn({4, 3}).requires_grad_();
  EXPECT_EQ(tg::batch_norm(x, {}, {}, {}, {}, true, 0.1, 1e-5).grad_fn_name(), "NativeBatchNormBackward");
  tg::NoGradGuard no_grad;
  EXPECT_EQ(tg::batch_norm(x, {}, {}, {}, {}, true, 0.1, 1e-5).grad_fn(), nullptr);
}

}  // namespace
