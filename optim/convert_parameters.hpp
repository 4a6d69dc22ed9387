#pragma once
// Flattening parameters into one vector and back, as torch::nn::utils::parameters_to_vector /
// vector_to_parameters (torch/nn/utils/convert_parameters.h).
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::utils {

/// All parameters flattened and concatenated, in order (differentiable: a cat of views).
Tensor parameters_to_vector(const tensor_list& parameters);

/// Copies consecutive slices of the 1-d `vec` into the parameters (in place, without recording a
/// graph). NOTE: libtorch's set_data makes each parameter alias `vec`; here they keep their own
/// storage. vec must hold exactly as many elements as the parameters together.
void vector_to_parameters(const Tensor& vec, const tensor_list& parameters);

}  // namespace tg::nn::utils

#pragma GCC visibility pop
