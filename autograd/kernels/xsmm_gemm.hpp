#pragma once
// Small GEMMs through libxsmm's JIT kernels (Debian libxsmm-dev 1.17). blis_gemm.cpp decides which GEMMs
// come here (Note [libxsmm routing]); libxsmm.h is included by xsmm_gemm.cpp alone, and a build without
// libxsmm (TAPEGRAD_USE_LIBXSMM=OFF) compiles xsmm_gemm_absent.cpp instead.
#include <tapegrad/autograd/core/dtype.hpp>
#include <tapegrad/autograd/kernels/blis_gemm.hpp>

namespace tg::kernels {

/// C = alpha * A * B + beta * C with a libxsmm kernel on the calling thread. Returns false, leaving C
/// untouched, when libxsmm cannot do it: not built in, turned off (set_gemm_libxsmm), alpha != 1, beta
/// not 0 or 1, sizes beyond int, or no JIT kernel for the layout (libxsmm 1.17 has none that reads the
/// first column-major operand transposed, which is row-major C = A * Bᵀ with B stored [n, k]).
/// Views as for gemm (gemm_accepts).
bool xsmm_gemm(Dtype dtype, double alpha, const MatrixView& a, const MatrixView& b, double beta,
               const MatrixView& c);

/// True when this build has libxsmm and it is turned on: the default, unless the environment variable
/// TG_LIBXSMM is 0 at the first GEMM. set_gemm_libxsmm(false) turns it off for the whole process (A/B
/// benchmarks); it never turns on a build without libxsmm.
bool gemm_libxsmm_enabled();
void set_gemm_libxsmm(bool enabled);

}  // namespace tg::kernels
