#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/functional/normalization.hpp>
#include <tapegrad/nn/init.hpp>
#include <tapegrad/nn/layer_norm.hpp>

namespace tg::nn {

LayerNormImpl::LayerNormImpl(Shape normalized_shape, double eps, bool elementwise_affine)
    : normalized_shape(std::move(normalized_shape)), eps(eps) {
  check(!this->normalized_shape.empty(), "LayerNorm", "normalized_shape must not be empty");
  if (elementwise_affine) {
    weight = register_parameter("weight", empty(this->normalized_shape));
    bias = register_parameter("bias", empty(this->normalized_shape));
  }
  reset_parameters();
}

void LayerNormImpl::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor LayerNormImpl::forward(const Tensor& input) {
  return functional::layer_norm(input, normalized_shape, weight, bias, eps);
}

void LayerNormImpl::pretty_print(std::ostream& out) const {
  out << "LayerNorm(" << normalized_shape << ", eps=" << eps
      << ", elementwise_affine=" << (weight.defined() ? "true" : "false") << ")";
}

}  // namespace tg::nn
