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
/// Channel-wise dropout of [N, C, H, W] input: each (n, c) plane is zeroed as a whole with probability p,
/// the others are scaled by 1/(1-p). Any other rank is taken as unbatched (a batch dim is added and
/// removed again), as libtorch 1.13 does.
Tensor dropout2d(const Tensor& input, const Dropout2dFuncOptions& options = {});
/// dropout2d for [N, C, D, H, W] input (other ranks taken as unbatched).
Tensor dropout3d(const Tensor& input, const Dropout3dFuncOptions& options = {});
/// alpha_dropout with one draw per (n, c) channel of an input of at least 2 dims.
/// Note libtorch's default: training=false.
Tensor feature_alpha_dropout(const Tensor& input, const FeatureAlphaDropoutFuncOptions& options = {});

}  // namespace tg::nn::functional

namespace tg {

/// ATen's feature_dropout: dropout with one draw per (n, c) of an input of at least 2 dims.
Tensor feature_dropout(const Tensor& input, double p, bool train);
/// In place: input takes the result.
Tensor& feature_dropout_(Tensor& input, double p, bool train);
/// ATen's feature_alpha_dropout (see nn::functional::feature_alpha_dropout).
Tensor feature_alpha_dropout(const Tensor& input, double p, bool train);
Tensor& feature_alpha_dropout_(Tensor& input, double p, bool train);
/// ATen's alpha_dropout (see nn::functional::alpha_dropout).
Tensor alpha_dropout(const Tensor& input, double p, bool train);

/// ATen's torch::dropout(input, p, train), as libtorch's MNIST example calls it (no defaults, as there).
inline Tensor dropout(const Tensor& input, double p, bool train) {
  return nn::functional::dropout(input, p, train);
}

}  // namespace tg

#pragma GCC visibility pop
