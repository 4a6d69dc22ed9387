#include <cmath>

#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/autograd/tensor/random.hpp>
#include <tapegrad/nn/functional/dropout.hpp>

namespace tg::nn::functional {
namespace {
void check_probability(const char* op, double p) {
  check(p >= 0.0 && p <= 1.0, op, "dropout probability has to be between 0 and 1, but got ", p);
}

Tensor maybe_inplace(const Tensor& input, Tensor result, bool inplace) {
  if (!inplace) return result;
  input.copy_(result);
  return input;
}

// 1 where an element is kept (probability 1 - p), else 0; a constant for autograd.
Tensor keep_mask(const Tensor& input, double p) {
  return kernels::map("dropout", rand(input.sizes(), input.dtype()),
                      [p](auto u) { return u >= p ? 1.0 : 0.0; });
}
}  // namespace

Tensor dropout(const Tensor& input, const DropoutFuncOptions& options) {
  const double p = options.p();
  tg::detail::check_floating("dropout", "input", input);
  check_probability("dropout", p);
  if (!options.training() || p == 0.0) return input;
  if (p == 1.0) return maybe_inplace(input, input * zeros_like(input), options.inplace());
  // The mask is a constant: the gradient is the same mask times the output gradient.
  return maybe_inplace(input, input * (keep_mask(input, p) * (1.0 / (1.0 - p))), options.inplace());
}

Tensor dropout(const Tensor& input, double p, bool training) {
  return dropout(input, DropoutFuncOptions().p(p).training(training));
}

Tensor alpha_dropout(const Tensor& input, const AlphaDropoutFuncOptions& options) {
  const double p = options.p();
  tg::detail::check_floating("alpha_dropout", "input", input);
  check_probability("alpha_dropout", p);
  if (!options.training() || p == 0.0) return input;
  if (p == 1.0) return maybe_inplace(input, input * zeros_like(input), options.inplace());
  // SELU's saturation value -scale * alpha; a and b keep mean 0 and variance 1.
  constexpr double alpha = 1.7580993408473766;
  const double a = 1.0 / std::sqrt((alpha * alpha * p + 1.0) * (1.0 - p));
  Tensor keep = keep_mask(input, p);
  Tensor b = (keep - 1.0) * (alpha * a) + alpha * a * p;
  return maybe_inplace(input, input * (keep * a) + b, options.inplace());
}

}  // namespace tg::nn::functional
