#pragma once
#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/module_holder.hpp>
#include <tapegrad/nn/options/normalization.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

/// LayerNorm over the trailing normalized_shape dims, with learnable weight (ones) and bias (zeros).
class LayerNormImpl : public Cloneable<LayerNormImpl> {
 public:
  explicit LayerNormImpl(std::vector<std::int64_t> normalized_shape)
      : LayerNormImpl(LayerNormOptions(std::move(normalized_shape))) {}
  explicit LayerNormImpl(LayerNormOptions options);
  /// tapegrad's shorthand for one normalized dim: LayerNorm(64), LayerNorm(64, 1e-6, false).
  explicit LayerNormImpl(std::int64_t dim, double eps = 1e-5, bool elementwise_affine = true)
      : LayerNormImpl(LayerNormOptions({dim}).eps(eps).elementwise_affine(elementwise_affine)) {}
  void reset() override;
  void reset_parameters();
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;

  LayerNormOptions options;
  Tensor weight;
  Tensor bias;
};
TG_MODULE(LayerNorm);

/// PyTorch 2.4's RMSNorm: x / sqrt(mean(x²) + eps) * weight over the trailing normalized_shape dims, with a
/// learnable weight (ones) when elementwise_affine; eps nullopt is the input dtype's machine epsilon.
class RMSNormImpl : public Cloneable<RMSNormImpl> {
 public:
  explicit RMSNormImpl(std::vector<std::int64_t> normalized_shape)
      : RMSNormImpl(RMSNormOptions(std::move(normalized_shape))) {}
  explicit RMSNormImpl(RMSNormOptions options);
  void reset() override;
  void reset_parameters();
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;

  RMSNormOptions options;
  Tensor weight;
};
TG_MODULE(RMSNorm);

}  // namespace tg::nn

#pragma GCC visibility pop
