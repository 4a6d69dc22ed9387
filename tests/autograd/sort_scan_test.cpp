// Scans and sorting where the op registry's random samples cannot reach: NaN ordering, ties (stable
// sort, mode, cummax), cumprod's gradient at zeros, integer overflow, in-place scans, the OpenMP path
// over many slices, and the values PyTorch 1.13 gives for these cases (checked with its python).
#include <cmath>
#include <cstdint>
#include <gtest/gtest.h>
#include <limits>
#include <optional>
#include <vector>

#include <tapegrad/autograd/gradcheck_gtest.hpp>
#include <tapegrad/tapegrad.hpp>

namespace {

using tg::Tensor;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

Tensor doubles(std::vector<double> values) {
  const auto n = static_cast<std::int64_t>(values.size());
  return tg::tensor(values, {n}, tg::kFloat64);
}
Tensor int64s(std::vector<std::int64_t> values) {
  const auto n = static_cast<std::int64_t>(values.size());
  return tg::tensor(values, {n});
}
std::vector<std::int64_t> indices_of(const Tensor& t) { return t.to_vector<std::int64_t>(); }

// NaN-aware element comparison of a float64 tensor with expected values.
void expect_values(const Tensor& actual, const std::vector<double>& expected) {
  const auto values = actual.to(tg::kFloat64).to_vector<double>();
  ASSERT_EQ(values.size(), expected.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(expected[i]))
      EXPECT_TRUE(std::isnan(values[i])) << "element " << i;
    else
      EXPECT_EQ(values[i], expected[i]) << "element " << i;
  }
}

TEST(Sort, NanSortsAsTheLargestValue) {
  const Tensor x = doubles({1, kNan, 0, kNan, -1});
  auto [ascending, ascending_indices] = x.sort();
  expect_values(ascending, {-1, 0, 1, kNan, kNan});
  EXPECT_EQ(indices_of(ascending_indices), (std::vector<std::int64_t>{4, 2, 0, 1, 3}));
  auto [descending, descending_indices] = x.sort(-1, true);
  expect_values(descending, {kNan, kNan, 1, 0, -1});
  EXPECT_EQ(indices_of(descending_indices), (std::vector<std::int64_t>{1, 3, 0, 2, 4}));
  auto [top, top_indices] = x.topk(2);
  expect_values(top, {kNan, kNan});
  EXPECT_EQ(indices_of(top_indices), (std::vector<std::int64_t>{1, 3}));
  auto [bottom, bottom_indices] = x.topk(2, -1, false);
  expect_values(bottom, {-1, 0});
  EXPECT_EQ(indices_of(bottom_indices), (std::vector<std::int64_t>{4, 2}));
  auto [fourth, fourth_index] = x.kthvalue(4);
  EXPECT_TRUE(std::isnan(fourth.item<double>()));
  EXPECT_EQ(fourth_index.item<std::int64_t>(), 1);
}

TEST(Sort, StableSortKeepsTheOrderOfEqualElements) {
  // 200 elements with 3 distinct values: a stable order lists each value's positions increasingly.
  std::vector<std::int64_t> values(200);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::int64_t>((i * 7) % 3);
  for (const bool descending : {false, true}) {
    const auto order = indices_of(tg::argsort(int64s(values), true, 0, descending));
    for (std::size_t i = 1; i < order.size(); ++i) {
      const auto previous = values[static_cast<std::size_t>(order[i - 1])];
      const auto current = values[static_cast<std::size_t>(order[i])];
      if (previous == current) {
        EXPECT_LT(order[i - 1], order[i]) << "position " << i;
      }
      EXPECT_TRUE(descending ? previous >= current : previous <= current);
    }
  }
}

TEST(Sort, ManySlicesTakeTheParallelPathAndAgreeWithOneSlice) {
  tg::manual_seed(3);
  const Tensor x = tg::randn({500, 64}, tg::kFloat64);
  auto [values, indices] = x.sort(1, true);
  for (const std::int64_t row : {0, 257, 499}) {
    auto [row_values, row_indices] = x[row].sort(0, true);
    EXPECT_EQ(values[row].to_vector<double>(), row_values.to_vector<double>());
    EXPECT_EQ(indices_of(indices[row]), indices_of(row_indices));
  }
}

TEST(Sort, SortAndArgsortWorkOnBoolAndSmallIntegers) {
  const Tensor flags = tg::tensor(std::vector<std::int64_t>{1, 0, 1}, {3}).to(tg::kBool);
  auto [sorted, order] = flags.sort();
  EXPECT_EQ(sorted.dtype(), tg::kBool);
  EXPECT_EQ(indices_of(sorted.to(tg::kInt64)), (std::vector<std::int64_t>{0, 1, 1}));
  EXPECT_EQ(indices_of(order), (std::vector<std::int64_t>{1, 0, 2}));
  const Tensor bytes = int64s({200, 3, 255, 7}).to(tg::kUInt8);
  EXPECT_EQ(indices_of(bytes.argsort(0, true)), (std::vector<std::int64_t>{2, 0, 3, 1}));
  EXPECT_EQ(indices_of(bytes.msort().to(tg::kInt64)), (std::vector<std::int64_t>{3, 7, 200, 255}));
}

TEST(Median, IsTheLowerMedianAndPropagatesNan) {
  EXPECT_EQ(doubles({1, 2, 3, 4}).median().item<double>(), 2.0);
  EXPECT_TRUE(std::isnan(doubles({1, kNan, 0, kNan, -1}).median().item<double>()));
  auto [value, index] = doubles({1, kNan, 0, kNan, -1}).median(0);
  EXPECT_TRUE(std::isnan(value.item<double>()));
  EXPECT_EQ(index.item<std::int64_t>(), 1);  // the first NaN
  EXPECT_EQ(doubles({1, kNan, 0, kNan, -1}).nanmedian().item<double>(), 0.0);
  auto [nan_value, nan_index] = doubles({kNan, kNan, kNan}).nanmedian(0);
  EXPECT_TRUE(std::isnan(nan_value.item<double>()));
  EXPECT_EQ(nan_index.item<std::int64_t>(), 0);
  EXPECT_TRUE(std::isnan(tg::zeros({0}, tg::kFloat64).median().item<double>()));
  auto [int_values, int_indices] = tg::tensor(std::vector<std::int64_t>{1, 5, 2, 4, 4, 0}, {2, 3}).median(1);
  EXPECT_EQ(int_values.dtype(), tg::kInt64);
  EXPECT_EQ(indices_of(int_values), (std::vector<std::int64_t>{2, 4}));
  EXPECT_EQ(indices_of(int_indices[0].unsqueeze(0)), (std::vector<std::int64_t>{2}));
}

TEST(Mode, PicksTheSmallestMostFrequentValueAndItsLastOccurrence) {
  // PyTorch 1.13's CPU kernel: [1, 1, 2, 2, 3] -> (1, 1), [3, 3, 2, 2, 1] -> (2, 3), [2, 3, 2, 3, 1] -> (2,
  // 2).
  const Tensor x = tg::tensor(std::vector<std::int64_t>{1, 1, 2, 2, 3, 3, 3, 2, 2, 1, 2, 3, 2, 3, 1}, {3, 5});
  auto [values, indices] = x.mode();
  EXPECT_EQ(indices_of(values), (std::vector<std::int64_t>{1, 2, 2}));
  EXPECT_EQ(indices_of(indices), (std::vector<std::int64_t>{1, 3, 2}));
  auto [kept, kept_indices] = x.mode(0, true);
  EXPECT_EQ(kept.sizes(), (tg::Shape{1, 5}));
  EXPECT_EQ(indices_of(kept.reshape({5})), (std::vector<std::int64_t>{1, 3, 2, 2, 1}));
  EXPECT_EQ(indices_of(kept_indices.reshape({5})), (std::vector<std::int64_t>{0, 2, 2, 1, 2}));
}

TEST(Cummax, EqualMaximaAndNanMoveTheIndexForward) {
  auto [values, indices] = doubles({1, 3, 1, 3}).cummax(0);
  expect_values(values, {1, 3, 3, 3});
  EXPECT_EQ(indices_of(indices), (std::vector<std::int64_t>{0, 1, 1, 3}));
  auto [nan_values, nan_indices] = doubles({1, kNan, 3, kNan, 4}).cummin(0);
  expect_values(nan_values, {1, kNan, kNan, kNan, kNan});
  EXPECT_EQ(indices_of(nan_indices), (std::vector<std::int64_t>{0, 1, 1, 3, 3}));
  // The gradient of each running maximum goes to the element it came from.
  Tensor x = doubles({1, 3, 1, 3}).requires_grad_(true);
  std::get<0>(x.cummax(0)).sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 2, 0, 1}));
}

TEST(Cumprod, GradientIsExactAtZeros) {
  // PyTorch: cumprod([2, 0, 3, 0, 4]) with upstream [1..5] gives [1, 22, 0, 0, 0]; with one zero,
  // [2, 0, 3, 5, 4] gives [1, 742, 0, 0, 0].
  Tensor x = doubles({2, 0, 3, 0, 4}).requires_grad_(true);
  x.cumprod(0).backward(doubles({1, 2, 3, 4, 5}));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 22, 0, 0, 0}));
  Tensor y = doubles({2, 0, 3, 5, 4}).requires_grad_(true);
  y.cumprod(0).backward(doubles({1, 2, 3, 4, 5}));
  EXPECT_EQ(y.grad().to_vector<double>(), (std::vector<double>{1, 742, 0, 0, 0}));

  const Tensor zeros_inside =
      tg::tensor(std::vector<double>{0.5, 0, -1.5, 2, 0, 0, 1.2, -0.7, 0.9, 1.1, 0.3, 0}, {3, 4},
                 tg::kFloat64)
          .requires_grad_(true);
  const auto along_rows = [](const tg::tensor_list& in) { return in[0].cumprod(1); };
  EXPECT_GRADCHECK(along_rows, {zeros_inside});
  EXPECT_GRADGRADCHECK(along_rows, {zeros_inside});
}

TEST(Cumsum, IntegersGiveInt64AndWrapOnOverflow) {
  const Tensor small = tg::tensor(std::vector<std::int64_t>{100, 100, 100}, {3}).to(tg::kInt8);
  const Tensor sums = small.cumsum(0);
  EXPECT_EQ(sums.dtype(), tg::kInt64);
  EXPECT_EQ(indices_of(sums), (std::vector<std::int64_t>{100, 200, 300}));
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(indices_of(int64s({big, 1}).cumsum(0)),
            (std::vector<std::int64_t>{big, std::numeric_limits<std::int64_t>::min()}));
  EXPECT_EQ(small.cumsum(0, tg::kInt16).dtype(), tg::kInt16);
  EXPECT_EQ(indices_of(int64s({-2, 3, -1}).cumprod(0)), (std::vector<std::int64_t>{-2, -6, 6}));
}

TEST(Cumsum, InPlaceKeepsTheDtype) {
  const Tensor x = tg::tensor(std::vector<std::int64_t>{1, 2, 3}, {3}).to(tg::kInt32);
  x.cumsum_(0);
  EXPECT_EQ(x.dtype(), tg::kInt32);
  EXPECT_EQ(indices_of(x.to(tg::kInt64)), (std::vector<std::int64_t>{1, 3, 6}));
  const Tensor y = doubles({1, 2, 3});
  y.cumprod_(0);
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{1, 2, 6}));
  try {
    doubles({1, 2}).cumsum_(0, tg::kFloat32);
    FAIL() << "expected tg::Error";
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cumsum_: Bad in-place call: input tensor dtype float64 and output "
                                         "tensor dtype float32 should match"),
              std::string::npos)
        << e.what();
  }
  const Tensor leaf = doubles({1, 2}).requires_grad_(true);
  EXPECT_THROW(leaf.cumprod_(0), tg::Error);
}

TEST(Logcumsumexp, HandlesInfinitiesWithoutNan) {
  const double inf = std::numeric_limits<double>::infinity();
  expect_values(doubles({-inf, -inf, 1}).logcumsumexp(0), {-inf, -inf, 1});
  expect_values(doubles({inf, inf, 1}).logcumsumexp(0), {inf, inf, inf});
  const auto large = doubles({1000, 1000}).logcumsumexp(0).to_vector<double>();
  EXPECT_EQ(large[0], 1000.0);
  EXPECT_NEAR(large[1], 1000 + std::log(2.0), 1e-12);
}

TEST(SortScan, ZeroDimensionalInputsAreOneElementSlices) {
  const Tensor x = tg::scalar_tensor(5.0, tg::kFloat64);
  auto [values, indices] = x.sort();
  EXPECT_EQ(values.dim(), 0);
  EXPECT_EQ(indices.item<std::int64_t>(), 0);
  EXPECT_EQ(std::get<1>(x.topk(1)).dim(), 0);
  EXPECT_EQ(std::get<0>(x.median(0)).item<double>(), 5.0);
  EXPECT_EQ(x.cumsum(0).item<double>(), 5.0);
  EXPECT_EQ(std::get<1>(x.cummax(0)).item<std::int64_t>(), 0);
  EXPECT_THROW(x.sort(1), tg::Error);
  EXPECT_THROW(x.topk(2), tg::Error);
}

}  // namespace
