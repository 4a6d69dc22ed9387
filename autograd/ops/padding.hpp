#pragma once
// Padding: constant_pad_nd and pad's reflect / replicate / circular modes. `pad` lists (before, after)
// pairs starting from the last dim and going backwards, as in PyTorch; negative entries crop.
#include <optional>
#include <string_view>

#include <tapegrad/autograd/core/scalar.hpp>
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// Pads with `value` (or crops, for negative entries); any number of dims up to x.dim().
Tensor constant_pad_nd(const Tensor& x, IntArrayRef pad, const Scalar& value = 0);
/// libtorch's at::pad. mode "constant" pads with value (default 0); "reflect" mirrors the elements
/// next to each edge, the edge excluded ([a b c] padded by 2 on the left is [c b a b c]), so each pad
/// must be smaller than its dim; "replicate" repeats the edge element; "circular" wraps around (each
/// pad at most its dim). The non-constant modes pad the last 1-3 dims of a tensor with one or two
/// more leading (batch, channel) dims, as PyTorch requires.
Tensor pad(const Tensor& x, IntArrayRef pad, std::string_view mode = "constant",
           std::optional<double> value = std::nullopt);

}  // namespace tg

#pragma GCC visibility pop
