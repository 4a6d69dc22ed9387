#pragma once
// SavedTensor: a tensor a node keeps for its backward, with the checks PyTorch makes on unpacking.
#include <cstdint>
#include <memory>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::autograd {

class Node;

// Note [Saved tensor lifetime]
// A node saves what its backward needs. Saving one of the node's own outputs as a full tensor would
// make a cycle (output -> grad_fn -> node -> saved output), so outputs are saved without their
// autograd history and re-attached to the node on unpack. Inputs are saved the same way (a non-leaf's
// grad_fn held apart): an in-place op may later give the input's TensorImpl a history that leads back
// to this node (z = x / w; x.mul_(z)), which would otherwise be a cycle too. Only leaves that require
// grad are saved as they are (they cannot be modified in place with history, and double backward
// must reach their gradient accumulator). Saved tensors are dropped by
// release_saved() after backward unless retain_graph, and unpacking them afterwards is an error.
// In-place writes bump the storage version; unpacking compares it with the version at save time.
class SavedTensor {
 public:
  SavedTensor() = default;
  /// `is_output`: the tensor is an output of the node that saves it.
  SavedTensor(const Tensor& tensor, bool is_output);

  /// The saved tensor; throws tg::Error when it was freed or modified in place since saving.
  Tensor unpack(const Node& owner) const;
  void reset();
  bool defined() const { return saved_; }

 private:
  Tensor data_;
  std::shared_ptr<Node> input_grad_fn_;  // a non-leaf input's history, re-attached on unpack
  std::uint64_t version_ = 0;
  std::uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool saved_ = false;
};

}  // namespace tg::autograd

#pragma GCC visibility pop
