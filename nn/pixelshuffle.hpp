#pragma once
// nn::PixelShuffle / nn::PixelUnshuffle (torch/nn/modules/pixelshuffle.h).
#include <ostream>

#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/functional/pixelshuffle.hpp>
#include <tapegrad/nn/module_holder.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

class PixelShuffleImpl : public Cloneable<PixelShuffleImpl> {
 public:
  explicit PixelShuffleImpl(const PixelShuffleOptions& options) : options(options) {}
  void reset() override {}
  Tensor forward(const Tensor& input) { return functional::pixel_shuffle(input, options); }
  void pretty_print(std::ostream& out) const override {
    out << "torch::nn::PixelShuffle(upscale_factor=" << options.upscale_factor() << ")";
  }
  PixelShuffleOptions options;
};
TG_MODULE(PixelShuffle);

class PixelUnshuffleImpl : public Cloneable<PixelUnshuffleImpl> {
 public:
  explicit PixelUnshuffleImpl(const PixelUnshuffleOptions& options) : options(options) {}
  void reset() override {}
  Tensor forward(const Tensor& input) { return functional::pixel_unshuffle(input, options); }
  void pretty_print(std::ostream& out) const override {
    out << "torch::nn::PixelUnshuffle(downscale_factor=" << options.downscale_factor() << ")";
  }
  PixelUnshuffleOptions options;
};
TG_MODULE(PixelUnshuffle);

}  // namespace tg::nn

#pragma GCC visibility pop
