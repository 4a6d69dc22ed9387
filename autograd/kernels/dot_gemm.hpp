#pragma once
// C = alpha * A * Bᵀ + beta * C when both A [m, k] and B [n, k] are stored with k contiguous — a Linear
// layer's forward Y = X * Wᵀ — computed as register tiles of dot products with AVX-512, without packing.
// blis_gemm.cpp decides which GEMMs come here (Note [dot-product GEMM]).
#include <cstdint>

#include <tapegrad/autograd/core/dtype.hpp>
#include <tapegrad/autograd/kernels/blis_gemm.hpp>

namespace tg::kernels {

/// The kernel sums k in blocks of this many elements (each block costs a lane-sum per tile).
inline constexpr std::int64_t kDotGemmKBlock = 1024;

/// True when the kernels run with AVX-512 (cpu_isa.hpp's active level) and this kernel is turned on (the
/// default, unless the environment variable TG_DOT_GEMM is 0 at the first call). set_gemm_dot_kernel(false)
/// turns it off for the whole process (A/B benchmarks); turned on, it still needs the AVX-512 level.
bool gemm_dot_kernel_enabled();
void set_gemm_dot_kernel(bool enabled);

/// True when dot_gemm can take this GEMM: enabled, float32/float64, A's rows and B's columns contiguous
/// (a.col_stride == 1, b.row_stride == 1; B [k, n] is then the [n, k] buffer read transposed).
bool dot_gemm_accepts(const MatrixView& a, const MatrixView& b);

/// C = alpha * A * B + beta * C for A [m, k], B [k, n], C [m, n] (any strides for C; beta 0 overwrites).
/// Splits the rows of C over `threads` OpenMP threads. Requires dot_gemm_accepts(a, b).
void dot_gemm(Dtype dtype, double alpha, const MatrixView& a, const MatrixView& b, double beta,
              const MatrixView& c, int threads);

}  // namespace tg::kernels
