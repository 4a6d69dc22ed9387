// Note [Row exp-sum]
// ~~~~~~~~~~~~~~~~~~
// cross_entropy's forward reads its logits once (4 bytes per element) and evaluates one exp per
// element, so two things limit it: the exp and the memory latency.
//
// - Memory: each row (4 KiB for 1024 classes) is read by the max loop and then re-read from L1 by the
//   exp loop. While the exp loop computes, nothing was being fetched: the hardware prefetcher runs only
//   a little ahead of the loads, so the next row's max loop waited on DRAM again, and time was memory
//   time plus exp time. The exp loop now prefetches the data kPrefetchBytes ahead, which overlaps the
//   two. Zen5 VM, one thread, 64 MiB, in an exploration program (bench/notes/elementwise.md): 3.7 ms
//   before; the AVX-512 exp alone, still 3.7 ms; with prefetching, 1.5 ms, as fast as a bare max loop
//   over the 64 MiB; the portable exp with prefetching, 3.2 ms. Fusing the two loops (online softmax:
//   running maximum with rescaling) reads each row once but needs a second exp per element for the
//   rescaling: 2.9 ms (no prefetching). Computing the next row's maximum inside this row's exp loop was
//   ~7 % faster than the two loops: not worth the extra code.
// - Exp: fast::exp_nonpositive (Cody-Waite, degree-4 fit, exponent bits by integer ops, a clamp that
//   GCC turns into masks) costs ~0.17 ns per element in L1. The AVX-512 version works in base 2:
//   t = (x - m) log2(e), f = t - floor(t) in [0, 1) by one vreduceps, 2^f by a degree-5 fit, and
//   vscalefps multiplies by 2^floor(t), handling underflow, -inf (t = -inf: f = 0, result 0) and NaN
//   by itself, so there is neither a clamp nor integer work: ~0.08 ns per element.
//   Accuracy: the fit is within 1.6 ulp of 2^f (relative), the evaluation adds ~1 ulp, and rounding t
//   to float adds up to |x - m| ulp: small for the terms that make up the sum (which is >= 1, the
//   maximum's own term), large for terms far below it, which the sum cannot see. Measured against long
//   double: sums within 2.7 ulp on random rows and 4.3 ulp on adversarial rows (1 + 1023 terms at
//   the same distance below the maximum), where the portable loops, which add in float, reach 7 and
//   62 ulp (tests/autograd/row_exp_sum_test.cpp). Fine for a sum, not for the element-wise exp of
//   softmax, which keeps fast::exp_nonpositive.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include <tapegrad/autograd/kernels/fast_math.hpp>
#include <tapegrad/autograd/kernels/isa_loop.hpp>
#include <tapegrad/autograd/kernels/lane_reductions.hpp>
#include <tapegrad/autograd/kernels/row_exp_sum.hpp>
#include <tapegrad/autograd/kernels/thread_pool.hpp>

namespace tg::kernels {
namespace {

// Far enough ahead to cover the DRAM latency while one ~4 KiB row is exponentiated (16-24 KiB
// measured best on Zen5; 4 KiB was barely better than none, 32 KiB and more got slower again).
constexpr std::int64_t kPrefetchBytes = 20 * 1024;

// Where the results go; `columns` and `picked` are null when no element is picked.
template <class T>
struct RowResults {
  T* maxima;
  T* sums;
  const std::int64_t* columns;
  T* picked;

  void pick(const T* row, std::int64_t r) const {
    if (columns != nullptr) picked[r] = row[columns[r]];
  }
};

// The portable loops keep kLanes explicit partial results (one 512-bit vector of floats) rather than
// `omp simd` reductions, so that the result does not depend on whether and how wide the compiler
// vectorizes: an unvectorized float sum over a row of 1024 equal terms is ~1000 ulp off, and clang
// starts an `omp simd` max at -FLT_MAX, so a row of -inf had the maximum -FLT_MAX there and -inf
// with GCC.
constexpr int kLanes = kReductionLanes;

// Each lane adds n / 16 terms in T (up to ~7 ulp on random rows of 1024, ~62 ulp on rows of 1024
// equal terms, tested); the lanes and the tail are added in double. Double lanes would be exact enough
// everywhere, but GCC then keeps the exp loop scalar (10x slower).
template <class T>
T portable_exp_sum(const T* x, std::int64_t n, T top) {
  T lanes[kLanes] = {};
  std::int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
#pragma omp simd
    for (int k = 0; k < kLanes; ++k) lanes[k] += fast::exp_nonpositive(x[j + k] - top);
  double total = 0;
  for (; j < n; ++j) total += static_cast<double>(fast::exp_nonpositive(x[j] - top));
  for (int k = 0; k < kLanes; ++k) total += static_cast<double>(lanes[k]);
  return static_cast<T>(total);
}

// Rows [begin, end) of `rows`; prefetching stops at the end of the data (a pointer past it would be
// undefined behaviour even if the prefetch itself cannot fault).
template <class T>
void portable_rows(const T* x, std::int64_t begin, std::int64_t end, std::int64_t rows, std::int64_t n,
                   const RowResults<T>& out) {
  constexpr std::int64_t kAhead = kPrefetchBytes / static_cast<std::int64_t>(sizeof(T));
  constexpr std::int64_t kLine = 64 / static_cast<std::int64_t>(sizeof(T));
  const std::int64_t total = rows * n;
  for (std::int64_t r = begin; r < end; ++r) {
    const T* row = x + r * n;
    const std::int64_t ahead = r * n + kAhead;
    for (std::int64_t j = 0; j < n && ahead + j < total; j += kLine) __builtin_prefetch(x + ahead + j);
    const T top = lane_row_max(row, n);
    out.maxima[r] = top;
    out.sums[r] = portable_exp_sum(row, n, top);
    out.pick(row, r);
  }
}

// GCC 12's AVX-512 intrinsics pass _mm512_undefined_ps() as the unused merge source, which
// -Wmaybe-uninitialized reports at every inlined use (GCC bug 105593, fixed in GCC 13). Clang has no
// such warning (and would warn about the unknown name).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// The first `count` of 16 lanes.
__attribute__((target("avx512f,avx512dq"))) inline __mmask16 first_lanes(std::int64_t count) {
  return count >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << count) - 1u);
}

// e^(x - top) in 16 lanes (Note [Row exp-sum]).
__attribute__((target("avx512f,avx512dq"))) inline __m512 exp_shifted16(__m512 x, __m512 top) {
  const __m512 t = _mm512_mul_ps(_mm512_sub_ps(x, top), _mm512_set1_ps(1.44269504088896341f));
  const __m512 f = _mm512_reduce_ps(t, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);  // t - floor(t)
  // 2^f on [0, 1): relative minimax fit with the constant term fixed to 1 (1.6 ulp).
  __m512 p = _mm512_set1_ps(0x1.e974fcp-10f);
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(0x1.277854p-7f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(0x1.c91ce6p-5f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(0x1.ebdb56p-3f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(0x1.62e4bap-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, t);  // p * 2^floor(t)
}

// low += the first 8 lanes of v, high += the last 8, in double.
__attribute__((target("avx512f,avx512dq"))) inline void add_widened(__m512 v, __m512d& low, __m512d& high) {
  low = _mm512_add_pd(low, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
  high =
      _mm512_add_pd(high, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
}

__attribute__((target("avx512f,avx512dq"))) float avx512_row_max(const float* row, std::int64_t n) {
  const __m512 lowest = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  // _mm512_max_ps(a, b) returns b when either is NaN: loads go first, so NaN is skipped.
  __m512 m0 = lowest, m1 = lowest, m2 = lowest, m3 = lowest;
  std::int64_t j = 0;
  for (; j + 64 <= n; j += 64) {
    m0 = _mm512_max_ps(_mm512_loadu_ps(row + j), m0);
    m1 = _mm512_max_ps(_mm512_loadu_ps(row + j + 16), m1);
    m2 = _mm512_max_ps(_mm512_loadu_ps(row + j + 32), m2);
    m3 = _mm512_max_ps(_mm512_loadu_ps(row + j + 48), m3);
  }
  for (; j < n; j += 16) m0 = _mm512_max_ps(_mm512_mask_loadu_ps(lowest, first_lanes(n - j), row + j), m0);
  return _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(m0, m1), _mm512_max_ps(m2, m3)));
}

__attribute__((target("avx512f,avx512dq"))) void avx512_rows(const float* x, std::int64_t begin,
                                                             std::int64_t end, std::int64_t rows,
                                                             std::int64_t n, const RowResults<float>& out) {
  constexpr std::int64_t kAhead = kPrefetchBytes / static_cast<std::int64_t>(sizeof(float));
  const std::int64_t total = rows * n;
  for (std::int64_t r = begin; r < end; ++r) {
    const float* row = x + r * n;
    const float top_value = avx512_row_max(row, n);
    const __m512 top = _mm512_set1_ps(top_value);
    // Blocks of kBlock vectors of exps are added in float as a tree (3 roundings per lane), each block's
    // sum in double: one float accumulator per lane over a row would round 64 times (up to 8 ulp on
    // rows of equal terms, 30 with two accumulators and no tree); converting every vector to double
    // cost 35 % more time, blocks of 16 vectors were no faster than 8.
    constexpr int kBlock = 8;
    __m512d low = _mm512_setzero_pd(), high = _mm512_setzero_pd();
    std::int64_t j = 0;
    for (; j + 16 * kBlock <= n; j += 16 * kBlock) {
      __m512 e[kBlock];
      for (int k = 0; k < kBlock; ++k) {
        const float* at = row + j + 16 * k;
        if (r * n + j + 16 * k + kAhead < total)
          _mm_prefetch(reinterpret_cast<const char*>(at + kAhead), _MM_HINT_T0);
        e[k] = exp_shifted16(_mm512_loadu_ps(at), top);
      }
      for (int width = kBlock / 2; width >= 1; width /= 2)
        for (int k = 0; k < width; ++k) e[k] = _mm512_add_ps(e[k], e[k + width]);
      add_widened(e[0], low, high);
    }
    for (; j < n; j += 16) {
      const __mmask16 lanes = first_lanes(n - j);
      if (r * n + j + kAhead < total)
        _mm_prefetch(reinterpret_cast<const char*>(row + j + kAhead), _MM_HINT_T0);
      add_widened(_mm512_maskz_mov_ps(lanes, exp_shifted16(_mm512_maskz_loadu_ps(lanes, row + j), top)), low,
                  high);
    }
    out.maxima[r] = top_value;
    out.sums[r] = static_cast<float>(_mm512_reduce_add_pd(_mm512_add_pd(low, high)));
    out.pick(row, r);
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// Whole rows per thread, in contiguous blocks (each thread's prefetches run ahead in its own block).
template <class RowsFn>
void for_row_blocks(std::int64_t rows, std::int64_t n, RowsFn&& run) {
  const bool parallel = rows * n >= kParallelThreshold && rows > 1;
  if (!parallel) {
    run(std::int64_t{0}, rows);
    return;
  }
  parallel_ranges(rows, chunk_count(rows, 1), run);
}

}  // namespace

bool row_exp_sum_has_avx512() { return active_isa() == Isa::avx512; }

void row_max_exp_sum(const float* x, std::int64_t rows, std::int64_t n, float* maxima, float* sums,
                     const std::int64_t* columns, float* picked, RowExpSumPath path) {
  const bool avx512 = path == RowExpSumPath::best && row_exp_sum_has_avx512();
  const RowResults<float> out{maxima, sums, columns, picked};
  for_row_blocks(rows, n, [&](std::int64_t begin, std::int64_t end) {
    if (avx512)
      avx512_rows(x, begin, end, rows, n, out);
    else
      isa_run([&] { portable_rows(x, begin, end, rows, n, out); });
  });
}

void row_max_exp_sum(const double* x, std::int64_t rows, std::int64_t n, double* maxima, double* sums,
                     const std::int64_t* columns, double* picked, RowExpSumPath) {
  const RowResults<double> out{maxima, sums, columns, picked};
  for_row_blocks(rows, n, [&](std::int64_t begin, std::int64_t end) {
    isa_run([&] { portable_rows(x, begin, end, rows, n, out); });
  });
}

}  // namespace tg::kernels
