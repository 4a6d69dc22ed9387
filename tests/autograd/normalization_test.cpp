// layer_norm and rms_norm beyond their op-table rows (tests/support/op_cases/normalization.cpp): float32
// accuracy on rows with a large mean, the fused backward against the composed one on rows that span several
// chunks, bit-identical weight gradients for any thread count, PyTorch 2.4's default rms_norm eps; and
// nn::Embedding's backward on a 50k-row table (here for the allocator's peak counter, an internal).
#include <chrono>
#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <sstream>
#include <vector>

#include <tapegrad/autograd/tensor/allocator.hpp>  // internal: reset_peak_stats
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

// layer_norm written with differentiable ops (the pre-fusion nn::functional::layer_norm).
Tensor composed_layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  const Tensor centered = x - tg::mean(x, {-1}, /*keepdim=*/true);
  const Tensor variance = tg::mean(centered * centered, {-1}, /*keepdim=*/true);
  return centered / tg::sqrt(variance + eps) * weight + bias;
}

// Rows 1e4 + N(0, 1) in float32: the statistics in double and xhat rounded once keep the output within a
// few float32 ulps of the float64 result (sum(x²)/n - mean² in float32 would lose every digit).
TEST(LayerNorm, Float32RowsWithALargeMeanAreAccurate) {
  tg::manual_seed(3);
  const Tensor values = tg::randn({64, 1024}, tg::kFloat64) + 1e4;
  const Tensor x32 = values.to(tg::kFloat32);
  const Tensor exact = tg::layer_norm(x32.to(tg::kFloat64), {1024});
  const Tensor fused = tg::layer_norm(x32, {1024});
  EXPECT_LT(max_abs_difference(fused, exact), 2e-6);
  const Tensor rms_exact = tg::rms_norm(x32.to(tg::kFloat64), {1024}, {}, 1e-6);
  EXPECT_LT(max_abs_difference(tg::rms_norm(x32, {1024}, {}, 1e-6), rms_exact), 1e-6);

  // The gradient too: x's gradient is small and cancels, the weight's is a sum over 64 rows.
  const Tensor x = x32.clone().requires_grad_();
  const Tensor w = tg::ones({1024}).requires_grad_();
  const Tensor upstream = tg::randn({64, 1024});
  tg::layer_norm(x, {1024}, w).backward(upstream);
  const Tensor x64 = x32.to(tg::kFloat64).requires_grad_();
  const Tensor w64 = tg::ones({1024}, tg::kFloat64).requires_grad_();
  tg::layer_norm(x64, {1024}, w64).backward(upstream.to(tg::kFloat64));
  EXPECT_LT(max_abs_difference(x.grad(), x64.grad()), 1e-5);
  EXPECT_LT(max_abs_difference(w.grad(), w64.grad()), 1e-4);
}

// Many rows (several backward chunks, parallel forward): the fused gradients equal the composed ones.
TEST(LayerNorm, FusedBackwardMatchesTheComposedOneOnManyRows) {
  tg::manual_seed(5);
  const Tensor x = tg::randn({300, 257}, tg::kFloat64).requires_grad_();
  const Tensor w = tg::randn({257}, tg::kFloat64).requires_grad_();
  const Tensor b = tg::randn({257}, tg::kFloat64).requires_grad_();
  const Tensor upstream = tg::randn({300, 257}, tg::kFloat64);
  const auto fused = tg::autograd::grad({tg::layer_norm(x, {257}, w, b)}, {x, w, b}, {upstream});
  const auto composed = tg::autograd::grad({composed_layer_norm(x, w, b, 1e-5)}, {x, w, b}, {upstream});
  for (std::size_t i = 0; i < 3; ++i) EXPECT_LT(max_abs_difference(fused[i], composed[i]), 1e-11) << i;
  EXPECT_LT(max_abs_difference(tg::layer_norm(x, {257}, w, b), composed_layer_norm(x, w, b, 1e-5)), 1e-13);
}

// The weight and bias gradients are sums over rows in chunks fixed by the sizes: same bits at 1 and 2
// threads.
TEST(LayerNorm, WeightGradientsHaveTheSameBitsForAnyThreadCount) {
  tg::manual_seed(9);
  const Tensor x = tg::randn({512, 256}).requires_grad_();
  const Tensor w = tg::randn({256}).requires_grad_();
  const Tensor b = tg::randn({256}).requires_grad_();
  const Tensor upstream = tg::randn({512, 256});
  const int before = tg::get_num_threads();
  std::vector<std::vector<float>> runs;
  for (int threads : {1, 2, 1, 2}) {
    tg::set_num_threads(threads);
    const auto grads = tg::autograd::grad({tg::layer_norm(x, {256}, w, b)}, {x, w, b}, {upstream});
    std::vector<float> all;
    for (const Tensor& g : grads)
      for (float v : g.to_vector<float>()) all.push_back(v);
    runs.push_back(all);
  }
  tg::set_num_threads(before);
  for (std::size_t i = 1; i < runs.size(); ++i) EXPECT_EQ(runs[i], runs[0]) << i;
}

TEST(RmsNorm, DefaultEpsIsTheMachineEpsilonOfTheDtype) {
  // All-zero rows give x * rsqrt(eps) = 0, so look at a tiny row instead: x / sqrt(x² + eps).
  for (const tg::Dtype dtype : {tg::kFloat32, tg::kFloat64}) {
    const double eps = dtype == tg::kFloat32 ? std::numeric_limits<float>::epsilon()
                                             : std::numeric_limits<double>::epsilon();
    const double tiny = std::sqrt(eps);
    const Tensor x = tg::full({1, 1}, tiny, dtype);
    const double out = tg::rms_norm(x, {1}).to(tg::kFloat64).item<double>();
    EXPECT_NEAR(out, tiny / std::sqrt(tiny * tiny + eps), 1e-6) << dtype;
  }
}

TEST(RmsNorm, ModuleAndFunctional) {
  namespace F = tg::nn::functional;
  tg::nn::RMSNorm norm(tg::nn::RMSNormOptions({2, 3}).eps(1e-3));
  ASSERT_EQ(norm->parameters().size(), 1u);
  EXPECT_EQ(norm->weight.sizes(), tg::Shape({2, 3}));
  std::ostringstream printed;
  printed << norm;
  EXPECT_EQ(printed.str(), "torch::nn::RMSNorm([2, 3], eps=0.001, elementwise_affine=true)");
  const Tensor x = tg::randn({4, 2, 3});
  const Tensor expected = x * tg::rsqrt(tg::mean(x * x, {1, 2}, /*keepdim=*/true) + 1e-3);
  EXPECT_LT(max_abs_difference(norm(x), expected), 1e-6);
  EXPECT_LT(max_abs_difference(F::rms_norm(x, F::RMSNormFuncOptions({2, 3}).eps(1e-3)), expected), 1e-6);
  tg::nn::RMSNorm plain(tg::nn::RMSNormOptions({3}).elementwise_affine(false));
  EXPECT_TRUE(plain->parameters().empty());
  std::ostringstream plain_printed;
  plain_printed << plain;
  EXPECT_EQ(plain_printed.str(), "torch::nn::RMSNorm([3], eps=None, elementwise_affine=false)");
}

// nn::LayerNorm runs the fused op (its grad_fn is the fused node).
TEST(LayerNorm, ModuleUsesTheFusedOp) {
  tg::nn::LayerNorm norm(tg::nn::LayerNormOptions({8}));
  const Tensor out = norm(tg::randn({3, 8}));
  ASSERT_TRUE(out.grad_fn());
  EXPECT_EQ(out.grad_fn()->name(), "NativeLayerNormBackward");
}

// V = 50,000, D = 64, N = 4,096 lookups: forward + backward allocate about the table's gradient and the
// looked-up rows, far below one [V, N] one-hot (800 MB), and run in well under a second.
TEST(Embedding, LargeVocabularyBackwardIsAScatterAdd) {
  const std::int64_t V = 50000, D = 64, N = 4096;
  tg::manual_seed(1);
  tg::nn::Embedding table(V, D);
  const Tensor indices = tg::randint(0, V, {8, N / 8});
  const Tensor upstream = tg::randn({8, N / 8, D});
  tg::default_allocator().reset_peak_stats();
  const std::size_t before = tg::allocator_stats().bytes_in_use;
  const auto start = std::chrono::steady_clock::now();
  table(indices).backward(upstream);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::size_t table_bytes = sizeof(float) * V * D, rows_bytes = sizeof(float) * N * D;
  EXPECT_LT(tg::allocator_stats().peak_bytes_in_use - before, table_bytes + 4 * rows_bytes);
  EXPECT_LT(seconds, 1.0);

  // Each row's gradient is the sum of the upstream rows that looked it up.
  const auto index = indices.reshape({-1}).to_vector<std::int64_t>();
  const Tensor flat = upstream.reshape({N, D});
  std::vector<double> expected(static_cast<std::size_t>(V * D), 0.0);
  const auto up = flat.to(tg::kFloat64).to_vector<double>();
  for (std::int64_t i = 0; i < N; ++i)
    for (std::int64_t j = 0; j < D; ++j)
      expected[static_cast<std::size_t>(index[static_cast<std::size_t>(i)] * D + j)] +=
          up[static_cast<std::size_t>(i * D + j)];
  EXPECT_LT(max_abs_difference(table->weight.grad(), tg::tensor(expected, {V, D})), 1e-5);
}

// silu_mul's one-pass backward (same shapes, parallel over a large tensor) equals the composed gradients.
TEST(SiluMul, FusedBackwardMatchesTheComposition) {
  tg::manual_seed(12);
  const Tensor a = (tg::randn({300, 257}, tg::kFloat64) * 4.0).requires_grad_();
  const Tensor b = tg::randn({300, 257}, tg::kFloat64).requires_grad_();
  const Tensor upstream = tg::randn({300, 257}, tg::kFloat64);
  const auto fused = tg::autograd::grad({tg::silu_mul(a, b)}, {a, b}, {upstream});
  const auto composed = tg::autograd::grad({tg::silu(a) * b}, {a, b}, {upstream});
  EXPECT_LT(max_abs_difference(tg::silu_mul(a, b), tg::silu(a) * b), 1e-14);
  for (std::size_t i = 0; i < 2; ++i) EXPECT_LT(max_abs_difference(fused[i], composed[i]), 1e-13) << i;
}

}  // namespace
