#include <tapegrad/nn/dropout.hpp>
#include <tapegrad/nn/functional/dropout.hpp>

namespace tg::nn {

DropoutImpl::DropoutImpl(double p) : p(p) {
  check(p >= 0.0 && p <= 1.0, "Dropout", "probability must be in [0, 1], got ", p);
}

Tensor DropoutImpl::forward(const Tensor& input) { return functional::dropout(input, p, is_training()); }

}  // namespace tg::nn
