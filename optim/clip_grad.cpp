#include <algorithm>
#include <cmath>
#include <limits>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/ops/norm.hpp>
#include <tapegrad/autograd/ops/unary.hpp>
#include <tapegrad/optim/clip_grad.hpp>

namespace tg::nn::utils {
namespace {

// The p-norm of `values` as torch.linalg.vector_norm: max |x| for inf, min |x| for -inf, the
// number of non-zeros for 0, else (sum |x|^p)^(1/p).
double vector_norm(const std::vector<double>& values, double p) {
  if (std::isinf(p)) {
    double result = p > 0 ? 0.0 : std::numeric_limits<double>::infinity();
    for (double value : values) {
      const double magnitude = std::abs(value);
      if (std::isnan(magnitude)) return magnitude;
      result = p > 0 ? std::max(result, magnitude) : std::min(result, magnitude);
    }
    return result;
  }
  if (p == 0)
    return static_cast<double>(std::count_if(values.begin(), values.end(), [](double v) { return v != 0; }));
  double sum = 0;
  if (p == 2) {
    for (double value : values) sum += value * value;
    return std::sqrt(sum);
  }
  for (double value : values) sum += std::pow(std::abs(value), p);
  return std::pow(sum, 1.0 / p);
}

}  // namespace

double clip_grad_norm_(const tensor_list& params, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  NoGradGuard no_grad;
  std::vector<double> norms;
  for (const Tensor& param : params)
    // Each gradient's norm in its own dtype with the vectorized reduction, as PyTorch (the former copy to a
    // std::vector<double> and a scalar loop cost 1.6 % of examples/char_lm's training step).
    if (param.grad().defined()) norms.push_back(linalg_vector_norm(param.grad(), norm_type).item<double>());
  if (norms.empty()) return 0.0;
  // total = norm of the per-gradient norms (for inf: the largest of them)
  const double total = norms.size() == 1 ? norms[0] : vector_norm(norms, norm_type);
  check(!error_if_nonfinite || std::isfinite(total), "clip_grad_norm_", "the total norm of order ", norm_type,
        " of the gradients is ", total,
        ", so it cannot be clipped; pass error_if_nonfinite=false to scale the gradients by it anyway");
  // coef = min(max_norm / (total + 1e-6), 1); PyTorch multiplies by it unconditionally (a NaN
  // total makes the gradients NaN), so only a factor of exactly 1 is skipped.
  const double coef = max_norm / (total + 1e-6);
  const double clamped = std::isnan(coef) ? coef : std::min(coef, 1.0);
  if (clamped != 1.0)
    for (const Tensor& param : params)
      if (param.grad().defined()) param.grad().mul_(clamped);
  return total;
}

void clip_grad_value_(const tensor_list& params, double clip_value) {
  check(clip_value >= 0, "clip_grad_value_", "clip_value must be >= 0, got ", clip_value);
  NoGradGuard no_grad;
  for (const Tensor& param : params)
    if (param.grad().defined()) param.grad().copy_(clamp(param.grad(), -clip_value, clip_value));
}

}  // namespace tg::nn::utils
