#pragma once
// The only door to BLIS: strided GEMM for float32/float64. blis.h is included by the .cpp alone.
#include <cstdint>

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

void set_gemm_threads(int threads);

}  // namespace tg::kernels
