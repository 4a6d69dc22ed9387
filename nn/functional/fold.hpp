#pragma once
// F::fold (tg::col2im) and F::unfold (tg::im2col) with libtorch's options.
#include <tapegrad/autograd/ops/fold.hpp>
#include <tapegrad/nn/options/fold.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::functional {

/// input [N, C * kH * kW, L] or [C * kH * kW, L] -> [N, C, output_size...] (or unbatched).
Tensor fold(const Tensor& input, const FoldFuncOptions& options);
/// input [N, C, H, W] -> [N, C * kH * kW, L].
Tensor unfold(const Tensor& input, const UnfoldFuncOptions& options);

}  // namespace tg::nn::functional

#pragma GCC visibility pop
