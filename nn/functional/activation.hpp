#pragma once
// Functional activations under libtorch's F:: names and options:
//   F::relu(x, F::ReLUFuncOptions().inplace(true)); F::softmax(x, F::SoftmaxFuncOptions(1)).
// Each wraps the autograd op of the same name. inplace=true writes the result into the input, which
// (as every tapegrad in-place op) needs an input that no gradient has to flow through.
#include <tapegrad/autograd/ops/activation.hpp>
#include <tapegrad/autograd/ops/softmax.hpp>
#include <tapegrad/nn/options/activation.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::functional {

using tg::hardsigmoid;
using tg::hardswish;
using tg::mish;
using tg::prelu;
using tg::sigmoid;
using tg::silu;
using tg::softsign;
using tg::tanh;

#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {
inline Tensor maybe_inplace(const Tensor& input, Tensor result, bool inplace) {
  if (!inplace) return result;
  input.copy_(result);
  return input;
}
}  // namespace detail
#pragma GCC visibility pop

inline Tensor relu(const Tensor& input, const ReLUFuncOptions& options = {}) {
  return detail::maybe_inplace(input, tg::relu(input), options.inplace());
}
inline Tensor relu6(const Tensor& input, const ReLU6FuncOptions& options = {}) {
  return detail::maybe_inplace(input, tg::relu6(input), options.inplace());
}
inline Tensor selu(const Tensor& input, const SELUFuncOptions& options = {}) {
  return detail::maybe_inplace(input, tg::selu(input), options.inplace());
}
inline Tensor leaky_relu(const Tensor& input, const LeakyReLUFuncOptions& options = {}) {
  return detail::maybe_inplace(input, tg::leaky_relu(input, options.negative_slope()), options.inplace());
}
inline Tensor elu(const Tensor& input, const ELUFuncOptions& options = {}) {
  return detail::maybe_inplace(input, tg::elu(input, options.alpha()), options.inplace());
}
inline Tensor celu(const Tensor& input, const CELUFuncOptions& options = {}) {
  return detail::maybe_inplace(input, tg::celu(input, options.alpha()), options.inplace());
}
inline Tensor hardtanh(const Tensor& input, const HardtanhFuncOptions& options = {}) {
  return detail::maybe_inplace(input, tg::hardtanh(input, options.min_val(), options.max_val()),
                               options.inplace());
}
inline Tensor softplus(const Tensor& input, const SoftplusFuncOptions& options = {}) {
  return tg::softplus(input, options.beta(), options.threshold());
}
/// y = x where x > threshold, else value.
Tensor threshold(const Tensor& input, const ThresholdFuncOptions& options);
inline Tensor gelu(const Tensor& input, const GELUFuncOptions& options = {}) {
  return tg::gelu(input, options.approximate());
}
inline Tensor glu(const Tensor& input, const GLUFuncOptions& options = {}) {
  return tg::glu(input, options.dim());
}
inline Tensor softmax(const Tensor& input, const SoftmaxFuncOptions& options) {
  return tg::softmax(input, options.dim());
}
inline Tensor log_softmax(const Tensor& input, const LogSoftmaxFuncOptions& options) {
  return tg::log_softmax(input, options.dim());
}
/// softmax(-x).
Tensor softmin(const Tensor& input, const SoftminFuncOptions& options);

/// libtorch's F:: name for tg::log_sigmoid.
inline Tensor logsigmoid(const Tensor& input) { return tg::log_sigmoid(input); }

}  // namespace tg::nn::functional

#pragma GCC visibility pop
