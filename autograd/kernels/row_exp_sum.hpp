#pragma once
// Per row of contiguous data: the maximum m and the sum of exp(x - m), from which cross_entropy gets
// log-sum-exp. This is the whole cost of cross_entropy's forward, so float has an AVX-512 version
// (chosen at run time) with a cheaper exp than fast::exp_nonpositive. See Note [Row exp-sum].
#include <cstdint>

namespace tg::kernels {

/// Which implementation runs the float rows: the fastest this CPU supports, or the portable loops
/// (tests compare the two).
enum class RowExpSumPath { best, portable };

/// True when RowExpSumPath::best runs the AVX-512 version on this CPU (AVX-512F and AVX-512DQ).
bool row_exp_sum_has_avx512();

/// For each of `rows` contiguous rows of `n` elements at x: maxima[r] = max_j x_rj (NaN is skipped,
/// as in a `>` comparison) and sums[r] = sum_j exp(x_rj - maxima[r]). A NaN in a row, or a row with
/// +inf or only -inf, gives a NaN sum; -inf elements contribute 0. Float: the sum within a few ulp of
/// the exact one (AVX-512: <= 4.3 ulp measured, portable: <= 62; see Note [Row exp-sum]); double:
/// std::exp.
/// When `columns` is not null, also picked[r] = x_r,columns[r] (each in [0, n), checked by the caller),
/// read while the row is in cache. Runs on kernels::num_threads() threads when the data is large enough.
void row_max_exp_sum(const float* x, std::int64_t rows, std::int64_t n, float* maxima, float* sums,
                     const std::int64_t* columns = nullptr, float* picked = nullptr,
                     RowExpSumPath path = RowExpSumPath::best);
void row_max_exp_sum(const double* x, std::int64_t rows, std::int64_t n, double* maxima, double* sums,
                     const std::int64_t* columns = nullptr, double* picked = nullptr,
                     RowExpSumPath path = RowExpSumPath::best);

}  // namespace tg::kernels
