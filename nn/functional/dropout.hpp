#pragma once
#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg::nn::functional {

/// Zeroes each element with probability p and scales the rest by 1/(1-p) when training; identity
/// otherwise. The mask comes from the generator seeded by tg::manual_seed.
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true);

}  // namespace tg::nn::functional
