#pragma once
// Functional losses with libtorch-style options:
//   tg::nn::functional::cross_entropy(logits, target, CrossEntropyFuncOptions().reduction(tg::kSum))
#include <tapegrad/autograd/ops/loss.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::functional {

template <class Derived>
struct ReductionOptions {
  Derived& reduction(Reduction value) {
    reduction_ = value;
    return static_cast<Derived&>(*this);
  }
  Reduction reduction() const { return reduction_; }

 private:
  Reduction reduction_ = kMean;
};

struct CrossEntropyFuncOptions : ReductionOptions<CrossEntropyFuncOptions> {};
struct NLLLossFuncOptions : ReductionOptions<NLLLossFuncOptions> {};
struct MSELossFuncOptions : ReductionOptions<MSELossFuncOptions> {};
struct BinaryCrossEntropyWithLogitsFuncOptions : ReductionOptions<BinaryCrossEntropyWithLogitsFuncOptions> {};

inline Tensor cross_entropy(const Tensor& input, const Tensor& target,
                            const CrossEntropyFuncOptions& options = {}) {
  return tg::cross_entropy(input, target, options.reduction());
}
inline Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options = {}) {
  return tg::nll_loss(input, target, options.reduction());
}
inline Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& options = {}) {
  return tg::mse_loss(input, target, options.reduction());
}
inline Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                               const BinaryCrossEntropyWithLogitsFuncOptions& options = {}) {
  return tg::binary_cross_entropy_with_logits(input, target, options.reduction());
}

}  // namespace tg::nn::functional

#pragma GCC visibility pop
