#pragma once
// Distances between vectors along a dim: cosine_similarity and pairwise_distance (libtorch 1.13).
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// <x1, x2> / sqrt(max(|x1|^2, eps^2) max(|x2|^2, eps^2)) along `dim` of the broadcast shape of x1
/// and x2; integer inputs are converted to the common (floating) dtype.
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, std::int64_t dim = 1, double eps = 1e-8);
/// The p-norm of x1 - x2 + eps along the last dim of the broadcast shape.
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p = 2, double eps = 1e-6,
                         bool keepdim = false);

}  // namespace tg

#pragma GCC visibility pop
