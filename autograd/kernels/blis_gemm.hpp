#pragma once
// The only door to BLIS: strided GEMM for float32/float64. blis.h is included by the .cpp alone.
#include <cstdint>
#include <string>

#include <tapegrad/autograd/core/dtype.hpp>

namespace tg::kernels {

/// A matrix view: element (i, j) lives at data[i * row_stride + j * col_stride].
struct MatrixView {
  const void* data;
  std::int64_t rows;
  std::int64_t cols;
  std::int64_t row_stride;
  std::int64_t col_stride;
};

/// True when BLIS can read the view as it is (one unit stride, no overlap); otherwise copy it first.
bool gemm_accepts(const MatrixView& view);

/// C = alpha * A * B + beta * C for A [m, k], B [k, n], C [m, n]. All views must satisfy gemm_accepts
/// (C must be writable); dtype is float32 or float64.
void gemm(Dtype dtype, double alpha, const MatrixView& a, const MatrixView& b, double beta,
          const MatrixView& c);

/// Largest number of threads a GEMM may use (tg::set_num_threads sets it). Small GEMMs run on one
/// thread whatever this says, and a GEMM called inside an OpenMP parallel region always does.
void set_gemm_threads(int threads);

/// Name of the BLIS kernel set every GEMM of this process runs ("skx", "zen3", "haswell", "generic", ...).
/// tapegrad picks it from the CPU before BLIS's first call, unless the environment variable
/// BLIS_ARCH_TYPE was set (a BLIS arch id such as 6, or a name such as zen3); TG_VERBOSE=1 logs the
/// choice to stderr. The choice is made once per process. See Note [BLIS kernel choice].
std::string gemm_kernel_set();

}  // namespace tg::kernels
