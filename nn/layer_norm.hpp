#pragma once
#include <tapegrad/nn/module.hpp>
#include <tapegrad/nn/module_holder.hpp>

namespace tg::nn {

/// LayerNorm over the trailing normalized_shape dims, with learnable weight (ones) and bias (zeros).
class LayerNormImpl : public Module {
 public:
  explicit LayerNormImpl(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  explicit LayerNormImpl(std::int64_t dim, double eps = 1e-5, bool elementwise_affine = true)
      : LayerNormImpl(Shape{dim}, eps, elementwise_affine) {}
  Tensor forward(const Tensor& input);
  void reset_parameters();
  void pretty_print(std::ostream& out) const override;

  Shape normalized_shape;
  double eps;
  Tensor weight;
  Tensor bias;
};

using LayerNorm = ModuleHolder<LayerNormImpl>;

}  // namespace tg::nn
