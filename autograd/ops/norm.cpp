#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/comparison.hpp>
#include <tapegrad/autograd/ops/conversion.hpp>
#include <tapegrad/autograd/ops/norm.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/ops/unary.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Which dims of x a norm over `dims` reduces (empty: all), checked and wrapped.
std::vector<bool> reduced_dims(std::string_view op, const Tensor& x, IntArrayRef dims) {
  const std::int64_t rank = x.dim();
  std::vector<bool> reduced(static_cast<std::size_t>(rank), dims.empty());
  for (std::int64_t dim : dims) {
    const std::int64_t d = wrap_dim(op, dim, std::max<std::int64_t>(rank, 1));
    if (rank == 0) continue;
    check(!reduced[static_cast<std::size_t>(d)], op, "dim ", d,
          " appears multiple times in the list of dims ", dims);
    reduced[static_cast<std::size_t>(d)] = true;
  }
  return reduced;
}

// The norm's gradient, written with differentiable ops so that it can be differentiated again. `y` and
// `g` have x's rank (reduced dims kept as size 1).
Tensor norm_gradient(const Tensor& x, const Tensor& y, const Tensor& g, double p, IntArrayRef dims) {
  if (p == 0) return zeros_like(x);
  if (p == 1) return g * sign(x);
  if (std::isinf(p)) {
    // Every element whose |x| attains the extreme shares the gradient.
    Tensor mask = eq(abs(x), y).to(x.dtype());
    return g * sign(x) * (mask / sum(mask, dims, /*keepdim=*/true));
  }
  // d||x||/dx = sign(x) |x|^(p-1) / ||x||^(p-1), taken as 0 where the norm is 0. The `where`s keep
  // 0 and inf out of pow so that no NaN reaches the (double) backward through the masked branch.
  Tensor zero_norm = eq(y, 0.0);
  Tensor scale = where(zero_norm, 0.0, g / where(zero_norm, 1.0, y));
  if (p == 2) return x * scale;
  Tensor safe_abs = where(eq(x, 0.0), 1.0, abs(x));
  Tensor safe_y = where(zero_norm, 1.0, y);
  return sign(x) * pow(safe_abs, p - 1) * where(zero_norm, 0.0, g / pow(safe_y, p - 1));
}

}  // namespace

struct NormBackward final : Node {
  SavedTensor x, y;
  double p = 2;
  Shape dims;        // empty: every dim
  Shape keep_sizes;  // the output's sizes with reduced dims kept
  std::string_view name() const override { return "NormBackward"; }
  void release_saved() override {
    x.reset();
    y.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    return {norm_gradient(x.unpack(*this), y.unpack(*this).reshape(keep_sizes), g[0].reshape(keep_sizes), p,
                          dims)};
  }
};

namespace {

Tensor vector_norm_impl(std::string_view op, const Tensor& input, double p, IntArrayRef dims, bool keepdim,
                        std::optional<Dtype> dtype) {
  detail::check_defined(op, "input", input);
  check(is_floating_point(input.dtype()), op, "Expected a floating point or complex tensor as input. Got ",
        input.dtype());
  check(!dtype || is_floating_point(*dtype), op, "dtype should be floating point, got ",
        dtype.value_or(kFloat64));
  const Tensor x = dtype ? input.to(*dtype) : input;
  const std::vector<bool> reduced = reduced_dims(op, x, dims);
  Shape keep_sizes, out_sizes, wrapped;
  for (std::int64_t d = 0; d < x.dim(); ++d) {
    const bool r = reduced[static_cast<std::size_t>(d)];
    keep_sizes.push_back(r ? 1 : x.size(d));
    if (!r || keepdim) out_sizes.push_back(r ? 1 : x.size(d));
    if (r) wrapped.push_back(d);
    check(!(r && std::isinf(p) && x.size(d) == 0), op, "cannot compute the ", p > 0 ? "inf" : "-inf",
          " norm on the dimension ", d,
          " because this dimension is empty and the operation does not have an "
          "identity (input shape ",
          x.sizes(), ")");
  }
  Tensor out;
  {
    NoGradGuard no_grad;
    const Tensor v = x.detach();
    if (x.dim() == 0) {
      out = p == 0 ? ne(v, 0.0).to(x.dtype()) : abs(v);
    } else if (p == kInf) {
      out = amax(abs(v), wrapped, /*keepdim=*/true);
    } else if (p == -kInf) {
      out = amin(abs(v), wrapped, /*keepdim=*/true);
    } else if (p == 0) {
      out = sum(ne(v, 0.0).to(x.dtype()), wrapped, /*keepdim=*/true);
    } else if (p == 1) {
      out = sum(abs(v), wrapped, /*keepdim=*/true);
    } else if (p == 2) {
      out = sqrt(sum(v * v, wrapped, /*keepdim=*/true));
    } else {
      out = pow(sum(pow(abs(v), p), wrapped, /*keepdim=*/true), 1.0 / p);
    }
    out = out.reshape(out_sizes);
  }
  if (auto* node = record<NormBackward>({x}, {out})) {
    node->x = SavedTensor(x, false);
    node->y = SavedTensor(out, true);
    node->p = p;
    node->dims = wrapped;
    node->keep_sizes = keep_sizes;
  }
  return out;
}

// The matrix norms that need no singular values, over dims (d0, d1): ord 1 sums |x| down the columns
// (over d0) and takes the largest; inf sums along the rows (over d1). Composed of differentiable ops.
Tensor matrix_norm(std::string_view op, const Tensor& x, double ord, std::int64_t d0, std::int64_t d1,
                   bool keepdim) {
  check(std::abs(ord) == 1 || std::isinf(ord), op, "Order ", ord,
        " not supported: the matrix 2-norm needs singular values; supported orders are 1, -1, inf, -inf and "
        "\"fro\"");
  check(x.size(d0) > 0 && x.size(d1) > 0, op, "cannot compute the ", ord, " matrix norm of an empty matrix ",
        x.sizes(), " (the operation does not have an identity)");
  const std::int64_t summed = std::isinf(ord) ? d1 : d0, picked = std::isinf(ord) ? d0 : d1;
  Tensor sums = sum(abs(x), {summed}, /*keepdim=*/true);
  Tensor out = ord > 0 ? amax(sums, {picked}, /*keepdim=*/true) : amin(sums, {picked}, /*keepdim=*/true);
  if (keepdim) return out;
  return squeeze(squeeze(out, std::max(d0, d1)), std::min(d0, d1));
}

std::pair<std::int64_t, std::int64_t> matrix_dims(std::string_view op, const Tensor& x,
                                                  OptionalIntArrayRef dim) {
  if (!dim) {
    check(x.dim() == 2, op, "a matrix norm without dim needs a 2-D input, got shape ", x.sizes());
    return {0, 1};
  }
  check(dim->size() == 2, op, "a matrix norm needs 2 dims, got ", *dim);
  const std::int64_t d0 = wrap_dim(op, (*dim)[0], x.dim()), d1 = wrap_dim(op, (*dim)[1], x.dim());
  check(d0 != d1, op, "dims must be different. Got ", d0, " and ", d1);
  return {d0, d1};
}

}  // namespace

Tensor norm(const Tensor& x, const Scalar& p) {
  detail::check_defined("norm", "input", x);
  check(is_floating_point(x.dtype()), "norm", "input dtype should be either floating point or complex. Got ",
        x.dtype(), " instead.");
  return vector_norm_impl("norm", x, p.toDouble(), {}, false, std::nullopt);
}

Tensor norm(const Tensor& x, const std::optional<Scalar>& p, IntArrayRef dim, bool keepdim) {
  detail::check_defined("norm", "input", x);
  check(is_floating_point(x.dtype()), "norm", "input dtype should be either floating point or complex. Got ",
        x.dtype(), " instead.");
  return vector_norm_impl("norm", x, p ? p->toDouble() : 2.0, dim, keepdim, std::nullopt);
}

Tensor norm(const Tensor& x, const std::optional<Scalar>& p, IntArrayRef dim, bool keepdim, Dtype dtype) {
  return vector_norm_impl("norm", x, p ? p->toDouble() : 2.0, dim, keepdim, dtype);
}

Tensor frobenius_norm(const Tensor& x) { return vector_norm_impl("frobenius_norm", x, 2.0, {}, false, {}); }

Tensor frobenius_norm(const Tensor& x, IntArrayRef dim, bool keepdim) {
  check(dim.size() <= 2, "frobenius_norm", "Expected at most 2 dimensions, but got ", dim.size(),
        " dimensions instead: ", dim);
  return vector_norm_impl("frobenius_norm", x, 2.0, dim, keepdim, std::nullopt);
}

Tensor linalg_vector_norm(const Tensor& x, const Scalar& ord, OptionalIntArrayRef dim, bool keepdim,
                          std::optional<Dtype> dtype) {
  return vector_norm_impl("linalg.vector_norm", x, ord.toDouble(), dim.value_or(IntArrayRef{}), keepdim,
                          dtype);
}

Tensor linalg_norm(const Tensor& x, const std::optional<Scalar>& ord, OptionalIntArrayRef dim, bool keepdim,
                   std::optional<Dtype> dtype) {
  constexpr std::string_view op = "linalg.norm";
  detail::check_defined(op, "input", x);
  if (dim) check(dim->size() == 1 || dim->size() == 2, op, "dim must be a 1-tuple or 2-tuple, got ", *dim);
  if (!ord) {
    if (dim && dim->size() == 2) return linalg_norm(x, "fro", dim, keepdim, dtype);
    return linalg_vector_norm(x, 2, dim, keepdim, dtype);
  }
  const bool vector = dim ? dim->size() == 1 : x.dim() == 1;
  if (!dim)
    check(x.dim() == 1 || x.dim() == 2, op,
          "If dim is not specified but ord is, the input must be 1D or 2D. Got ", x.dim(), "D (shape ",
          x.sizes(), ")");
  if (vector) return linalg_vector_norm(x, *ord, dim, keepdim, dtype);
  detail::check_floating(op, "input", x);
  const Tensor input = dtype ? x.to(*dtype) : x;
  auto [d0, d1] = matrix_dims(op, input, dim);
  return matrix_norm(op, input, ord->toDouble(), d0, d1, keepdim);
}

Tensor linalg_norm(const Tensor& x, std::string_view ord, OptionalIntArrayRef dim, bool keepdim,
                   std::optional<Dtype> dtype) {
  constexpr std::string_view op = "linalg.norm";
  detail::check_defined(op, "input", x);
  check(ord == "fro" || ord == "nuc", op, "Invalid norm order: ", std::string(ord),
        "; expected \"fro\" or \"nuc\"");
  check(ord == "fro", op, "the nuclear norm needs singular values and is not supported");
  auto [d0, d1] = matrix_dims(op, x, dim);
  const Shape dims = {d0, d1};
  return vector_norm_impl(op, x, 2.0, dims, keepdim, dtype);
}

Tensor Tensor::norm(const Scalar& p) const { return tg::norm(*this, p); }
Tensor Tensor::norm(const std::optional<Scalar>& p, IntArrayRef dim, bool keepdim) const {
  return tg::norm(*this, p, dim, keepdim);
}
Tensor Tensor::norm(const std::optional<Scalar>& p, IntArrayRef dim, bool keepdim, Dtype dtype) const {
  return tg::norm(*this, p, dim, keepdim, dtype);
}

}  // namespace tg
