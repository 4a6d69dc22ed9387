#pragma once
// float32 convolutions through oneDNN's convolution primitives (Debian libdnnl-dev 2.6), which run on
// blocked layouts (nChw16c, ...) with direct JIT kernels: Note [oneDNN convolutions] in dnnl_conv.cpp. The
// op (ops/convolution.cpp) calls these first and falls back to im2col + GEMM when they decline. A build
// without oneDNN compiles dnnl_conv_absent.cpp, which declines everything.
#include <cstdint>

#include <tapegrad/autograd/kernels/im2col.hpp>

namespace tg::kernels {

/// `batch` images of geometry.channels channels into `out_channels` channels in `groups` groups, over the
/// last `spatial_dims` (1 to 3) entries of the geometry. All tensors contiguous and channel-first:
/// x [N, C, in...], w [O, C / groups, k...], y [N, O, out...].
struct ConvProblem {
  ConvGeometry geometry;
  std::int64_t batch = 0, out_channels = 0, groups = 1;
  int spatial_dims = 2;
};

/// y = conv(x, w) (+ bias[o] on channel o when bias is not null). Returns false, writing nothing, when
/// oneDNN declines: not built in or turned off (TG_DNNL=0, set_gemm_dnnl), an empty problem, an output
/// size that is not the usual formula's, or a shape where im2col + GEMM measured faster.
bool dnnl_conv_forward(const ConvProblem& problem, const float* x, const float* w, const float* bias,
                       float* y);

/// dx = the input gradient of y = conv(x, w) given dy (a transposed convolution's forward), overwritten.
bool dnnl_conv_backward_data(const ConvProblem& problem, const float* dy, const float* w, float* dx);

/// dw = the weight gradient of y = conv(x, w) given dy, summed over the batch, overwritten.
bool dnnl_conv_backward_weights(const ConvProblem& problem, const float* x, const float* dy, float* dw);

/// Convolutions (any of the three) oneDNN has run in this process: tests check which path a call took.
std::int64_t dnnl_conv_count();

}  // namespace tg::kernels
