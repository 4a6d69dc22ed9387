#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/functional/normalization.hpp>
#include <tapegrad/nn/init.hpp>
#include <tapegrad/nn/layer_norm.hpp>

namespace tg::nn {

LayerNormImpl::LayerNormImpl(LayerNormOptions options) : options(std::move(options)) {
  check(!this->options.normalized_shape().empty(), "LayerNorm", "normalized_shape must not be empty");
  reset();
}

void LayerNormImpl::reset() {
  if (options.elementwise_affine()) {
    weight = register_parameter("weight", tg::empty(options.normalized_shape()));
    bias = register_parameter("bias", tg::empty(options.normalized_shape()));
  } else {
    weight = Tensor();
    bias = Tensor();
  }
  reset_parameters();
}

void LayerNormImpl::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor LayerNormImpl::forward(const Tensor& input) {
  return functional::layer_norm(input, options.normalized_shape(), weight, bias, options.eps());
}

void LayerNormImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::LayerNorm([";
  for (std::size_t i = 0; i < options.normalized_shape().size(); ++i)
    out << (i ? ", " : "") << options.normalized_shape()[i];
  out << "], elementwise_affine=" << (options.elementwise_affine() ? "true" : "false")
      << ", eps=" << options.eps() << ")";
}

RMSNormImpl::RMSNormImpl(RMSNormOptions options) : options(std::move(options)) {
  check(!this->options.normalized_shape().empty(), "RMSNorm", "normalized_shape must not be empty");
  reset();
}

void RMSNormImpl::reset() {
  weight = options.elementwise_affine() ? register_parameter("weight", tg::empty(options.normalized_shape()))
                                        : Tensor();
  reset_parameters();
}

void RMSNormImpl::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
}

Tensor RMSNormImpl::forward(const Tensor& input) {
  return functional::rms_norm(input, options.normalized_shape(), weight, options.eps());
}

void RMSNormImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::RMSNorm([";
  for (std::size_t i = 0; i < options.normalized_shape().size(); ++i)
    out << (i ? ", " : "") << options.normalized_shape()[i];
  out << "], eps=";
  if (options.eps())
    out << *options.eps();
  else
    out << "None";
  out << ", elementwise_affine=" << (options.elementwise_affine() ? "true" : "false") << ")";
}

}  // namespace tg::nn
