#pragma once
#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/options/dropout.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::functional {

/// Zeroes each element with probability p and scales the rest by 1/(1-p) when training; identity
/// otherwise. The mask comes from the generator seeded by tg::manual_seed.
Tensor dropout(const Tensor& input, const DropoutFuncOptions& options = {});
/// tapegrad's shorthand for dropout(input, DropoutFuncOptions().p(p).training(training)).
Tensor dropout(const Tensor& input, double p, bool training = true);
/// SELU's dropout: dropped elements take SELU's negative saturation value and the result is
/// rescaled so that inputs with zero mean and unit variance keep them (PyTorch's alpha_dropout).
/// Note libtorch's default: training=false, so F::alpha_dropout(x) is the identity.
Tensor alpha_dropout(const Tensor& input, const AlphaDropoutFuncOptions& options = {});

}  // namespace tg::nn::functional

namespace tg {

/// ATen's torch::dropout(input, p, train), as libtorch's MNIST example calls it (no defaults, as there).
inline Tensor dropout(const Tensor& input, double p, bool train) {
  return nn::functional::dropout(input, p, train);
}

}  // namespace tg

#pragma GCC visibility pop
