// Built instead of dnnl_conv.cpp when TAPEGRAD_USE_DNNL is OFF: convolutions stay with im2col + GEMM.
#include <tapegrad/autograd/kernels/dnnl_conv.hpp>

namespace tg::kernels {

bool dnnl_conv_forward(const ConvProblem&, const float*, const float*, const float*, float*) { return false; }
bool dnnl_conv_backward_data(const ConvProblem&, const float*, const float*, float*) { return false; }
bool dnnl_conv_backward_weights(const ConvProblem&, const float*, const float*, float*) { return false; }
std::int64_t dnnl_conv_count() { return 0; }

}  // namespace tg::kernels
