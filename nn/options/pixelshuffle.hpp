#pragma once
// libtorch's PixelShuffleOptions / PixelUnshuffleOptions (torch/nn/options/pixelshuffle.h).
#include <cstdint>

#include <tapegrad/nn/options.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

struct PixelShuffleOptions {
  /* implicit */ PixelShuffleOptions(std::int64_t upscale_factor) : upscale_factor_(upscale_factor) {}
  TG_ARG(std::int64_t, upscale_factor);
};
struct PixelUnshuffleOptions {
  /* implicit */ PixelUnshuffleOptions(std::int64_t downscale_factor) : downscale_factor_(downscale_factor) {}
  TG_ARG(std::int64_t, downscale_factor);
};

namespace functional {
using PixelShuffleFuncOptions = PixelShuffleOptions;
using PixelUnshuffleFuncOptions = PixelUnshuffleOptions;
}  // namespace functional

}  // namespace tg::nn

#pragma GCC visibility pop
