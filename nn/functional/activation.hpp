#pragma once
// Functional activations (the same functions as tg::relu etc., under the libtorch F:: names).
#include <tapegrad/autograd/ops/activation.hpp>
#include <tapegrad/autograd/ops/softmax.hpp>

namespace tg::nn::functional {

using tg::gelu;
using tg::leaky_relu;
using tg::log_softmax;
using tg::mish;
using tg::prelu;
using tg::relu;
using tg::sigmoid;
using tg::silu;
using tg::softmax;
using tg::softsign;
using tg::tanh;

/// libtorch's F:: name for tg::log_sigmoid.
inline Tensor logsigmoid(const Tensor& input) { return tg::log_sigmoid(input); }

}  // namespace tg::nn::functional
