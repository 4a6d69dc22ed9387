#pragma once
// pixel_shuffle / pixel_unshuffle (at:: signatures): moving r x r blocks between the channel dim and the
// two spatial dims, [*, C * r * r, H, W] <-> [*, C, H * r, W * r], as a reshape-permute-reshape (and so
// differentiable twice).
#include <cstdint>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// out[..., c, h * r + i, w * r + j] = self[..., c * r * r + i * r + j, h, w] with r = upscale_factor.
Tensor pixel_shuffle(const Tensor& self, std::int64_t upscale_factor);
/// The inverse of pixel_shuffle: [*, C, H * r, W * r] -> [*, C * r * r, H, W].
Tensor pixel_unshuffle(const Tensor& self, std::int64_t downscale_factor);

}  // namespace tg

#pragma GCC visibility pop
