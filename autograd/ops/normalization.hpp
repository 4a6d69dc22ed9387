#pragma once
// layer_norm and rms_norm as fused ops: per row of the trailing normalized_shape dims, one pass for the
// statistics (accumulated in double) and one for the output; the backward is two passes per row plus
// the weight and bias gradients as column sums whose bits do not depend on the thread count.
// See Note [fused row normalization] in normalization.cpp.
#include <optional>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// (x - mean) / sqrt(var + eps) * weight + bias over the trailing dims given by normalized_shape (biased
/// variance); weight and bias, when defined, have shape normalized_shape. cudnn_enable is ignored
/// (ATen's signature).
Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5, bool cudnn_enable = true);

/// x / sqrt(mean(x²) + eps) * weight over the trailing dims given by normalized_shape (PyTorch 2.4's
/// rms_norm); eps defaults to the machine epsilon of input's dtype (torch.finfo(dtype).eps).
Tensor rms_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight = {},
                std::optional<double> eps = std::nullopt);

}  // namespace tg

#pragma GCC visibility pop
