#include <tapegrad/autograd/engine/accumulate_grad.hpp>
#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/conversion.hpp>

namespace tg::autograd {
namespace {
thread_local bool backward_accumulates_into_leaves = false;

bool exclusively_owned(const Tensor& grad) {
  return grad.impl_ptr().use_count() == 1 && grad.impl()->storage.use_count() == 1;
}
}  // namespace

namespace detail {
LeafAccumulationScope::LeafAccumulationScope(bool accumulates) : previous_(backward_accumulates_into_leaves) {
  backward_accumulates_into_leaves = accumulates;
}
LeafAccumulationScope::~LeafAccumulationScope() { backward_accumulates_into_leaves = previous_; }
}  // namespace detail

AccumulateGrad::AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {
  set_inputs({});
  shared_between_graphs_ = true;
}

Tensor AccumulateGrad::run_hooks(Tensor grad) const {
  for (const GradHook& hook : leaf_->autograd_meta().hooks) {
    Tensor replaced = hook(grad);
    if (!replaced.defined()) continue;
    check(replaced.sizes() == leaf_->sizes && replaced.dtype() == leaf_->dtype, "register_hook",
          "a hook returned a gradient of shape ", replaced.sizes(), " (", replaced.dtype(),
          ") for a tensor of shape ", leaf_->sizes, " (", leaf_->dtype, ")");
    grad = std::move(replaced);
  }
  return grad;
}

tensor_list AccumulateGrad::apply(tensor_list&& grads) {
  std::lock_guard lock(mutex_);
  Tensor grad = run_hooks(std::move(grads.at(0)));
  if (!grad.defined()) return {};
  Tensor& stored = leaf_->autograd_meta().grad;
  if (!stored.defined()) {
    // Keep the incoming buffer when nobody else can reach it; otherwise (or when it is a strided or
    // expanded view, which later in-place accumulation must not write through) store a copy.
    const bool exclusive = exclusively_owned(grad);
    if (GradMode::is_enabled())  // create_graph: clone() keeps the history; the buffer may be shared
      stored = exclusive && grad.is_contiguous() ? grad : grad.clone();
    else
      stored = exclusive && grad.is_contiguous() ? grad.detach() : grad.detach().clone();
  } else if (GradMode::is_enabled()) {
    stored = stored + grad;  // create_graph: the sum itself is differentiable
  } else {
    stored.add_(grad);
  }
  return {};
}

bool AccumulateGrad::stores_copy_of(const Tensor& grad) const {
  if (!backward_accumulates_into_leaves || GradMode::is_enabled() || exclusively_owned(grad)) return false;
  std::lock_guard lock(mutex_);
  return leaf_->autograd_meta().hooks.empty() && !leaf_->autograd_meta().grad.defined();
}

}  // namespace tg::autograd
