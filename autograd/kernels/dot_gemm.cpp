#include <immintrin.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <utility>

#include <tapegrad/autograd/kernels/cpu_isa.hpp>
#include <tapegrad/autograd/kernels/dot_gemm.hpp>
#include <tapegrad/autograd/kernels/environment.hpp>
#include <tapegrad/autograd/kernels/parallel_for.hpp>

namespace tg::kernels {
namespace {

// Note [dot-product GEMM]
// In Y = X * Wᵀ both operands have k contiguous, so every C(i, j) is a dot product of two contiguous rows.
// BLIS must first pack both operands into k-major panels, a transposing gather that costs as much as the
// arithmetic when m is small: 64x128x784 ran at ~48 % of peak, and 64x10x128 at 8 %, against 90-100 % for
// the same shapes laid out NN or TN. Here an MR x NR tile of C keeps MR * NR vector accumulators, loads one
// vector from each of its MR + NR rows per step along k and does MR * NR FMAs, then sums each accumulator
// across lanes once at the end of the k block. No packing: the rows are read where they are.
// Blocking: a k block of at most kDotGemmKBlock elements keeps a tile's rows in L1; a panel of B rows sized
// to stay in L2 is reused by every row tile of A. The choice of shapes that come here is made by measurement
// in blis_gemm.cpp (bench/notes/dot_gemm.md).

constexpr int kRowsPerTile = 6;  // MR: rows of A per tile
constexpr int kColsPerTile = 4;  // NR: rows of B (columns of C) per tile; 24 accumulators + 5 operands
constexpr std::int64_t kPanelBytes = 256 * 1024;

// GCC 12's AVX-512 casts and extracts start from an "undefined" register written as `__m256d y = y;`,
// which its -Wmaybe-uninitialized reports wherever they are inlined (GCC bug 105593).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

template <class T>
struct Avx512;

template <>
struct Avx512<float> {
  using Vec = __m512;
  using Mask = __mmask16;
  static constexpr int kLanes = 16;
  [[gnu::target("avx512f")]] static Vec zero() { return _mm512_setzero_ps(); }
  [[gnu::target("avx512f")]] static Vec load(const float* p) { return _mm512_loadu_ps(p); }
  [[gnu::target("avx512f")]] static Vec load(Mask mask, const float* p) {
    return _mm512_maskz_loadu_ps(mask, p);
  }
  [[gnu::target("avx512f")]] static Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
  [[gnu::target("avx512f")]] static __m256 high_half(Vec v) {
    return _mm512_castps512_ps256(_mm512_shuffle_f32x4(v, v, 0xEE));
  }
  // The lane sums of four vectors: halves added, then two rounds of pairwise horizontal adds.
  [[gnu::target("avx512f")]] static void sum4(const Vec (&v)[4], float (&out)[4]) {
    __m256 half[4];
    for (int j = 0; j < 4; ++j) half[j] = _mm256_add_ps(_mm512_castps512_ps256(v[j]), high_half(v[j]));
    const __m256 pairs = _mm256_hadd_ps(_mm256_hadd_ps(half[0], half[1]), _mm256_hadd_ps(half[2], half[3]));
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(pairs), _mm256_extractf128_ps(pairs, 1)));
  }
};

template <>
struct Avx512<double> {
  using Vec = __m512d;
  using Mask = __mmask8;
  static constexpr int kLanes = 8;
  [[gnu::target("avx512f")]] static Vec zero() { return _mm512_setzero_pd(); }
  [[gnu::target("avx512f")]] static Vec load(const double* p) { return _mm512_loadu_pd(p); }
  [[gnu::target("avx512f")]] static Vec load(Mask mask, const double* p) {
    return _mm512_maskz_loadu_pd(mask, p);
  }
  [[gnu::target("avx512f")]] static Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_pd(a, b, c); }
  [[gnu::target("avx512f")]] static __m256d high_half(Vec v) {
    return _mm512_castpd512_pd256(_mm512_shuffle_f64x2(v, v, 0xEE));
  }
  [[gnu::target("avx512f")]] static void sum4(const Vec (&v)[4], double (&out)[4]) {
    __m256d half[4];
    for (int j = 0; j < 4; ++j) half[j] = _mm256_add_pd(_mm512_castpd512_pd256(v[j]), high_half(v[j]));
    const __m256d low_pairs = _mm256_hadd_pd(half[0], half[1]);  // [0: 01, 1: 01, 0: 23, 1: 23]
    const __m256d high_pairs = _mm256_hadd_pd(half[2], half[3]);
    const __m256d sums = _mm256_add_pd(_mm256_permute2f128_pd(low_pairs, high_pairs, 0x20),
                                       _mm256_permute2f128_pd(low_pairs, high_pairs, 0x31));
    _mm256_storeu_pd(out, sums);
  }
};

template <class T>
struct Problem {
  const T* a;
  std::int64_t lda;  // A(i, p) = a[i * lda + p]
  const T* b;
  std::int64_t ldb;  // B(p, j) = b[j * ldb + p]
  T* c;
  std::int64_t c_row_stride, c_col_stride;
  T alpha, beta;
};

// Keeps a loaded vector in a register. Without it GCC folds the load into each FMA that uses the vector
// (one load per FMA instead of one per row): the loop then issues 20 loads per 16 FMAs and runs at half
// of the FMA rate.
template <class Vec>
[[gnu::target("avx512f")]] inline Vec in_register(Vec v) {
  asm("" : "+v"(v));
  return v;
}

// One MR x NR tile of C over k in [begin, end). The first k block applies beta; later ones add.
template <class T, int MR, int NR>
[[gnu::target("avx512f")]] void dot_tile(const Problem<T>& problem, std::int64_t i0, std::int64_t j0,
                                         std::int64_t begin, std::int64_t end, bool first_block) {
  using S = Avx512<T>;
  typename S::Vec acc[MR][4];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < 4; ++j) acc[i][j] = S::zero();
  const T* a_rows[MR];
  const T* b_rows[NR];
  for (int i = 0; i < MR; ++i) a_rows[i] = problem.a + (i0 + i) * problem.lda;
  for (int j = 0; j < NR; ++j) b_rows[j] = problem.b + (j0 + j) * problem.ldb;
  std::int64_t p = begin;
  for (; p + S::kLanes <= end; p += S::kLanes) {
    typename S::Vec b_vec[NR];
    for (int j = 0; j < NR; ++j) b_vec[j] = in_register(S::load(b_rows[j] + p));
    for (int i = 0; i < MR; ++i) {
      const typename S::Vec a_vec = in_register(S::load(a_rows[i] + p));
      for (int j = 0; j < NR; ++j) acc[i][j] = S::fma(a_vec, b_vec[j], acc[i][j]);
    }
  }
  if (p < end) {  // masked loads read zeros past the end
    const auto mask = static_cast<typename S::Mask>((1u << (end - p)) - 1u);
    typename S::Vec b_vec[NR];
    for (int j = 0; j < NR; ++j) b_vec[j] = S::load(mask, b_rows[j] + p);
    for (int i = 0; i < MR; ++i) {
      const typename S::Vec a_vec = S::load(mask, a_rows[i] + p);
      for (int j = 0; j < NR; ++j) acc[i][j] = S::fma(a_vec, b_vec[j], acc[i][j]);
    }
  }
  for (int i = 0; i < MR; ++i) {
    T sums[4];
    S::sum4(acc[i], sums);
    T* c_row = problem.c + (i0 + i) * problem.c_row_stride + j0 * problem.c_col_stride;
    for (int j = 0; j < NR; ++j) {
      T& out = c_row[j * problem.c_col_stride];
      const T scaled = problem.alpha * sums[j];
      if (!first_block)
        out += scaled;
      else
        out = problem.beta == T(0) ? scaled : scaled + problem.beta * out;  // beta 0 overwrites, as BLIS does
    }
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

template <class T>
using TileFn = void (*)(const Problem<T>&, std::int64_t, std::int64_t, std::int64_t, std::int64_t, bool);

template <class T, std::size_t... I>
constexpr std::array<TileFn<T>, sizeof...(I)> make_tiles(std::index_sequence<I...>) {
  return {&dot_tile<T, static_cast<int>(I) / kColsPerTile + 1, static_cast<int>(I) % kColsPerTile + 1>...};
}

// tiles<T>[(mr - 1) * kColsPerTile + (nr - 1)] handles an mr x nr tile.
template <class T>
constexpr auto tiles = make_tiles<T>(std::make_index_sequence<kRowsPerTile * kColsPerTile>{});

// Rows [row_begin, row_end) of C, all columns.
template <class T>
void dot_gemm_rows(const Problem<T>& problem, std::int64_t k, std::int64_t n, std::int64_t row_begin,
                   std::int64_t row_end) {
  const std::int64_t k_block = std::min(k, kDotGemmKBlock);
  const std::int64_t panel_rows =
      std::max<std::int64_t>(kColsPerTile, kPanelBytes / (k_block * static_cast<std::int64_t>(sizeof(T))) /
                                               kColsPerTile * kColsPerTile);
  for (std::int64_t p0 = 0; p0 < k; p0 += k_block) {
    const std::int64_t p1 = std::min(k, p0 + k_block);
    for (std::int64_t panel = 0; panel < n; panel += panel_rows) {
      const std::int64_t panel_end = std::min(n, panel + panel_rows);
      for (std::int64_t i0 = row_begin; i0 < row_end; i0 += kRowsPerTile) {
        const auto mr = static_cast<int>(std::min<std::int64_t>(kRowsPerTile, row_end - i0));
        for (std::int64_t j0 = panel; j0 < panel_end; j0 += kColsPerTile) {
          const auto nr = static_cast<int>(std::min<std::int64_t>(kColsPerTile, panel_end - j0));
          tiles<T>[(mr - 1) * kColsPerTile + (nr - 1)](problem, i0, j0, p0, p1, p0 == 0);
        }
      }
    }
  }
}

template <class T>
void typed_dot_gemm(double alpha, const MatrixView& a, const MatrixView& b, double beta, const MatrixView& c,
                    int threads) {
  const Problem<T> problem{static_cast<const T*>(a.data),
                           a.row_stride,
                           static_cast<const T*>(b.data),
                           b.col_stride,
                           const_cast<T*>(static_cast<const T*>(c.data)),
                           c.row_stride,
                           c.col_stride,
                           static_cast<T>(alpha),
                           static_cast<T>(beta)};
  const std::int64_t m = c.rows, n = c.cols, k = a.cols;
  const std::int64_t row_tiles = (m + kRowsPerTile - 1) / kRowsPerTile;
  const std::int64_t parts = std::min<std::int64_t>(std::max(threads, 1), row_tiles);
  parallel_for(parts, parts > 1, [&](std::int64_t part) {
    const std::int64_t first_tile = row_tiles * part / parts, end_tile = row_tiles * (part + 1) / parts;
    dot_gemm_rows(problem, k, n, first_tile * kRowsPerTile, std::min(m, end_tile * kRowsPerTile));
  });
}

std::atomic<int> enabled_state{-1};  // -1: not decided yet

}  // namespace

bool gemm_dot_kernel_enabled() {
  int state = enabled_state.load(std::memory_order_relaxed);
  if (state < 0) {
    state = env_not_disabled("TG_DOT_GEMM") ? 1 : 0;
    int expected = -1;
    enabled_state.compare_exchange_strong(expected, state, std::memory_order_relaxed);
    state = enabled_state.load(std::memory_order_relaxed);
  }
  return state == 1 && active_isa() == Isa::avx512;  // TG_CPU_ISA or a test may lower the level
}

void set_gemm_dot_kernel(bool enabled) { enabled_state.store(enabled ? 1 : 0, std::memory_order_relaxed); }

bool dot_gemm_accepts(const MatrixView& a, const MatrixView& b) {
  return gemm_dot_kernel_enabled() && (a.col_stride == 1 || a.cols == 1) &&
         (b.row_stride == 1 || b.rows == 1);
}

void dot_gemm(Dtype dtype, double alpha, const MatrixView& a, const MatrixView& b, double beta,
              const MatrixView& c, int threads) {
  if (dtype == kFloat32)
    typed_dot_gemm<float>(alpha, a, b, beta, c, threads);
  else
    typed_dot_gemm<double>(alpha, a, b, beta, c, threads);
}

}  // namespace tg::kernels
