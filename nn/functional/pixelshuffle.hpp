#pragma once
// F::pixel_shuffle / F::pixel_unshuffle (torch/nn/functional/pixelshuffle.h).
#include <tapegrad/autograd/ops/pixel_shuffle.hpp>
#include <tapegrad/nn/options/pixelshuffle.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::functional {

inline Tensor pixel_shuffle(const Tensor& input, const PixelShuffleFuncOptions& options) {
  return tg::pixel_shuffle(input, options.upscale_factor());
}
inline Tensor pixel_unshuffle(const Tensor& input, const PixelUnshuffleFuncOptions& options) {
  return tg::pixel_unshuffle(input, options.downscale_factor());
}

}  // namespace tg::nn::functional

#pragma GCC visibility pop
