#pragma once
// Large float32 GEMMs through oneDNN's dnnl_sgemm (Debian libdnnl-dev 2.6.3). blis_gemm.cpp decides which
// GEMMs come here (Note [oneDNN routing]); dnnl.h is included by dnnl_gemm.cpp alone, and a build without
// oneDNN (TAPEGRAD_USE_DNNL=OFF) compiles dnnl_gemm_absent.cpp instead.
#include <tapegrad/autograd/core/dtype.hpp>
#include <tapegrad/autograd/kernels/blis_gemm.hpp>

namespace tg::kernels {

/// C = alpha * A * B + beta * C for float32 views (as for gemm: gemm_accepts) with oneDNN on up to
/// `threads` OpenMP threads. Returns false, leaving C untouched, when oneDNN cannot do it: not built in,
/// turned off (set_gemm_dnnl), another dtype, an empty problem (K = 0 included), or oneDNN reports
/// an error.
bool dnnl_gemm(Dtype dtype, double alpha, const MatrixView& a, const MatrixView& b, double beta,
               const MatrixView& c, int threads);

/// True when this build has oneDNN and it is turned on: the default, unless the environment variable
/// TG_DNNL is 0 at the first GEMM. set_gemm_dnnl(false) turns it off for the whole process (A/B
/// benchmarks); it never turns on a build without oneDNN.
bool gemm_dnnl_enabled();
void set_gemm_dnnl(bool enabled);

/// True when dnnl_gemm takes float32 work at all: oneDNN is enabled and the kernels' instruction-set level
/// (cpu_isa.hpp) is above baseline, which oneDNN's JIT needs. Routing asks this before choosing a split.
bool dnnl_gemm_available();

}  // namespace tg::kernels
