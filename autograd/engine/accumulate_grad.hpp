#pragma once
// AccumulateGrad: the node at a leaf. Runs the leaf's hooks, then adds the gradient into leaf.grad().
// Thread-safe: independent graphs on several threads may share leaves (parameters).
#include <mutex>

#include <tapegrad/autograd/engine/node.hpp>

namespace tg::autograd {

class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf);
  tensor_list apply(tensor_list&& grads) override;
  std::string_view name() const override { return "AccumulateGrad"; }
  Tensor variable() const { return Tensor(leaf_); }

  /// Runs the leaf's hooks on `grad` and returns the (possibly replaced) gradient.
  Tensor run_hooks(Tensor grad) const;

  /// True when apply() on `grad`, run now, would store a copy of it as the leaf's first gradient: no
  /// graph is being recorded (no create_graph), the leaf has no hooks and no gradient stored yet, and
  /// `grad` is shared with someone else. A node whose backward reads that
  /// gradient anyway can write the copy in the same pass and pass it on: apply() keeps an exclusively
  /// owned contiguous gradient without copying, so the leaf ends up with the same values in a buffer
  /// of its own either way. Another gradient for the same leaf may still arrive first (the engine then
  /// adds into the copy); that costs time, never correctness.
  bool stores_copy_of(const Tensor& grad) const;

  /// Adds `grad` into the leaf's .grad() as apply() does, without running the hooks (they ran already).
  void accumulate_without_hooks(Tensor grad);

 private:
  void run_post_accumulate_hooks() const;

  std::shared_ptr<TensorImpl> leaf_;
  mutable std::mutex mutex_;  // backward passes on several threads may accumulate into one leaf at once
};

/// Adds `grad` (whose hooks already ran) into tensor.grad() with AccumulateGrad's rules; `tensor` may
/// be a leaf or not (backward(inputs=...)).
void accumulate_into_grad(const Tensor& tensor, Tensor grad);

}  // namespace tg::autograd
