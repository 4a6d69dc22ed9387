#pragma once
// F::cosine_similarity and F::pairwise_distance with libtorch's options:
//   F::cosine_similarity(a, b, F::CosineSimilarityFuncOptions().dim(0).eps(1e-6))
#include <tapegrad/autograd/ops/distance.hpp>
#include <tapegrad/nn/options/distance.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::functional {

inline Tensor cosine_similarity(const Tensor& x1, const Tensor& x2,
                                const CosineSimilarityFuncOptions& options = {}) {
  return tg::cosine_similarity(x1, x2, options.dim(), options.eps());
}
inline Tensor pairwise_distance(const Tensor& x1, const Tensor& x2,
                                const PairwiseDistanceFuncOptions& options = {}) {
  return tg::pairwise_distance(x1, x2, options.p(), options.eps(), options.keepdim());
}

}  // namespace tg::nn::functional

#pragma GCC visibility pop
