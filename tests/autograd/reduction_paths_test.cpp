// The reduction paths that small gradcheck shapes do not reach: sums of leading dims with per-thread
// accumulator rows and with column blocks (very wide rows), trailing-dim sums read in place, and the
// materialized broadcast of a sum's gradient, each above the OpenMP threshold.
#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace {

using tg::Tensor;

// Sums in float32 agree with the float64 sums of the same values (both accumulate in double).
void expect_sum_matches(const Tensor& x64, const std::vector<std::int64_t>& dims) {
  const Tensor x32 = x64.to(tg::kFloat32);
  const auto expected = tg::sum(x32.to(tg::kFloat64), dims).to_vector<double>();
  const auto actual = tg::sum(x32, dims).to(tg::kFloat64).to_vector<double>();
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i)
    ASSERT_NEAR(actual[i], expected[i], 1e-6 * (1 + std::abs(expected[i]))) << "element " << i;
}

// Restores the thread count a test changed.
struct ThreadCountGuard {
  int previous = tg::get_num_threads();
  ~ThreadCountGuard() { tg::set_num_threads(previous); }
};

TEST(ReductionPaths, LargeSumsMatchFloat64) {
  const ThreadCountGuard guard;
  tg::manual_seed(11);
  for (const int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    tg::set_num_threads(threads);
    expect_sum_matches(tg::randn({300, 1000}, tg::kFloat64), {0});  // accumulator rows
    expect_sum_matches(tg::randn({3, 70000}, tg::kFloat64), {0});   // column blocks (wide rows)
    expect_sum_matches(tg::randn({300, 1000}, tg::kFloat64), {1});  // trailing dim, read in place
    expect_sum_matches(tg::randn({300, 1000}, tg::kFloat64), {});   // everything
    expect_sum_matches(tg::randn({4, 300, 100}, tg::kFloat64), {0, 1});
  }
}

TEST(ReductionPaths, ExactColumnSums) {
  // Integers are summed exactly, so the accumulation order cannot hide a lost or doubled row.
  const ThreadCountGuard guard;
  for (const int threads : {1, 2}) {
    tg::set_num_threads(threads);
    const Tensor x = tg::arange(0.0, 400.0 * 500.0, 1.0, tg::kFloat64).reshape({400, 500});
    const auto sums = tg::sum(x, {0}).to_vector<double>();
    for (std::int64_t j = 0; j < 500; ++j)
      ASSERT_EQ(sums[static_cast<std::size_t>(j)],
                500.0 * (399.0 * 400.0 / 2.0) + 400.0 * static_cast<double>(j));
  }
}

// Sums over leading and trailing dims around a kept middle block ([N, C, H, W] over {0, 2, 3}) read x in
// place as runs of contiguous elements; the reference permutes the kept dims to the front and sums rows.
TEST(ReductionPaths, MiddleBlockSumsMatchRowSums) {
  const ThreadCountGuard guard;
  tg::manual_seed(12);
  struct Case {
    std::vector<std::int64_t> sizes, dims, kept;
  };
  const std::vector<Case> cases{
      {{64, 32, 24, 24}, {0, 2, 3}, {1}},    // conv1's bias gradient, parallel over channels
      {{3, 5, 7}, {0, 2}, {1}},              // small, serial
      {{2, 3, 4, 5, 6}, {0, 1, 4}, {2, 3}},  // a kept block of two dims
      {{7, 2, 3, 1000}, {0, -1}, {1, 2}},    // negative dim, long runs
      {{0, 4, 5}, {0, 2}, {1}},              // no leading elements
      {{3, 4, 0}, {0, 2}, {1}},              // empty runs
  };
  for (const int threads : {1, 2}) {
    tg::set_num_threads(threads);
    for (const Case& c : cases) {
      SCOPED_TRACE(::testing::PrintToString(c.sizes) + " over " + ::testing::PrintToString(c.dims));
      const Tensor x = tg::randn(c.sizes, tg::kFloat64);
      std::vector<std::int64_t> order = c.kept;
      std::int64_t kept_numel = 1;
      for (std::int64_t d : c.kept) kept_numel *= c.sizes[static_cast<std::size_t>(d)];
      for (std::int64_t d = 0; d < x.dim(); ++d)
        if (std::find(c.kept.begin(), c.kept.end(), d) == c.kept.end()) order.push_back(d);
      const auto expected =
          x.permute(order).contiguous().reshape({kept_numel, -1}).sum({1}).to_vector<double>();
      const auto actual = tg::sum(x, c.dims).reshape({kept_numel}).to_vector<double>();
      const auto mean = tg::mean(x, c.dims).reshape({kept_numel}).to_vector<double>();
      const double count =
          static_cast<double>(x.numel()) / static_cast<double>(std::max<std::int64_t>(kept_numel, 1));
      ASSERT_EQ(actual.size(), expected.size());
      for (std::size_t i = 0; i < actual.size(); ++i) {
        ASSERT_NEAR(actual[i], expected[i], 1e-9 * (1 + std::abs(expected[i]))) << "element " << i;
        if (count > 0) {
          ASSERT_NEAR(mean[i], expected[i] / count, 1e-9 * (1 + std::abs(expected[i]))) << i;
        }
      }
      const Tensor x32 = x.to(tg::kFloat32);
      const auto actual32 = tg::sum(x32, c.dims).reshape({kept_numel}).to(tg::kFloat64).to_vector<double>();
      for (std::size_t i = 0; i < actual32.size(); ++i)
        ASSERT_NEAR(actual32[i], expected[i], 1e-4 * (1 + std::abs(expected[i]))) << "float32 element " << i;
    }
  }
}

TEST(ReductionPaths, SumBackwardFillsEveryElement) {
  const Tensor x = tg::zeros({200, 300}).requires_grad_();
  (tg::sum(x) * 3.0).backward();
  for (const float g : x.grad().to_vector<float>()) ASSERT_EQ(g, 3.0f);
  const Tensor y = tg::zeros({200, 300}).requires_grad_();
  tg::mean(y, {1}).sum().backward();
  for (const float g : y.grad().to_vector<float>()) ASSERT_FLOAT_EQ(g, 1.0f / 300.0f);
}

}  // namespace
