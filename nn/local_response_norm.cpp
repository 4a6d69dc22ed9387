#include <tapegrad/nn/functional/normalization.hpp>
#include <tapegrad/nn/local_response_norm.hpp>

namespace tg::nn {

LocalResponseNormImpl::LocalResponseNormImpl(const LocalResponseNormOptions& options) : options(options) {
  reset();
}

void LocalResponseNormImpl::reset() {}

Tensor LocalResponseNormImpl::forward(const Tensor& input) {
  return functional::local_response_norm(input, options);
}

void LocalResponseNormImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::LocalResponseNorm(" << options.size() << ", alpha=" << options.alpha()
      << ", beta=" << options.beta() << ", k=" << options.k() << ")";
}

}  // namespace tg::nn
