// scaled_dot_product_attention beyond its op-table rows (tests/support/op_cases/attention.cpp): long
// sequences against the naive composition, the causal alignment for L != S, fully masked rows, dropout
// statistics, a float mask that needs a gradient, and the nn::functional name.
#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <vector>

#include <tapegrad/autograd/tensor/allocator.hpp>  // internal: reset_peak_stats
#include <tapegrad/tapegrad.hpp>

namespace {

using tg::Tensor;

::testing::AssertionResult all_close(const Tensor& actual, const Tensor& expected, double rtol, double atol) {
  if (actual.sizes() != expected.sizes()) return ::testing::AssertionFailure() << "shapes differ";
  const auto a = actual.to(tg::kFloat64).contiguous().to_vector<double>();
  const auto b = expected.to(tg::kFloat64).contiguous().to_vector<double>();
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(std::abs(a[i] - b[i]) <= atol + rtol * std::abs(b[i])))
      return ::testing::AssertionFailure() << "element " << i << ": " << a[i] << " vs " << b[i];
  return ::testing::AssertionSuccess();
}

// softmax(q kᵀ / sqrt(E) + bias) v from existing ops, the [L, S] weights materialized.
Tensor naive_attention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal) {
  Tensor scores = tg::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(q.size(-1))));
  if (causal) {
    const Tensor hidden = tg::logical_not(tg::tril(tg::ones({q.size(-2), k.size(-2)}, tg::kBool)));
    scores = tg::masked_fill(scores, hidden, -std::numeric_limits<double>::infinity());
  }
  return tg::matmul(tg::softmax(scores, -1), v);
}

Tensor leaf(std::vector<std::int64_t> sizes, tg::Dtype dtype = tg::kFloat32) {
  return tg::randn(sizes, dtype).requires_grad_();
}

// Forward and the three gradients for upstream gradient `upstream`.
std::vector<Tensor> run(bool fused, const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                        const Tensor& upstream) {
  const Tensor out =
      fused ? tg::scaled_dot_product_attention(q, k, v, {}, 0.0, causal) : naive_attention(q, k, v, causal);
  const auto grads = tg::autograd::grad({out}, {q, k, v}, {upstream});
  return {out, grads[0], grads[1], grads[2]};
}

// No [L, S] matrix is allocated: forward and backward at L = S = 4096 (one 64 MiB float matrix) stay within
// the inputs, outputs, gradients, Kᵀ/Vᵀ copies and block buffers (a few MiB).
TEST(Attention, MemoryIsLinearInTheSequenceLength) {
  tg::manual_seed(11);
  const std::int64_t L = 4096, E = 64;
  const Tensor q = leaf({1, L, E}), k = leaf({1, L, E}), v = leaf({1, L, E});
  const Tensor upstream = tg::randn({1, L, E});
  tg::default_allocator().reset_peak_stats();
  const std::size_t before = tg::allocator_stats().bytes_in_use;
  for (const bool causal : {false, true}) {
    const Tensor out = tg::scaled_dot_product_attention(q, k, v, {}, 0.0, causal);
    const auto grads = tg::autograd::grad({out}, {q, k, v}, {upstream});
  }
  const std::size_t one_matrix = sizeof(float) * L * L;
  const std::size_t vectors = sizeof(float) * L * E;  // one [L, E] tensor: 1 MiB
  EXPECT_LT(tg::allocator_stats().peak_bytes_in_use - before, 12 * vectors);
  EXPECT_LT(12 * vectors, one_matrix / 4);
}

class LongSequence : public ::testing::TestWithParam<bool> {};

TEST_P(LongSequence, MatchesNaiveCompositionInFloat32) {
  const bool causal = GetParam();
  tg::manual_seed(3);
  const std::int64_t L = 2048, E = 64;
  const Tensor q = leaf({2, L, E}), k = leaf({2, L, E}), v = leaf({2, L, E});
  const Tensor upstream = tg::randn({2, L, E});
  const auto fused = run(true, q, k, v, causal, upstream);
  const auto naive = run(false, q, k, v, causal, upstream);
  EXPECT_TRUE(all_close(fused[0], naive[0], 1e-5, 1e-5)) << "out";
  EXPECT_TRUE(all_close(fused[1], naive[1], 1e-5, 1e-5)) << "dq";
  EXPECT_TRUE(all_close(fused[2], naive[2], 1e-5, 1e-5)) << "dk";
  EXPECT_TRUE(all_close(fused[3], naive[3], 1e-5, 1e-5)) << "dv";
}

INSTANTIATE_TEST_SUITE_P(Attention, LongSequence, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Causal" : "Full"; });

// PyTorch 2.x's is_causal is tril(ones(L, S)): row i sees keys 0..i whatever L and S are.
TEST(Attention, CausalIsUpperLeftAlignedTrilForAnyLAndS) {
  tg::manual_seed(4);
  for (const auto& [L, S] : {std::pair<std::int64_t, std::int64_t>{3, 130}, {150, 5}, {70, 70}}) {
    const Tensor q = tg::randn({2, L, 8}, tg::kFloat64), k = tg::randn({2, S, 8}, tg::kFloat64);
    const Tensor v = tg::randn({2, S, 3}, tg::kFloat64);
    const Tensor tril = tg::tril(tg::ones({L, S}, tg::kBool));
    const Tensor causal = tg::scaled_dot_product_attention(q, k, v, {}, 0.0, true);
    EXPECT_TRUE(all_close(causal, tg::scaled_dot_product_attention(q, k, v, tril), 1e-12, 1e-12))
        << L << "x" << S;
    // Row 0 sees key 0 only.
    EXPECT_TRUE(all_close(causal.select(1, 0), v.select(1, 0), 1e-12, 1e-12)) << L << "x" << S;
  }
}

TEST(Attention, FullyMaskedRowGivesZerosAndZeroGradients) {
  tg::manual_seed(5);
  const Tensor q = leaf({3, 4}, tg::kFloat64), k = leaf({5, 4}, tg::kFloat64), v = leaf({5, 2}, tg::kFloat64);
  Tensor mask = tg::ones({3, 5}, tg::kBool);
  mask.index_put_({1}, false);
  const Tensor out = tg::scaled_dot_product_attention(q, k, v, mask);
  EXPECT_TRUE(all_close(out.select(0, 1), tg::zeros({2}, tg::kFloat64), 0, 0));
  const auto grads = tg::autograd::grad({out}, {q, k, v}, {tg::ones_like(out)});
  EXPECT_TRUE(all_close(grads[0].select(0, 1), tg::zeros({4}, tg::kFloat64), 0, 0));
  for (const Tensor& g : grads) EXPECT_TRUE(tg::isfinite(g).all().item<bool>());
}

// With v = I, the output is the dropped and rescaled weights themselves.
TEST(Attention, DropoutKeepsTheExpectedValueAndDropsAFractionP) {
  tg::manual_seed(6);
  const std::int64_t L = 8, S = 8, draws = 4000;
  const double p = 0.3;
  const Tensor q = tg::randn({L, 4}, tg::kFloat64), k = tg::randn({S, 4}, tg::kFloat64);
  const Tensor v = tg::eye(S, tg::kFloat64);
  const Tensor weights = tg::scaled_dot_product_attention(q, k, v);
  Tensor total = tg::zeros({L, S}, tg::kFloat64);
  double dropped = 0;
  for (std::int64_t i = 0; i < draws; ++i) {
    const Tensor out = tg::scaled_dot_product_attention(q, k, v, {}, p);
    total = total + out;
    dropped += tg::sum(tg::eq(out, 0.0).to(tg::kFloat64)).item<double>();
  }
  EXPECT_NEAR(dropped / static_cast<double>(draws * L * S), p, 0.01);
  EXPECT_TRUE(all_close(total / static_cast<double>(draws), weights, 0.05, 1e-3));
}

TEST(Attention, DropoutPatternFollowsTheGenerator) {
  const Tensor q = tg::ones({4, 2}), k = tg::ones({6, 2}), v = tg::eye(6);
  tg::manual_seed(9);
  const Tensor first = tg::scaled_dot_product_attention(q, k, v, {}, 0.5);
  const Tensor second = tg::scaled_dot_product_attention(q, k, v, {}, 0.5);
  tg::manual_seed(9);
  const Tensor again = tg::scaled_dot_product_attention(q, k, v, {}, 0.5);
  EXPECT_TRUE(tg::equal(first, again));
  EXPECT_FALSE(tg::equal(first, second));
  EXPECT_TRUE(tg::equal(tg::scaled_dot_product_attention(q, k, v, {}, 1.0), tg::zeros({4, 6})));
}

// The fused backward has no mask gradient, so a mask that requires grad takes the composed path.
TEST(Attention, FloatMaskThatRequiresGradGetsItsGradient) {
  tg::manual_seed(8);
  const tg::tensor_list inputs = {leaf({2, 3, 4}, tg::kFloat64), leaf({2, 5, 4}, tg::kFloat64),
                                  leaf({2, 5, 6}, tg::kFloat64), leaf({3, 5}, tg::kFloat64)};
  const auto attend = [](const tg::tensor_list& in) {
    return tg::scaled_dot_product_attention(in[0], in[1], in[2], in[3]);
  };
  EXPECT_TRUE(tg::autograd::gradcheck(attend, inputs));
  EXPECT_TRUE(tg::autograd::gradgradcheck(attend, inputs));
}

TEST(Attention, FunctionalNameIsTheSameOp) {
  tg::manual_seed(10);
  const Tensor q = tg::randn({2, 3, 4}), k = tg::randn({2, 5, 4}), v = tg::randn({2, 5, 6});
  EXPECT_TRUE(tg::equal(tg::nn::functional::scaled_dot_product_attention(q, k, v, {}, 0.0, true),
                        tg::scaled_dot_product_attention(q, k, v, {}, 0.0, true)));
}

}  // namespace
