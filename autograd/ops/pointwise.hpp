#pragma once
// Internal helpers for element-wise ops (included by autograd/ops/*.cpp only): the one-input op whose
// gradient is a formula of the gradient and the saved input or output, and a differentiable
// "keep where the mask is set" used by gradients that must be exactly 0 where a formula is inf or NaN.
#include <string_view>

#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>

namespace tg::detail {

/// values where mask != 0, else 0 (broadcasting); mask is a constant of values' dtype. Unlike
/// values * mask this gives 0, not NaN, where values is inf or NaN. Differentiable in values.
Tensor keep_where(const Tensor& values, const Tensor& mask);

/// Which tensor a one-input op keeps for its gradient formula.
enum class Saved { Nothing, Input, Output };

/// The node of a one-input element-wise op: grad_input = formula(grad, saved), written with
/// differentiable ops so that double backward works.
struct UnaryPointwiseBackward final : autograd::Node {
  using Formula = Tensor (*)(const Tensor& grad, const Tensor& saved);
  std::string_view node_name = "UnaryPointwiseBackward";
  Formula formula = nullptr;
  autograd::SavedTensor saved;
  std::string_view name() const override { return node_name; }
  void release_saved() override { saved.reset(); }
  tensor_list apply(tensor_list&& g) override {
    return {formula(g[0], saved.defined() ? saved.unpack(*this) : Tensor())};
  }
};

/// y = f(x) element-wise (x float32 or float64), recording `node_name` with the given formula.
template <class F>
Tensor unary_pointwise(std::string_view op, std::string_view node_name, const Tensor& x, F f,
                       UnaryPointwiseBackward::Formula formula, Saved saved) {
  check_floating(op, "input", x);
  Tensor y = kernels::map(op, x, f);
  if (auto* node = autograd::record<UnaryPointwiseBackward>({x}, {y})) {
    node->node_name = node_name;
    node->formula = formula;
    if (saved == Saved::Input) node->saved = autograd::SavedTensor(x, false);
    if (saved == Saved::Output) node->saved = autograd::SavedTensor(y, true);
  }
  return y;
}

}  // namespace tg::detail
