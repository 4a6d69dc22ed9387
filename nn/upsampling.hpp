#pragma once
// nn::Upsample (torch/nn/modules/upsampling.h): F::interpolate with the layer's options.
#include <ostream>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/module_holder.hpp>
#include <tapegrad/nn/options/upsampling.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

class UpsampleImpl : public Cloneable<UpsampleImpl> {
 public:
  explicit UpsampleImpl(const UpsampleOptions& options = {}) : options(options) {}
  void reset() override {}
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;
  UpsampleOptions options;
};
TG_MODULE(Upsample);

}  // namespace tg::nn

#pragma GCC visibility pop
