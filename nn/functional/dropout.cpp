#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/autograd/tensor/random.hpp>
#include <tapegrad/nn/functional/dropout.hpp>

namespace tg::nn::functional {

Tensor dropout(const Tensor& input, double p, bool training) {
  detail::check_floating("dropout", "input", input);
  check(p >= 0.0 && p <= 1.0, "dropout", "probability must be in [0, 1], got ", p);
  if (!training || p == 0.0) return input;
  if (p == 1.0) return input * zeros_like(input);
  const double scale = 1.0 / (1.0 - p);
  // The mask is a constant: the gradient is the same mask times the output gradient.
  Tensor mask = kernels::map("dropout", rand(input.sizes(), input.dtype()),
                             [p, scale](auto u) { return u >= p ? scale : 0.0; });
  return input * mask;
}

}  // namespace tg::nn::functional
