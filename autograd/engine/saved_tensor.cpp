#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>

namespace tg::autograd {

SavedTensor::SavedTensor(const Tensor& tensor, bool is_output)
    : input_grad_fn_(!is_output && tensor.defined() ? tensor.grad_fn() : nullptr),
      version_(tensor.defined() ? tensor.version() : 0),
      output_nr_(is_output || input_grad_fn_ ? tensor.output_nr() : 0),
      is_output_(is_output),
      saved_(true) {
  // Only a leaf that requires grad keeps its identity (double backward accumulates into it); any other
  // tensor may later get a history through an in-place op, which must not lead back here.
  const bool keeps_identity = !is_output && tensor.defined() && tensor.is_leaf() && tensor.requires_grad();
  data_ = keeps_identity ? tensor : tensor.detach();
}

Tensor SavedTensor::unpack(const Node& owner) const {
  check(saved_, "backward", "saved tensors of ", owner.name(),
        " were freed by an earlier backward(); pass retain_graph=true to that call if you need to "
        "backward through the graph a second time");
  if (!data_.defined()) return data_;
  check(data_.version() == version_, "backward", "a tensor saved by ", owner.name(),
        " was modified by an in-place operation after it was saved (version ", version_, " -> ",
        data_.version(), "); clone() it before modifying it, or modify it under NoGradGuard before using it");
  if ((!is_output_ && !input_grad_fn_) || !GradMode::is_enabled()) return data_;
  // create_graph: the tensor must carry its history again so that gradients of gradients flow to it.
  Tensor with_history = data_.detach();
  AutogradMeta& meta = tg::detail::impl_of(with_history)->autograd_meta();
  meta.requires_grad = true;
  meta.grad_fn = is_output_ ? std::const_pointer_cast<Node>(owner.shared_from_this()) : input_grad_fn_;
  meta.output_nr = output_nr_;
  return with_history;
}

void SavedTensor::reset() {
  data_ = Tensor();
  input_grad_fn_.reset();
  saved_ = false;
}

}  // namespace tg::autograd
