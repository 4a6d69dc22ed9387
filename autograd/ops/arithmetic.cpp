#include <algorithm>

#include <tapegrad/autograd/engine/accumulate_grad.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/column_sums.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/unary.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

namespace {
void check_binary(std::string_view op, const Tensor& a, const Tensor& b) {
  detail::check_floating(op, "self", a);
  detail::check_floating(op, "other", b);
}
}  // namespace

// ---- add / sub: d(a + alpha*b)/da = 1, d/db = alpha; broadcast dims are summed back by sum_to.
struct AddBackward final : Node {
  double alpha = 1.0;
  std::string_view name() const override { return "AddBackward"; }
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(2);
    if (fused_bias_gradients(g[0], out)) return out;
    if (needs_input_grad(0)) out[0] = sum_to(g[0], input_meta()[0].sizes);
    if (needs_input_grad(1)) out[1] = sum_to(alpha == 1.0 ? g[0] : g[0] * alpha, input_meta()[1].sizes);
    return out;
  }

  // x + bias (or x - bias) where x is a leaf whose AccumulateGrad would copy the incoming gradient
  // (the caller keeps it, as a training loop keeps nothing but a benchmark or backward(grad) does):
  // one pass over the gradient writes that copy and the bias's column sums, instead of a pass for the
  // sums and a copy (read + write) in AccumulateGrad: 8 bytes of traffic per element instead of 12.
  // The leaf gets a buffer of its own either way and the sums are the same (kernels::column_sums).
  bool fused_bias_gradients(const Tensor& grad, tensor_list& out) const {
    if (!needs_input_grad(0) || !needs_input_grad(1) || !grad.is_contiguous() || grad.dim() < 2) return false;
    const Shape& full = input_meta()[0].sizes;
    const Shape& bias = input_meta()[1].sizes;
    if (full != grad.sizes() || bias.empty() || bias.size() >= full.size() || (alpha != 1.0 && alpha != -1.0))
      return false;
    const std::size_t lead = full.size() - bias.size();
    if (!std::equal(bias.begin(), bias.end(), full.begin() + static_cast<std::ptrdiff_t>(lead))) return false;
    const auto* leaf = dynamic_cast<const autograd::AccumulateGrad*>(next_edges()[0].function.get());
    if (leaf == nullptr || !leaf->stores_copy_of(grad)) return false;
    std::int64_t columns = 1;
    for (const std::int64_t size : bias) columns *= size;
    Tensor copy = detail::make_contiguous(full, grad.dtype());
    Tensor sums = detail::make_contiguous(bias, grad.dtype());
    kernels::column_sums(grad, columns == 0 ? 0 : grad.numel() / columns, columns, sums, copy);
    out[0] = std::move(copy);
    out[1] = alpha == 1.0 ? std::move(sums) : neg(sums);  // negation is exact: as sum_to(-grad)
    return true;
  }
};

Tensor add(const Tensor& a, const Tensor& b, double alpha) {
  check_binary("add", a, b);
  Tensor out = alpha == 1.0 ? kernels::zip("add", a, b, [](auto x, auto y) { return x + y; })
                            : kernels::zip("add", a, b, [alpha](auto x, auto y) { return x + alpha * y; });
  if (auto* node = record<AddBackward>({a, b}, {out})) node->alpha = alpha;
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, double alpha) {
  check_binary("sub", a, b);
  Tensor out = kernels::zip("sub", a, b, [alpha](auto x, auto y) { return x - alpha * y; });
  if (auto* node = record<AddBackward>({a, b}, {out})) node->alpha = -alpha;
  return out;
}

// ---- mul: d(a*b)/da = b, d(a*b)/db = a; each side is saved only if the other needs a gradient.
struct MulBackward final : Node {
  SavedTensor a, b;
  std::string_view name() const override { return "MulBackward"; }
  void release_saved() override {
    a.reset();
    b.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(2);
    if (needs_input_grad(0)) out[0] = sum_to(g[0] * b.unpack(*this), input_meta()[0].sizes);
    if (needs_input_grad(1)) out[1] = sum_to(g[0] * a.unpack(*this), input_meta()[1].sizes);
    return out;
  }
};

Tensor mul(const Tensor& a, const Tensor& b) {
  check_binary("mul", a, b);
  Tensor out = kernels::zip("mul", a, b, [](auto x, auto y) { return x * y; });
  if (auto* node = record<MulBackward>({a, b}, {out})) {
    if (node->needs_input_grad(0)) node->b = SavedTensor(b, false);
    if (node->needs_input_grad(1)) node->a = SavedTensor(a, false);
  }
  return out;
}

// ---- div: d(a/b)/da = 1/b, d(a/b)/db = -a/b^2.
struct DivBackward final : Node {
  SavedTensor a, b;
  std::string_view name() const override { return "DivBackward"; }
  void release_saved() override {
    a.reset();
    b.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(2);
    Tensor denominator = b.unpack(*this);
    if (needs_input_grad(0)) out[0] = sum_to(g[0] / denominator, input_meta()[0].sizes);
    if (needs_input_grad(1))
      out[1] = sum_to(-g[0] * a.unpack(*this) / (denominator * denominator), input_meta()[1].sizes);
    return out;
  }
};

Tensor div(const Tensor& a, const Tensor& b) {
  check_binary("div", a, b);
  Tensor out = kernels::zip("div", a, b, [](auto x, auto y) { return x / y; });
  if (auto* node = record<DivBackward>({a, b}, {out})) {
    node->b = SavedTensor(b, false);
    if (node->needs_input_grad(1)) node->a = SavedTensor(a, false);
  }
  return out;
}

// ---- scalar forms: d(x + s)/dx = 1, d(x * s)/dx = s.
struct AddScalarBackward final : Node {
  std::string_view name() const override { return "AddBackward"; }
  tensor_list apply(tensor_list&& g) override { return {std::move(g[0])}; }
};

Tensor add(const Tensor& a, double b) {
  detail::check_floating("add", "self", a);
  Tensor out = kernels::map("add", a, [b](auto x) { return x + b; });
  record<AddScalarBackward>({a}, {out});
  return out;
}

struct MulScalarBackward final : Node {
  double factor = 1.0;
  std::string_view name() const override { return "MulBackward"; }
  tensor_list apply(tensor_list&& g) override { return {g[0] * factor}; }
};

Tensor mul(const Tensor& a, double b) {
  detail::check_floating("mul", "self", a);
  Tensor out = kernels::map("mul", a, [b](auto x) { return x * b; });
  if (auto* node = record<MulScalarBackward>({a}, {out})) node->factor = b;
  return out;
}

// ---- neg: d(-x)/dx = -1.
struct NegBackward final : Node {
  std::string_view name() const override { return "NegBackward"; }
  tensor_list apply(tensor_list&& g) override { return {neg(g[0])}; }
};

Tensor neg(const Tensor& x) {
  detail::check_floating("neg", "input", x);
  Tensor out = kernels::map("neg", x, [](auto v) { return -v; });
  record<NegBackward>({x}, {out});
  return out;
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double b) { return add(a, b); }
Tensor operator-(const Tensor& a, double b) { return add(a, -b); }
Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
Tensor operator/(const Tensor& a, double b) { return mul(a, 1.0 / b); }
Tensor operator+(double a, const Tensor& b) { return add(b, a); }
Tensor operator-(double a, const Tensor& b) { return add(neg(b), a); }
Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
Tensor operator/(double a, const Tensor& b) { return mul(pow(b, -1.0), a); }
Tensor operator-(const Tensor& x) { return neg(x); }

Tensor Tensor::add(const Tensor& other, double alpha) const { return tg::add(*this, other, alpha); }
Tensor Tensor::sub(const Tensor& other, double alpha) const { return tg::sub(*this, other, alpha); }
Tensor Tensor::mul(const Tensor& other) const { return tg::mul(*this, other); }
Tensor Tensor::div(const Tensor& other) const { return tg::div(*this, other); }
Tensor Tensor::neg() const { return tg::neg(*this); }

}  // namespace tg
