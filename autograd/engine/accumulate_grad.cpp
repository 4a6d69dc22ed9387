#include <algorithm>

#include <tapegrad/autograd/engine/accumulate_grad.hpp>
#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/conversion.hpp>

namespace tg::autograd {
namespace {
bool exclusively_owned(const Tensor& grad) {
  return tg::detail::impl_ptr_of(grad).use_count() == 1 &&
         tg::detail::impl_of(grad)->storage.use_count() == 1;
}
}  // namespace

AccumulateGrad::AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) { set_inputs({}); }

Tensor AccumulateGrad::run_hooks(Tensor grad) const {
  for (const GradHook& hook : leaf_->autograd_meta().hooks) {
    if (!hook) continue;  // removed by remove_hook(); the slot keeps later handles valid
    Tensor replaced = hook(grad);
    if (!replaced.defined()) continue;
    check(replaced.sizes() == leaf_->sizes && replaced.dtype() == leaf_->dtype, "register_hook",
          "a hook returned a gradient of shape ", replaced.sizes(), " (", replaced.dtype(),
          ") for a tensor of shape ", leaf_->sizes, " (", leaf_->dtype, ")");
    grad = std::move(replaced);
  }
  return grad;
}

namespace {
// Adds `grad` into `stored` with AccumulateGrad's rules (see apply()).
void add_into(Tensor& stored, Tensor grad) {
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
}
}  // namespace

tensor_list AccumulateGrad::apply(tensor_list&& grads) {
  {
    std::lock_guard lock(mutex_);
    Tensor grad = run_hooks(std::move(grads.at(0)));
    if (!grad.defined()) return {};
    add_into(leaf_->autograd_meta().grad, std::move(grad));
  }
  run_post_accumulate_hooks();
  return {};
}

void AccumulateGrad::accumulate_without_hooks(Tensor grad) {
  {
    std::lock_guard lock(mutex_);
    add_into(leaf_->autograd_meta().grad, std::move(grad));
  }
  run_post_accumulate_hooks();
}

// Outside the lock: a hook may read or replace leaf.grad() (DistributedDataParallel moves it into its
// bucket) or start work that takes time.
void AccumulateGrad::run_post_accumulate_hooks() const {
  const auto& hooks = leaf_->autograd_meta().post_accumulate_hooks;
  if (hooks.empty()) return;
  const Tensor leaf(leaf_);
  for (std::size_t i = 0; i < hooks.size(); ++i)  // by index: a hook may register another
    if (auto hook = hooks[i]) hook(leaf);
}

void accumulate_into_grad(const Tensor& tensor, Tensor grad) {
  if (!grad.defined()) return;
  if (tensor.is_leaf()) {
    static_cast<AccumulateGrad&>(*grad_accumulator(tensor)).accumulate_without_hooks(std::move(grad));
    return;
  }
  add_into(tensor.mutable_grad(), std::move(grad));
}

bool AccumulateGrad::stores_copy_of(const Tensor& grad) const {
  if (GradMode::is_enabled() || exclusively_owned(grad)) return false;
  std::lock_guard lock(mutex_);
  const auto& hooks = leaf_->autograd_meta().hooks;
  const bool no_hooks =
      std::none_of(hooks.begin(), hooks.end(), [](const GradHook& hook) { return bool(hook); });
  return no_hooks && !leaf_->autograd_meta().grad.defined();
}

}  // namespace tg::autograd
