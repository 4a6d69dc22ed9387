// Built instead of xsmm_gemm.cpp when TAPEGRAD_USE_LIBXSMM is OFF: every GEMM goes to BLIS.
#include <tapegrad/autograd/kernels/xsmm_gemm.hpp>

namespace tg::kernels {

bool xsmm_gemm(Dtype, double, const MatrixView&, const MatrixView&, double, const MatrixView&) {
  return false;
}

bool gemm_libxsmm_enabled() { return false; }

void set_gemm_libxsmm(bool) {}

}  // namespace tg::kernels
