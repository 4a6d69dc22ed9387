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

 private:
  std::shared_ptr<TensorImpl> leaf_;
  std::mutex mutex_;  // backward passes on several threads may accumulate into one leaf at once
};

}  // namespace tg::autograd
