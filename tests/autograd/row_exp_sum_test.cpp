// kernels::row_max_exp_sum (cross_entropy's forward): the AVX-512 float version (when this CPU has it) and
// the portable loops against long double, at row lengths around the 16- and 32-lane blocks, with
// extreme and non-finite logits, and with the picked elements cross_entropy reads.
#include <cmath>
#include <cstdint>
#include <gtest/gtest.h>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <tapegrad/autograd/kernels/row_exp_sum.hpp>

namespace {

using tg::kernels::RowExpSumPath;

constexpr float kInf = std::numeric_limits<float>::infinity();

struct Expected {
  long double max;
  long double sum;
};

template <class T>
Expected reference(const std::vector<T>& x, std::int64_t row, std::int64_t n) {
  long double top = -std::numeric_limits<long double>::infinity();
  for (std::int64_t j = 0; j < n; ++j)
    top = std::max<long double>(top, x[static_cast<std::size_t>(row * n + j)]);
  long double sum = 0;
  for (std::int64_t j = 0; j < n; ++j)
    sum += std::exp(static_cast<long double>(x[static_cast<std::size_t>(row * n + j)]) - top);
  return {top, sum};
}

struct Results {
  std::vector<float> maxima, sums, picked;
};

Results run(const std::vector<float>& x, std::int64_t rows, std::int64_t n,
            const std::vector<std::int64_t>& columns, RowExpSumPath path) {
  Results out{std::vector<float>(static_cast<std::size_t>(rows)),
              std::vector<float>(static_cast<std::size_t>(rows)),
              std::vector<float>(static_cast<std::size_t>(rows))};
  tg::kernels::row_max_exp_sum(x.data(), rows, n, out.maxima.data(), out.sums.data(), columns.data(),
                               out.picked.data(), path);
  return out;
}

std::vector<RowExpSumPath> float_paths() {
  std::vector<RowExpSumPath> paths{RowExpSumPath::portable};
  if (tg::kernels::row_exp_sum_has_avx512()) paths.push_back(RowExpSumPath::best);
  return paths;
}

std::string path_name(RowExpSumPath path) { return path == RowExpSumPath::best ? "best" : "portable"; }

// Bounds on the relative error of a sum, in ulp, on random rows and on rows of equal terms. The AVX-512
// version adds blocks of exps in double; the portable loops add in float (as softmax does), which
// rounds once per term and lane.
double random_rows_bound(RowExpSumPath path) { return path == RowExpSumPath::best ? 4.0 : 10.0; }
double equal_terms_bound(RowExpSumPath path) { return path == RowExpSumPath::best ? 6.0 : 80.0; }

// Relative error of the sum in units of 2^-24.
double ulps(float actual, long double expected) {
  return static_cast<double>(std::abs((static_cast<long double>(actual) - expected) / expected) / 0x1p-24L);
}

std::vector<std::int64_t> columns_for(std::int64_t rows, std::int64_t n, std::mt19937& gen) {
  std::uniform_int_distribution<std::int64_t> column(0, n - 1);
  std::vector<std::int64_t> columns(static_cast<std::size_t>(rows));
  for (auto& c : columns) c = column(gen);
  return columns;
}

TEST(RowExpSum, FloatMatchesLongDoubleAtEveryRowLength) {
  std::mt19937 gen(7);
  std::normal_distribution<float> normal;
  for (const RowExpSumPath path : float_paths())
    for (const std::int64_t n : {1, 2, 7, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 1000, 1024, 1025})
      for (const float scale : {1.0f, 10.0f, 1000.0f}) {
        SCOPED_TRACE(path_name(path) + " n=" + std::to_string(n) + " scale=" + std::to_string(scale));
        const std::int64_t rows = 5;
        std::vector<float> x(static_cast<std::size_t>(rows * n));
        for (float& v : x) v = normal(gen) * scale;
        const std::vector<std::int64_t> columns = columns_for(rows, n, gen);
        const Results out = run(x, rows, n, columns, path);
        for (std::int64_t r = 0; r < rows; ++r) {
          const auto i = static_cast<std::size_t>(r);
          const Expected expected = reference(x, r, n);
          EXPECT_EQ(out.maxima[i], static_cast<float>(expected.max));
          EXPECT_LE(ulps(out.sums[i], expected.sum), random_rows_bound(path))
              << "row " << r << ": " << out.sums[i];
          EXPECT_EQ(out.picked[i], x[static_cast<std::size_t>(r * n + columns[i])]);
        }
        if (n == 1) {
          EXPECT_EQ(out.sums[0], 1.0f);  // exp(0) is exact
        }
      }
}

// Every term but the maximum's at the same distance u below it: the sum 1 + (n - 1) e^-u weights the
// error of the terms at u most (the rounding of t = -u log2(e) grows with u).
TEST(RowExpSum, EqualTermsAtEveryDistanceBelowTheMaximum) {
  const std::int64_t n = 1024;
  for (const RowExpSumPath path : float_paths()) {
    SCOPED_TRACE(path_name(path));
    std::vector<float> x;
    const std::int64_t rows = 400;
    for (std::int64_t r = 0; r < rows; ++r) {
      const float u = 0.05f * static_cast<float>(r);
      x.push_back(3.0f);
      for (std::int64_t j = 1; j < n; ++j) x.push_back(3.0f - u);
    }
    const Results out = run(x, rows, n, std::vector<std::int64_t>(rows, 0), path);
    double worst = 0;
    for (std::int64_t r = 0; r < rows; ++r)
      worst = std::max(worst, ulps(out.sums[static_cast<std::size_t>(r)], reference(x, r, n).sum));
    EXPECT_LE(worst, equal_terms_bound(path));
  }
}

TEST(RowExpSum, NonFiniteAndExtremeLogits) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float e = std::exp(-1.0f);
  struct Case {
    std::vector<float> row;
    float max;
    float sum;  // NaN: the sum must be NaN
  };
  const std::vector<Case> cases = {
      {{0.0f, -kInf, 1.0f}, 1.0f, 1.0f + e},               // -inf contributes 0
      {{-kInf, -kInf, -kInf}, -kInf, nan},                 // -inf - -inf
      {{1.0f, kInf, 2.0f}, kInf, nan},                     // inf - inf
      {{1.0f, nan, 2.0f}, 2.0f, nan},                      // the maximum skips NaN, the sum does not
      {{1e4f, -1e4f, 0.0f, 1e4f - 1.0f}, 1e4f, 1.0f + e},  // no overflow
      {{-1e4f, -1e4f - 1.0f}, -1e4f, 1.0f + e},
      {{0.0f, -88.0f, -104.0f, -150.0f, -1e30f}, 0.0f, 1.0f},  // underflowing terms (below FLT_MIN)
      {{std::numeric_limits<float>::max(), 0.0f}, std::numeric_limits<float>::max(), 1.0f},
  };
  for (const RowExpSumPath path : float_paths())
    for (const Case& c : cases)
      for (const std::int64_t pad : {0, 16, 29}) {  // the values in the masked tail, or after full blocks
        SCOPED_TRACE(path_name(path) + " pad=" + std::to_string(pad) + " first=" + std::to_string(c.row[0]));
        std::vector<float> row(static_cast<std::size_t>(pad), -kInf);
        row.insert(row.end(), c.row.begin(), c.row.end());
        const auto n = static_cast<std::int64_t>(row.size());
        const Results out = run(row, 1, n, {n - 1}, path);
        EXPECT_EQ(out.maxima[0], c.max);
        if (std::isnan(c.sum)) {
          EXPECT_TRUE(std::isnan(out.sums[0])) << out.sums[0];
        } else {
          EXPECT_NEAR(out.sums[0], c.sum, 4e-7f * c.sum);
        }
        EXPECT_EQ(out.picked[0], row.back());
      }
}

// Above the parallel threshold, with rows that end near the end of the data (prefetch bound).
TEST(RowExpSum, ParallelRowsMatchSerialRows) {
  std::mt19937 gen(11);
  std::normal_distribution<float> normal;
  for (const std::int64_t n : {1, 17, 1000}) {
    const std::int64_t rows = 70000 / n + 3;
    std::vector<float> x(static_cast<std::size_t>(rows * n));
    for (float& v : x) v = normal(gen) * 5.0f;
    const std::vector<std::int64_t> columns = columns_for(rows, n, gen);
    for (const RowExpSumPath path : float_paths()) {
      SCOPED_TRACE(path_name(path) + " n=" + std::to_string(n));
      const Results all = run(x, rows, n, columns, path);
      for (const std::int64_t r : {std::int64_t{0}, rows / 2, rows - 1}) {
        const std::vector<float> one(x.begin() + r * n, x.begin() + (r + 1) * n);
        const Results single = run(one, 1, n, {columns[static_cast<std::size_t>(r)]}, path);
        const auto i = static_cast<std::size_t>(r);
        EXPECT_EQ(all.maxima[i], single.maxima[0]);
        EXPECT_EQ(all.sums[i], single.sums[0]);
        EXPECT_EQ(all.picked[i], single.picked[0]);
      }
    }
  }
}

TEST(RowExpSum, DoubleUsesTheCLibraryExp) {
  std::mt19937 gen(5);
  std::normal_distribution<double> normal;
  for (const std::int64_t n : {1, 15, 17, 1024}) {
    SCOPED_TRACE("n=" + std::to_string(n));
    const std::int64_t rows = 4;
    std::vector<double> x(static_cast<std::size_t>(rows * n));
    for (double& v : x) v = normal(gen) * 30.0;
    if (n > 1) x[1] = -std::numeric_limits<double>::infinity();  // contributes 0
    std::vector<double> maxima(rows), sums(rows), picked(rows);
    const std::vector<std::int64_t> columns(rows, n - 1);
    tg::kernels::row_max_exp_sum(x.data(), rows, n, maxima.data(), sums.data(), columns.data(),
                                 picked.data());
    for (std::int64_t r = 0; r < rows; ++r) {
      const auto i = static_cast<std::size_t>(r);
      const Expected expected = reference(x, r, n);
      EXPECT_EQ(maxima[i], static_cast<double>(expected.max));
      EXPECT_NEAR(sums[i], static_cast<double>(expected.sum), 1e-14 * static_cast<double>(expected.sum));
      EXPECT_EQ(picked[i], x[static_cast<std::size_t>(r * n + n - 1)]);
    }
  }
}

}  // namespace
