#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

#include <tapegrad/autograd/kernels/cpu_isa.hpp>
#include <tapegrad/autograd/kernels/dnnl_gemm.hpp>
#include <tapegrad/autograd/kernels/dnnl_runtime.hpp>
#include <tapegrad/autograd/kernels/environment.hpp>

namespace tg::kernels {
namespace {

// Note [dnnl_sgemm as row-major]
// dnnl_sgemm computes row-major C = op(A) * op(B) with leading dimensions, like cblas with CblasRowMajor.
// A view with unit column stride is a row-major matrix (no transpose, ld = row stride); one with unit row
// stride is the transpose of a row-major matrix (flag 'T', ld = column stride). C must be row-major, so a
// column-major C is handled by computing Cᵀ = Bᵀ * Aᵀ. Views come normalized by blis_gemm.cpp (single rows
// and columns carry strides that satisfy both readings).

MatrixView transposed(const MatrixView& v) { return {v.data, v.cols, v.rows, v.col_stride, v.row_stride}; }

// Row-major reading of a view: rows are ld apart and elements of a row adjacent (a single column reads
// this way whatever its column stride).
bool row_major(const MatrixView& v) { return v.col_stride == 1 || v.cols == 1; }

// The leading dimension a row-major reading needs; a single row has no meaningful one, and oneDNN insists
// on at least its length.
dnnl_dim_t row_major_ld(const MatrixView& v) {
  return v.rows <= 1 ? std::max(v.row_stride, v.cols) : v.row_stride;
}

struct Operand {
  char transpose;
  dnnl_dim_t ld;
};

Operand operand(const MatrixView& v) {
  if (row_major(v)) return {'N', row_major_ld(v)};
  return {'T', row_major_ld(transposed(v))};
}

std::atomic<bool>& enabled_flag() {
  static std::atomic<bool> flag{env_not_disabled("TG_DNNL")};
  return flag;
}

}  // namespace

bool gemm_dnnl_enabled() { return enabled_flag().load(std::memory_order_relaxed); }

void set_gemm_dnnl(bool enabled) { enabled_flag().store(enabled, std::memory_order_relaxed); }

// Below oneDNN's JIT (SSE4.1) at the baseline level: BLIS follows the level instead.
bool dnnl_gemm_available() { return gemm_dnnl_enabled() && active_isa() != Isa::baseline; }

bool dnnl_gemm(Dtype dtype, double alpha, const MatrixView& a_in, const MatrixView& b_in, double beta,
               const MatrixView& c_in, int threads) {
  if (!dnnl_gemm_available() || dtype != kFloat32) return false;
  // oneDNN 2.6 returns success for K = 0 without scaling C by beta; gemm never sends empty problems anyway.
  if (c_in.rows == 0 || c_in.cols == 0 || a_in.cols == 0) return false;
  dnnl_runtime::prepare();
  MatrixView a = a_in, b = b_in, c = c_in;
  if (!row_major(c)) {  // column-major C: Cᵀ = Bᵀ * Aᵀ (Note [dnnl_sgemm as row-major])
    a = transposed(b_in);
    b = transposed(a_in);
    c = transposed(c_in);
  }
  const Operand op_a = operand(a), op_b = operand(b);
  const dnnl_runtime::OmpThreads scope(threads);
  const dnnl_status_t status = dnnl_sgemm(
      op_a.transpose, op_b.transpose, c.rows, c.cols, a.cols, static_cast<float>(alpha),
      static_cast<const float*>(a.data), op_a.ld, static_cast<const float*>(b.data), op_b.ld,
      static_cast<float>(beta), const_cast<float*>(static_cast<const float*>(c.data)), row_major_ld(c));
  if (status != dnnl_success) return false;
  dnnl_runtime::log_first_use("large float32 GEMMs", "dnnl_sgemm");
  return true;
}

}  // namespace tg::kernels
