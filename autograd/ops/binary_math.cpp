#include <cmath>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/binary_math.hpp>
#include <tapegrad/autograd/ops/pointwise.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/unary.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;
using detail::keep_where;

namespace {
void check_binary(std::string_view op, const Tensor& self, const Tensor& other) {
  detail::check_floating(op, "self", self);
  detail::check_floating(op, "other", other);
}

// Checks that three tensors broadcast together, naming `op` (their forwards are built from two-input
// kernels, whose errors would name an inner op).
void check_ternary(std::string_view op, const Tensor& a, const Tensor& b, const Tensor& c, const char* b_name,
                   const char* c_name) {
  detail::check_floating(op, "self", a);
  detail::check_floating(op, b_name, b);
  detail::check_floating(op, c_name, c);
  broadcast_shapes(op, broadcast_shapes(op, a.sizes(), b.sizes()), c.sizes());
  check(a.dtype() == b.dtype() && a.dtype() == c.dtype(), op, "dtypes ", a.dtype(), ", ", b.dtype(), " and ",
        c.dtype(), " differ");
}
}  // namespace

// ---- pow(a, b) = y: d/da = b a^(b-1) (0 where b == 0), d/db = y log(a) (0 where a == 0 and b >= 0).
struct PowTensorBackward final : Node {
  SavedTensor base, exponent, result;
  std::string_view name() const override { return "PowBackward"; }
  void release_saved() override {
    base.reset();
    exponent.reset();
    result.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    Tensor a = base.unpack(*this), b = exponent.unpack(*this);
    tensor_list out(2);
    if (needs_input_grad(0)) {
      Tensor nonzero_exponent = kernels::map("pow", b, [](auto v) { return v != 0 ? 1 : 0; });
      out[0] = sum_to(keep_where(g[0] * b * pow(a, b - 1.0), nonzero_exponent), input_meta()[0].sizes);
    }
    if (needs_input_grad(1)) {
      Tensor not_zero_base =
          kernels::zip("pow", a, b, [](auto x, auto e) { return x == 0 && e >= 0 ? 0 : 1; });
      out[1] = sum_to(keep_where(g[0] * result.unpack(*this) * log(a), not_zero_base), input_meta()[1].sizes);
    }
    return out;
  }
};

Tensor pow(const Tensor& self, const Tensor& exponent) {
  detail::check_floating("pow", "self", self);
  detail::check_floating("pow", "exponent", exponent);
  Tensor out = kernels::zip("pow", self, exponent, [](auto a, auto b) { return std::pow(a, b); });
  if (auto* node = record<PowTensorBackward>({self, exponent}, {out})) {
    node->base = SavedTensor(self, false);
    node->exponent = SavedTensor(exponent, false);
    if (node->needs_input_grad(1)) node->result = SavedTensor(out, true);
  }
  return out;
}

// ---- pow(s, b) = y: d/db = y log(s), 0 where s == 0 and b >= 0.
struct PowScalarBaseBackward final : Node {
  SavedTensor exponent, result;
  double base = 1.0;
  std::string_view name() const override { return "PowBackward"; }
  void release_saved() override {
    exponent.reset();
    result.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    Tensor grad = g[0] * result.unpack(*this) * std::log(base);
    if (base != 0.0) return {grad};
    return {
        keep_where(grad, kernels::map("pow", exponent.unpack(*this), [](auto e) { return e < 0 ? 1 : 0; }))};
  }
};

Tensor pow(double self, const Tensor& exponent) {
  detail::check_floating("pow", "exponent", exponent);
  Tensor out =
      kernels::map("pow", exponent, [self](auto e) { return std::pow(static_cast<decltype(e)>(self), e); });
  if (auto* node = record<PowScalarBaseBackward>({exponent}, {out})) {
    node->base = self;
    node->result = SavedTensor(out, true);
    if (self == 0.0) node->exponent = SavedTensor(exponent, false);
  }
  return out;
}

// ---- maximum / minimum: the gradient goes to the chosen input, half to each at a tie.
struct MaximumBackward final : Node {
  SavedTensor a, b;
  bool is_max = true;
  std::string_view name() const override { return is_max ? "MaximumBackward" : "MinimumBackward"; }
  void release_saved() override {
    a.reset();
    b.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    const bool max = is_max;
    // share = the part of the gradient self gets: 1 where self wins, 1/2 at a tie, 0 where other wins.
    Tensor share = kernels::zip(name(), a.unpack(*this), b.unpack(*this), [max](auto x, auto y) {
      using T = decltype(x);
      if (x == y) return T(0.5);
      return (max ? x > y : x < y) ? T(1) : T(0);
    });
    tensor_list out(2);
    if (needs_input_grad(0)) out[0] = sum_to(g[0] * share, input_meta()[0].sizes);
    if (needs_input_grad(1)) out[1] = sum_to(g[0] * (1.0 - share), input_meta()[1].sizes);
    return out;
  }
};

namespace {
Tensor extremum(std::string_view op, const Tensor& self, const Tensor& other, bool is_max) {
  check_binary(op, self, other);
  Tensor out = kernels::zip(op, self, other, [is_max](auto x, auto y) {
    if (x != x) return x;  // NaN propagates
    if (y != y) return y;
    return (is_max ? x >= y : x <= y) ? x : y;
  });
  if (auto* node = record<MaximumBackward>({self, other}, {out})) {
    node->is_max = is_max;
    node->a = SavedTensor(self, false);
    node->b = SavedTensor(other, false);
  }
  return out;
}
}  // namespace

Tensor maximum(const Tensor& self, const Tensor& other) { return extremum("maximum", self, other, true); }
Tensor minimum(const Tensor& self, const Tensor& other) { return extremum("minimum", self, other, false); }

// ---- clamp with tensor bounds: constant masks route the gradient to self, min or max.
struct ClampTensorBackward final : Node {
  SavedTensor x, lo, hi;  // lo / hi undefined when that bound is absent
  std::string_view name() const override { return "ClampBackward"; }
  void release_saved() override {
    x.reset();
    lo.reset();
    hi.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    Tensor self = x.unpack(*this);
    Tensor below = lo.defined() ? kernels::zip("clamp", self, lo.unpack(*this),
                                               [](auto v, auto m) { return v < m ? 1 : 0; })
                                : Tensor();
    Tensor above = hi.defined() ? kernels::zip("clamp", self, hi.unpack(*this),
                                               [](auto v, auto m) { return v > m ? 1 : 0; })
                                : Tensor();
    Tensor inside;
    if (below.defined() && above.defined())
      inside = kernels::zip("clamp", below, above, [](auto b, auto a) { return b == 0 && a == 0 ? 1 : 0; });
    else
      inside = kernels::map("clamp", below.defined() ? below : above, [](auto v) { return v == 0 ? 1 : 0; });
    tensor_list out(input_meta().size());
    if (needs_input_grad(0)) out[0] = sum_to(g[0] * inside, input_meta()[0].sizes);
    std::size_t next = 1;
    if (below.defined()) {
      if (needs_input_grad(next)) out[next] = sum_to(g[0] * below, input_meta()[next].sizes);
      ++next;
    }
    if (above.defined() && needs_input_grad(next)) out[next] = sum_to(g[0] * above, input_meta()[next].sizes);
    return out;
  }
};

Tensor clamp(const Tensor& self, const std::optional<Tensor>& min, const std::optional<Tensor>& max) {
  const bool has_min = min.has_value() && min->defined(), has_max = max.has_value() && max->defined();
  check(has_min || has_max, "clamp", "at least one of min and max must be given");
  detail::check_floating("clamp", "self", self);
  tensor_list inputs = {self};
  Tensor out = self;
  if (has_min) {
    detail::check_floating("clamp", "min", *min);
    out = kernels::zip("clamp", out, *min, [](auto v, auto m) { return v != v ? v : (v < m ? m : v); });
    inputs.push_back(*min);
  }
  if (has_max) {
    detail::check_floating("clamp", "max", *max);
    out = kernels::zip("clamp", out, *max, [](auto v, auto m) { return v != v ? v : (v > m ? m : v); });
    inputs.push_back(*max);
  }
  if (auto* node = record<ClampTensorBackward>(inputs, {out})) {
    node->x = SavedTensor(self, false);
    if (has_min) node->lo = SavedTensor(*min, false);
    if (has_max) node->hi = SavedTensor(*max, false);
  }
  return out;
}

Tensor clamp_min(const Tensor& self, const Tensor& min) { return clamp(self, min, std::nullopt); }
Tensor clamp_max(const Tensor& self, const Tensor& max) { return clamp(self, std::nullopt, max); }

// ---- lerp(s, e, w) = s + w (e - s): d/ds = 1 - w, d/de = w, d/dw = e - s.
struct LerpBackward final : Node {
  SavedTensor start, end, weight;  // start/end: only with a tensor weight that needs a gradient
  double scalar_weight = 0.0;
  std::string_view name() const override { return "LerpBackward"; }
  void release_saved() override {
    start.reset();
    end.reset();
    weight.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(input_meta().size());
    if (!weight.defined()) {  // scalar weight
      if (needs_input_grad(0)) out[0] = sum_to(g[0] * (1.0 - scalar_weight), input_meta()[0].sizes);
      if (needs_input_grad(1)) out[1] = sum_to(g[0] * scalar_weight, input_meta()[1].sizes);
      return out;
    }
    Tensor w = weight.unpack(*this);
    if (needs_input_grad(0)) out[0] = sum_to(g[0] * (1.0 - w), input_meta()[0].sizes);
    if (needs_input_grad(1)) out[1] = sum_to(g[0] * w, input_meta()[1].sizes);
    if (needs_input_grad(2))
      out[2] = sum_to(g[0] * (end.unpack(*this) - start.unpack(*this)), input_meta()[2].sizes);
    return out;
  }
};

Tensor lerp(const Tensor& self, const Tensor& end, double weight) {
  check_binary("lerp", self, end);
  Tensor out = kernels::zip("lerp", self, end, [weight](auto s, auto e) { return s + weight * (e - s); });
  if (auto* node = record<LerpBackward>({self, end}, {out})) node->scalar_weight = weight;
  return out;
}

Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight) {
  check_ternary("lerp", self, end, weight, "end", "weight");
  Tensor out;
  {
    NoGradGuard no_grad;
    out = self + weight * (end - self);
  }
  if (auto* node = record<LerpBackward>({self, end, weight}, {out})) {
    node->weight = SavedTensor(weight, false);
    if (node->needs_input_grad(2)) {
      node->start = SavedTensor(self, false);
      node->end = SavedTensor(end, false);
    }
  }
  return out;
}

// ---- addcmul(s, t1, t2, v) = s + v t1 t2 and addcdiv(s, t1, t2, v) = s + v t1 / t2:
// d/ds = 1; d/dt1 = v t2 (or v / t2); d/dt2 = v t1 (or -v t1 / t2^2).
struct AddcBackward final : Node {
  SavedTensor t1, t2;
  double value = 1.0;
  bool divide = false;
  std::string_view name() const override { return divide ? "AddcdivBackward" : "AddcmulBackward"; }
  void release_saved() override {
    t1.reset();
    t2.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(3);
    if (needs_input_grad(0)) out[0] = sum_to(g[0] * 1.0, input_meta()[0].sizes);
    Tensor scaled = g[0] * value;
    if (needs_input_grad(1)) {
      Tensor other = t2.unpack(*this);
      out[1] = sum_to(divide ? scaled / other : scaled * other, input_meta()[1].sizes);
    }
    if (needs_input_grad(2)) {
      Tensor numerator = t1.unpack(*this);
      if (divide) {
        Tensor denominator = t2.unpack(*this);
        out[2] = sum_to(-scaled * numerator / (denominator * denominator), input_meta()[2].sizes);
      } else {
        out[2] = sum_to(scaled * numerator, input_meta()[2].sizes);
      }
    }
    return out;
  }
};

namespace {
Tensor addc(std::string_view op, const Tensor& self, const Tensor& tensor1, const Tensor& tensor2,
            double value, bool divide) {
  check_ternary(op, self, tensor1, tensor2, "tensor1", "tensor2");
  Tensor out;
  {
    NoGradGuard no_grad;
    out = add(self, divide ? tensor1 / tensor2 : tensor1 * tensor2, value);
  }
  if (auto* node = record<AddcBackward>({self, tensor1, tensor2}, {out})) {
    node->value = value;
    node->divide = divide;
    if (node->needs_input_grad(1) || divide) node->t2 = SavedTensor(tensor2, false);
    if (node->needs_input_grad(2)) node->t1 = SavedTensor(tensor1, false);
  }
  return out;
}
}  // namespace

Tensor addcmul(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, double value) {
  return addc("addcmul", self, tensor1, tensor2, value, false);
}

Tensor addcdiv(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, double value) {
  return addc("addcdiv", self, tensor1, tensor2, value, true);
}

Tensor Tensor::pow(const Tensor& exponent) const { return tg::pow(*this, exponent); }
Tensor Tensor::maximum(const Tensor& other) const { return tg::maximum(*this, other); }
Tensor Tensor::minimum(const Tensor& other) const { return tg::minimum(*this, other); }
Tensor Tensor::clamp(const std::optional<Tensor>& min, const std::optional<Tensor>& max) const {
  return tg::clamp(*this, min, max);
}
Tensor Tensor::clamp_min(const Tensor& min) const { return tg::clamp_min(*this, min); }
Tensor Tensor::clamp_max(const Tensor& max) const { return tg::clamp_max(*this, max); }
Tensor Tensor::lerp(const Tensor& end, double weight) const { return tg::lerp(*this, end, weight); }
Tensor Tensor::lerp(const Tensor& end, const Tensor& weight) const { return tg::lerp(*this, end, weight); }
Tensor Tensor::addcmul(const Tensor& tensor1, const Tensor& tensor2, double value) const {
  return tg::addcmul(*this, tensor1, tensor2, value);
}
Tensor Tensor::addcdiv(const Tensor& tensor1, const Tensor& tensor2, double value) const {
  return tg::addcdiv(*this, tensor1, tensor2, value);
}

}  // namespace tg
