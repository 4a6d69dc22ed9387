// Composed from differentiable ops, so double backward comes for free.
#include <algorithm>

#include <tapegrad/autograd/core/dtype.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/distance.hpp>
#include <tapegrad/autograd/ops/norm.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/ops/unary.hpp>

namespace tg {

namespace {

// NOTE: PyTorch 1.13 clamps the squared norms in place under no_grad, so the forward sees
// max(s, floor) while the gradient is that of s itself (not clamp_min's zero below the floor).
Tensor clamped_value_with_gradient_of(const Tensor& s, double floor) {
  return s + (clamp_min(s, floor) - s).detach();
}

Tensor as_floating(const Tensor& x, Dtype common) { return is_floating_point(x.dtype()) ? x : x.to(common); }

}  // namespace

Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, std::int64_t dim, double eps) {
  detail::check_defined("cosine_similarity", "x1", x1);
  detail::check_defined("cosine_similarity", "x2", x2);
  const Dtype common =
      ResultType().tensor(x1.dtype(), x1.dim() == 0).tensor(x2.dtype(), x2.dim() == 0).result();
  check(is_floating_point(common), "cosine_similarity",
        "expected common dtype to be floating point, yet common dtype is ", common, " (x1 ", x1.dtype(),
        ", x2 ", x2.dtype(), ")");
  const Shape shape = broadcast_shapes("cosine_similarity", x1.sizes(), x2.sizes());
  const std::int64_t d = wrap_dim("cosine_similarity", dim, static_cast<std::int64_t>(shape.size()));
  const Tensor a = expand(as_floating(x1, common), shape);
  const Tensor b = expand(as_floating(x2, common), shape);
  const Tensor a_squared = clamped_value_with_gradient_of(sum(a * a, {d}, true), eps * eps);
  const Tensor b_squared = clamped_value_with_gradient_of(sum(b * b, {d}, true), eps * eps);
  return sum(a * b * rsqrt(a_squared * b_squared), {d});
}

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim) {
  detail::check_floating("pairwise_distance", "x1", x1);
  detail::check_floating("pairwise_distance", "x2", x2);
  broadcast_shapes("pairwise_distance", x1.sizes(), x2.sizes());
  const Tensor difference = x1 - x2 + eps;
  if (difference.dim() == 0)  // one element: its norm over a one-element vector
    return norm(difference.reshape({1}), Scalar(p), {0}, false);
  return norm(difference, Scalar(p), {difference.dim() - 1}, keepdim);
}

}  // namespace tg
