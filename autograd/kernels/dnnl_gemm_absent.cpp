// Built instead of dnnl_gemm.cpp when TAPEGRAD_USE_DNNL is OFF: large GEMMs stay with BLIS.
#include <tapegrad/autograd/kernels/dnnl_gemm.hpp>

namespace tg::kernels {

bool dnnl_gemm(Dtype, double, const MatrixView&, const MatrixView&, double, const MatrixView&, int) {
  return false;
}

bool gemm_dnnl_enabled() { return false; }

void set_gemm_dnnl(bool) {}

bool dnnl_gemm_available() { return false; }

}  // namespace tg::kernels
