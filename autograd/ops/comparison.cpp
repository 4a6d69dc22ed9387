#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>

#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/comparison.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using kernels::Types;

namespace {

Dtype common_dtype(const Tensor& a, const Tensor& b) {
  return ResultType().tensor(a.dtype(), a.dim() == 0).tensor(b.dtype(), b.dim() == 0).result();
}
Tensor as_dtype(const Tensor& x, Dtype dtype) {
  return x.dtype() == dtype ? x.detach() : x.detach().to(dtype);
}

// A scalar operand as a 0-d tensor of its own category, so the tensor-tensor rules give the dtype.
Tensor wrapped(const Scalar& value) {
  if (value.isBoolean()) return full({}, value.toBool() ? 1.0 : 0.0, kBool);
  if (value.isIntegral(false)) return tensor(std::vector<std::int64_t>{value.toLong()}, IntArrayRef{});
  return full({}, value.toDouble(), kFloat64);
}
// ResultType of a tensor and a C++ number: the number counts least.
Dtype common_dtype(const Tensor& a, const Scalar& b) {
  return ResultType().tensor(a.dtype(), false).number(b.type()).result();
}

template <class F>
Tensor compare(std::string_view op, const Tensor& a, const Tensor& b, F f) {
  detail::check_defined(op, "self", a);
  detail::check_defined(op, "other", b);
  const Dtype dtype = common_dtype(a, b);
  return kernels::zip<Types::Predicate>(op, as_dtype(a, dtype), as_dtype(b, dtype), f);
}
template <class F>
Tensor compare(std::string_view op, const Tensor& a, const Scalar& b, F f) {
  detail::check_defined(op, "self", a);
  const Dtype dtype = common_dtype(a, b);
  return kernels::zip<Types::Predicate>(op, as_dtype(a, dtype), wrapped(b).to(dtype), f);
}

Tensor truth(const Tensor& x) {  // x != 0 as kBool
  detail::check_defined("logical", "input", x);
  if (x.dtype() == kBool) return x.detach();
  return kernels::map_any<Types::Predicate>("logical", x.detach(),
                                            [](auto v) { return v != decltype(v)(0); });
}

template <class F>
Tensor bitwise(std::string_view op, const Tensor& a, const Tensor& b, F f) {
  detail::check_defined(op, "self", a);
  detail::check_defined(op, "other", b);
  const Dtype dtype = common_dtype(a, b);
  check(is_integral(dtype, true), op, "is only supported for integer and bool tensors, got ", a.dtype(),
        " and ", b.dtype());
  return kernels::zip<Types::All>(op, as_dtype(a, dtype), as_dtype(b, dtype), [f](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_floating_point_v<T>)
      return x;  // not reached: checked above
    else
      return static_cast<T>(f(static_cast<std::int64_t>(x), static_cast<std::int64_t>(y)));
  });
}

// Counts the nonzero elements of x over the trailing `reduced` dims of a permutation of x: the dims in
// `dims` are moved last, the rest keep their order; returns int64 counts of the kept dims' shape.
Tensor count_over(std::string_view op, const Tensor& x, IntArrayRef dims, bool keepdim) {
  detail::check_defined(op, "input", x);
  const std::int64_t rank = x.dim();
  std::vector<bool> reduced(static_cast<std::size_t>(rank), false);
  for (const std::int64_t d : dims) {
    const std::int64_t wrapped_dim = wrap_dim(op, d, std::max<std::int64_t>(rank, 1));
    if (rank == 0) continue;
    check(!reduced[static_cast<std::size_t>(wrapped_dim)], op, "dim ", wrapped_dim,
          " appears multiple times");
    reduced[static_cast<std::size_t>(wrapped_dim)] = true;
  }
  Shape order, kept_sizes, out_sizes;
  std::int64_t inner = 1;
  for (std::int64_t d = 0; d < rank; ++d)
    if (!reduced[static_cast<std::size_t>(d)]) {
      order.push_back(d);
      kept_sizes.push_back(x.size(d));
    }
  for (std::int64_t d = 0; d < rank; ++d)
    if (reduced[static_cast<std::size_t>(d)]) {
      order.push_back(d);
      inner *= x.size(d);
    }
  for (std::int64_t d = 0; d < rank; ++d)
    if (!reduced[static_cast<std::size_t>(d)])
      out_sizes.push_back(x.size(d));
    else if (keepdim)
      out_sizes.push_back(1);
  const Tensor flags = truth(rank == 0 ? x : x.detach().permute(order)).contiguous();
  Tensor counts = detail::make_contiguous(out_sizes, kInt64, op);
  const bool* in = flags.data_ptr<bool>();
  std::int64_t* out = counts.data_ptr<std::int64_t>();
  const std::int64_t rows = counts.numel();
  for (std::int64_t r = 0; r < rows; ++r) out[r] = std::count(in + r * inner, in + (r + 1) * inner, true);
  return counts;
}

std::vector<std::int64_t> all_dims(const Tensor& x) {
  std::vector<std::int64_t> dims(static_cast<std::size_t>(x.dim()));
  std::iota(dims.begin(), dims.end(), 0);
  return dims;
}

}  // namespace

// ---- comparisons
Tensor eq(const Tensor& a, const Tensor& b) {
  return compare("eq", a, b, [](auto x, auto y) { return x == y; });
}
Tensor ne(const Tensor& a, const Tensor& b) {
  return compare("ne", a, b, [](auto x, auto y) { return x != y; });
}
Tensor lt(const Tensor& a, const Tensor& b) {
  return compare("lt", a, b, [](auto x, auto y) { return x < y; });
}
Tensor le(const Tensor& a, const Tensor& b) {
  return compare("le", a, b, [](auto x, auto y) { return x <= y; });
}
Tensor gt(const Tensor& a, const Tensor& b) {
  return compare("gt", a, b, [](auto x, auto y) { return x > y; });
}
Tensor ge(const Tensor& a, const Tensor& b) {
  return compare("ge", a, b, [](auto x, auto y) { return x >= y; });
}
Tensor eq(const Tensor& a, const Scalar& b) {
  return compare("eq", a, b, [](auto x, auto y) { return x == y; });
}
Tensor ne(const Tensor& a, const Scalar& b) {
  return compare("ne", a, b, [](auto x, auto y) { return x != y; });
}
Tensor lt(const Tensor& a, const Scalar& b) {
  return compare("lt", a, b, [](auto x, auto y) { return x < y; });
}
Tensor le(const Tensor& a, const Scalar& b) {
  return compare("le", a, b, [](auto x, auto y) { return x <= y; });
}
Tensor gt(const Tensor& a, const Scalar& b) {
  return compare("gt", a, b, [](auto x, auto y) { return x > y; });
}
Tensor ge(const Tensor& a, const Scalar& b) {
  return compare("ge", a, b, [](auto x, auto y) { return x >= y; });
}

Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator==(const Tensor& a, const Scalar& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Scalar& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Scalar& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Scalar& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Scalar& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Scalar& b) { return ge(a, b); }
Tensor operator==(const Scalar& a, const Tensor& b) { return eq(b, a); }
Tensor operator!=(const Scalar& a, const Tensor& b) { return ne(b, a); }
Tensor operator<(const Scalar& a, const Tensor& b) { return gt(b, a); }
Tensor operator<=(const Scalar& a, const Tensor& b) { return ge(b, a); }
Tensor operator>(const Scalar& a, const Tensor& b) { return lt(b, a); }
Tensor operator>=(const Scalar& a, const Tensor& b) { return le(b, a); }

// ---- logical and bitwise
Tensor logical_and(const Tensor& a, const Tensor& b) {
  return kernels::zip<Types::Predicate>("logical_and", truth(a), truth(b),
                                        [](bool x, bool y) { return x && y; });
}
Tensor logical_or(const Tensor& a, const Tensor& b) {
  return kernels::zip<Types::Predicate>("logical_or", truth(a), truth(b),
                                        [](bool x, bool y) { return x || y; });
}
Tensor logical_xor(const Tensor& a, const Tensor& b) {
  return kernels::zip<Types::Predicate>("logical_xor", truth(a), truth(b),
                                        [](bool x, bool y) { return x != y; });
}
Tensor logical_not(const Tensor& x) {
  return kernels::map_any<Types::Predicate>("logical_not", truth(x), [](bool v) { return !v; });
}
Tensor bitwise_and(const Tensor& a, const Tensor& b) {
  return bitwise("bitwise_and", a, b, [](auto x, auto y) { return x & y; });
}
Tensor bitwise_or(const Tensor& a, const Tensor& b) {
  return bitwise("bitwise_or", a, b, [](auto x, auto y) { return x | y; });
}
Tensor bitwise_xor(const Tensor& a, const Tensor& b) {
  return bitwise("bitwise_xor", a, b, [](auto x, auto y) { return x ^ y; });
}
Tensor bitwise_not(const Tensor& x) {
  detail::check_defined("bitwise_not", "input", x);
  check(is_integral(x.dtype(), true), "bitwise_not", "is only supported for integer and bool tensors, got ",
        x.dtype());
  if (x.dtype() == kBool) return logical_not(x);
  return kernels::map_any<Types::All>("bitwise_not", x.detach(), [](auto v) {
    using T = decltype(v);
    if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, bool>)
      return v;  // not reached: checked above
    else
      return static_cast<T>(~static_cast<std::int64_t>(v));
  });
}
Tensor operator&(const Tensor& a, const Tensor& b) { return bitwise_and(a, b); }
Tensor operator|(const Tensor& a, const Tensor& b) { return bitwise_or(a, b); }
Tensor operator^(const Tensor& a, const Tensor& b) { return bitwise_xor(a, b); }
Tensor operator~(const Tensor& x) { return bitwise_not(x); }

// ---- floating classification (integers are always finite)
namespace {
template <class F>
Tensor classify(std::string_view op, const Tensor& x, F f) {
  detail::check_defined(op, "input", x);
  return kernels::map_any<Types::Predicate>(op, x.detach(), [f](auto v) {
    if constexpr (std::is_floating_point_v<decltype(v)>)
      return f(v);
    else
      return f(0.0);
  });
}
}  // namespace
Tensor isnan(const Tensor& x) {
  return classify("isnan", x, [](auto v) { return std::isnan(v); });
}
Tensor isinf(const Tensor& x) {
  return classify("isinf", x, [](auto v) { return std::isinf(v); });
}
Tensor isposinf(const Tensor& x) {
  return classify("isposinf", x, [](auto v) { return std::isinf(v) && v > 0; });
}
Tensor isneginf(const Tensor& x) {
  return classify("isneginf", x, [](auto v) { return std::isinf(v) && v < 0; });
}
Tensor isfinite(const Tensor& x) {
  return classify("isfinite", x, [](auto v) { return std::isfinite(v); });
}

// ---- any / all / count_nonzero
Tensor any(const Tensor& x) { return gt(count_over("any", x, all_dims(x), false), 0); }
Tensor all(const Tensor& x) { return eq(count_over("all", x, all_dims(x), false), x.numel()); }
Tensor any(const Tensor& x, std::int64_t dim, bool keepdim) {
  return gt(count_over("any", x, dim, keepdim), 0);
}
Tensor all(const Tensor& x, std::int64_t dim, bool keepdim) {
  const std::int64_t size = x.dim() == 0 ? 1 : x.size(wrap_dim("all", dim, x.dim()));
  return eq(count_over("all", x, dim, keepdim), size);
}
Tensor count_nonzero(const Tensor& x) { return count_over("count_nonzero", x, all_dims(x), false); }
Tensor count_nonzero(const Tensor& x, std::int64_t dim) { return count_over("count_nonzero", x, dim, false); }
Tensor count_nonzero(const Tensor& x, IntArrayRef dims) {
  return count_over("count_nonzero", x, dims, false);
}

// ---- closeness
Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  detail::check_defined("isclose", "self", a);
  detail::check_defined("isclose", "other", b);
  check(a.dtype() == b.dtype(), "isclose", "expected self and other to have the same dtype, but got ",
        a.dtype(), " and ", b.dtype());
  check(rtol >= 0 && atol >= 0, "isclose", "rtol and atol must be non-negative, got rtol=", rtol,
        " and atol=", atol);
  return kernels::zip<Types::Predicate>("isclose", a.detach(), b.detach(), [=](auto x, auto y) {
    if constexpr (std::is_floating_point_v<decltype(x)>) {
      if (std::isnan(x) || std::isnan(y)) return equal_nan && std::isnan(x) && std::isnan(y);
      if (x == y) return true;  // equal infinities
      return std::fabs(static_cast<double>(x) - static_cast<double>(y)) <=
             atol + rtol * std::fabs(static_cast<double>(y));
    } else {
      const double difference = std::fabs(static_cast<double>(x) - static_cast<double>(y));
      return difference <= atol + rtol * std::fabs(static_cast<double>(y));
    }
  });
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  return all(isclose(a, b, rtol, atol, equal_nan)).item<bool>();
}

bool equal(const Tensor& a, const Tensor& b) {
  detail::check_defined("equal", "self", a);
  detail::check_defined("equal", "other", b);
  if (a.sizes() != b.sizes()) return false;
  return all(eq(a, b)).item<bool>();
}

// ---- where: d/da = where(c, g, 0), d/db = where(c, 0, g), each summed back to its operand's shape.
struct WhereBackward final : Node {
  Tensor condition;
  std::string_view name() const override { return "WhereBackward"; }
  void release_saved() override { condition = Tensor(); }
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(2);
    if (needs_input_grad(0)) out[0] = sum_to(where(condition, g[0], 0.0), input_meta()[0].sizes);
    if (needs_input_grad(1)) out[1] = sum_to(where(condition, 0.0, g[0]), input_meta()[1].sizes);
    return out;
  }
};

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  detail::check_defined("where", "condition", condition);
  detail::check_defined("where", "self", a);
  detail::check_defined("where", "other", b);
  check(condition.dtype() == kBool || condition.dtype() == kUInt8, "where",
        "expected condition to be a boolean tensor, but got a tensor with dtype ", condition.dtype());
  const Dtype dtype = common_dtype(a, b);
  if (a.dtype() != dtype || b.dtype() != dtype)
    return where(condition, a.dtype() == dtype ? a : a.to(dtype), b.dtype() == dtype ? b : b.to(dtype));
  const Shape sizes =
      broadcast_shapes("where", condition.sizes(), broadcast_shapes("where", a.sizes(), b.sizes()));
  Tensor out = detail::make_contiguous(sizes, dtype, "where");
  const Tensor cond = condition.dtype() == kBool ? condition : truth(condition);
  const Shape sc = kernels::broadcast_strides(cond, sizes), sa = kernels::broadcast_strides(a, sizes),
              sb = kernels::broadcast_strides(b, sizes), so = out.strides();
  kernels::dispatch(dtype, [&]<class T>() {
    const bool* pc = static_cast<const bool*>(cond.raw_data());
    const T* pa = static_cast<const T*>(a.raw_data());
    const T* pb = static_cast<const T*>(b.raw_data());
    T* po = static_cast<T*>(out.raw_data());
    kernels::for_each_row<4>(sizes, {sc.data(), sa.data(), sb.data(), so.data()},
                             [&](const std::array<std::int64_t, 4>& offsets, std::int64_t count,
                                 const std::array<std::int64_t, 4>& step) {
                               for (std::int64_t i = 0; i < count; ++i)
                                 po[offsets[3] + i * step[3]] = pc[offsets[0] + i * step[0]]
                                                                    ? pa[offsets[1] + i * step[1]]
                                                                    : pb[offsets[2] + i * step[2]];
                             });
  });
  if (auto* node = record<WhereBackward>({a, b}, {out})) node->condition = cond.detach();
  return out;
}

namespace {
// A C++ number next to a tensor in where(): a 0-d tensor of the dtype the pair promotes to.
Tensor scalar_like(const Scalar& value, const Tensor& other) {
  return wrapped(value).to(common_dtype(other, value));
}
}  // namespace
Tensor where(const Tensor& condition, const Scalar& a, const Tensor& b) {
  return where(condition, scalar_like(a, b), b);
}
Tensor where(const Tensor& condition, const Tensor& a, const Scalar& b) {
  return where(condition, a, scalar_like(b, a));
}
Tensor where(const Tensor& condition, const Scalar& a, const Scalar& b) {
  const Dtype dtype = ResultType().number(a.type()).number(b.type()).result();
  return where(condition, wrapped(a).to(dtype), wrapped(b).to(dtype));
}

std::vector<Tensor> where(const Tensor& condition) {
  const Tensor indices = nonzero(condition);
  std::vector<Tensor> out;
  for (std::int64_t d = 0; d < condition.dim(); ++d) out.push_back(indices.select(1, d).contiguous());
  return out;
}

// ---- masked_fill: where(mask, value, x) with x's dtype and shape.
Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value) {
  detail::check_defined("masked_fill", "self", x);
  detail::check_defined("masked_fill", "mask", mask);
  detail::check_defined("masked_fill", "value", value);
  check(mask.dtype() == kBool, "masked_fill", "only supports boolean masks, but got mask with dtype ",
        mask.dtype());
  check(value.dim() == 0, "masked_fill", "only supports a 0-dimensional value tensor, but got tensor with ",
        value.dim(), " dimension(s)");
  check(broadcast_shapes("masked_fill", x.sizes(), mask.sizes()) == x.sizes(), "masked_fill",
        "mask of shape ", mask.sizes(), " cannot be broadcast to the input's shape ", x.sizes());
  const Tensor fill = value.dtype() == x.dtype() ? value : value.to(x.dtype());
  return where(mask, fill, x);
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, const Scalar& value) {
  detail::check_defined("masked_fill", "self", x);
  if (is_integral(x.dtype(), true))
    check(!value.isFloatingPoint() || std::trunc(value.toDouble()) == value.toDouble() || x.dtype() == kBool,
          "masked_fill", "cannot fill an ", x.dtype(), " tensor with the floating-point value ", value);
  return masked_fill(x, mask, wrapped(value).to(x.dtype()));
}

// ---- masked_select: backward scatters the gradient back into the selected positions.
struct MaskedSelectBackward final : Node {
  Tensor mask;  // bool, broadcast shape
  std::string_view name() const override { return "MaskedSelectBackward"; }
  void release_saved() override { mask = Tensor(); }
  tensor_list apply(tensor_list&& g) override {
    const Tensor grad = g[0].contiguous();
    Tensor full_grad = zeros(mask.sizes(), grad.dtype());
    kernels::dispatch_floating("masked_select", grad.dtype(), [&]<class T>() {
      const bool* m = mask.data_ptr<bool>();
      const T* in = grad.data_ptr<T>();
      T* out = full_grad.data_ptr<T>();
      std::int64_t next = 0;
      for (std::int64_t i = 0; i < mask.numel(); ++i)
        if (m[i]) out[i] = in[next++];
    });
    return {sum_to(full_grad, input_meta()[0].sizes)};
  }
};

Tensor masked_select(const Tensor& x, const Tensor& mask) {
  detail::check_defined("masked_select", "self", x);
  detail::check_defined("masked_select", "mask", mask);
  check(mask.dtype() == kBool, "masked_select", "expected mask to be a bool tensor, but got ", mask.dtype());
  const Shape sizes = broadcast_shapes("masked_select", x.sizes(), mask.sizes());
  const Tensor values = x.detach().expand(sizes).contiguous();
  const Tensor flags = mask.expand(sizes).contiguous();
  const bool* m = flags.data_ptr<bool>();
  const std::int64_t count = std::count(m, m + flags.numel(), true);
  Tensor out = detail::make_contiguous({count}, x.dtype(), "masked_select");
  kernels::dispatch(x.dtype(), [&]<class T>() {
    const T* in = static_cast<const T*>(values.raw_data());
    T* result = static_cast<T*>(out.raw_data());
    std::int64_t next = 0;
    for (std::int64_t i = 0; i < flags.numel(); ++i)
      if (m[i]) result[next++] = in[i];
  });
  if (auto* node = record<MaskedSelectBackward>({x}, {out})) node->mask = flags;
  return out;
}

Tensor nonzero(const Tensor& x) {
  const Tensor flags = truth(x).contiguous();
  const bool* m = flags.data_ptr<bool>();
  const std::int64_t n = flags.numel(), rank = x.dim();
  const std::int64_t count = std::count(m, m + n, true);
  Tensor out = detail::make_contiguous({count, rank}, kInt64, "nonzero");
  std::int64_t* result = out.data_ptr<std::int64_t>();
  Shape coordinate(static_cast<std::size_t>(rank), 0);
  for (std::int64_t i = 0; i < n; ++i) {
    if (m[i]) result = std::copy(coordinate.begin(), coordinate.end(), result);
    for (std::int64_t d = rank - 1; d >= 0; --d) {
      if (++coordinate[static_cast<std::size_t>(d)] < x.size(d)) break;
      coordinate[static_cast<std::size_t>(d)] = 0;
    }
  }
  return out;
}

// ---- methods
Tensor Tensor::eq(const Tensor& other) const { return tg::eq(*this, other); }
Tensor Tensor::ne(const Tensor& other) const { return tg::ne(*this, other); }
Tensor Tensor::lt(const Tensor& other) const { return tg::lt(*this, other); }
Tensor Tensor::le(const Tensor& other) const { return tg::le(*this, other); }
Tensor Tensor::gt(const Tensor& other) const { return tg::gt(*this, other); }
Tensor Tensor::ge(const Tensor& other) const { return tg::ge(*this, other); }
Tensor Tensor::eq(const Scalar& other) const { return tg::eq(*this, other); }
Tensor Tensor::ne(const Scalar& other) const { return tg::ne(*this, other); }
Tensor Tensor::lt(const Scalar& other) const { return tg::lt(*this, other); }
Tensor Tensor::le(const Scalar& other) const { return tg::le(*this, other); }
Tensor Tensor::gt(const Scalar& other) const { return tg::gt(*this, other); }
Tensor Tensor::ge(const Scalar& other) const { return tg::ge(*this, other); }
Tensor Tensor::logical_and(const Tensor& other) const { return tg::logical_and(*this, other); }
Tensor Tensor::logical_or(const Tensor& other) const { return tg::logical_or(*this, other); }
Tensor Tensor::logical_xor(const Tensor& other) const { return tg::logical_xor(*this, other); }
Tensor Tensor::logical_not() const { return tg::logical_not(*this); }
Tensor Tensor::isnan() const { return tg::isnan(*this); }
Tensor Tensor::isinf() const { return tg::isinf(*this); }
Tensor Tensor::isfinite() const { return tg::isfinite(*this); }
Tensor Tensor::any() const { return tg::any(*this); }
Tensor Tensor::all() const { return tg::all(*this); }
Tensor Tensor::any(std::int64_t dim, bool keepdim) const { return tg::any(*this, dim, keepdim); }
Tensor Tensor::all(std::int64_t dim, bool keepdim) const { return tg::all(*this, dim, keepdim); }
bool Tensor::allclose(const Tensor& other, double rtol, double atol, bool equal_nan) const {
  return tg::allclose(*this, other, rtol, atol, equal_nan);
}
Tensor Tensor::isclose(const Tensor& other, double rtol, double atol, bool equal_nan) const {
  return tg::isclose(*this, other, rtol, atol, equal_nan);
}
bool Tensor::equal(const Tensor& other) const { return tg::equal(*this, other); }
Tensor Tensor::where(const Tensor& condition, const Tensor& other) const {
  return tg::where(condition, *this, other);
}
Tensor Tensor::masked_fill(const Tensor& mask, const Scalar& value) const {
  return tg::masked_fill(*this, mask, value);
}
Tensor Tensor::masked_fill(const Tensor& mask, const Tensor& value) const {
  return tg::masked_fill(*this, mask, value);
}
Tensor Tensor::masked_select(const Tensor& mask) const { return tg::masked_select(*this, mask); }
Tensor Tensor::nonzero() const { return tg::nonzero(*this); }
Tensor Tensor::count_nonzero() const { return tg::count_nonzero(*this); }

}  // namespace tg
