#pragma once
// Node: one recorded operation of the tape. Its apply() maps the gradients of the op's outputs to
// gradients of its inputs; next_edges() point to the nodes that produced those inputs.
#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tapegrad/autograd/engine/anomaly_mode.hpp>
#include <tapegrad/autograd/tensor/block_pool.hpp>
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::autograd {

class Node;

/// Where a gradient goes: input `input_nr` of `function` (null function: the input needs no gradient).
struct Edge {
  std::shared_ptr<Node> function;
  std::uint32_t input_nr = 0;
  bool valid() const { return function != nullptr; }
};

/// What a gradient for a forward input must look like (checked by the engine).
struct InputMeta {
  Shape sizes;
  Dtype dtype = kFloat32;
};

/// A borrowed list of tensors, `{a, b}` or a tensor_list, passed to record() without copying
/// handles or allocating (this is on the path of every op). It points into its argument: the array
/// behind a braced list lives until the end of the call's full-expression, so use it as a parameter
/// only, never as a variable.
class TensorRefs {
 public:
// GCC warns that keeping begin() does not extend the array's life; the class comment above is why
// it need not.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
  TensorRefs(std::initializer_list<std::reference_wrapper<const Tensor>> tensors)
      : refs_(tensors.begin()), size_(tensors.size()) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
  TensorRefs(const tensor_list& tensors) : tensors_(tensors.data()), size_(tensors.size()) {}
  std::size_t size() const { return size_; }
  const Tensor& operator[](std::size_t i) const { return tensors_ != nullptr ? tensors_[i] : refs_[i].get(); }

 private:
  const std::reference_wrapper<const Tensor>* refs_ = nullptr;
  const Tensor* tensors_ = nullptr;
  std::size_t size_ = 0;
};

using EdgeList = boost::container::small_vector<Edge, 2>;
using InputMetaList = boost::container::small_vector<InputMeta, 2>;

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// Gradients of the forward outputs in, gradients of the forward inputs out (one per next edge;
  /// undefined where that input needs none).
  virtual tensor_list apply(tensor_list&& grad_outputs) = 0;
  /// Name shown by grad_fn printing and in error messages, e.g. "MulBackward".
  virtual std::string_view name() const = 0;
  /// Drops saved tensors after a backward without retain_graph. See Note [Saved tensor lifetime].
  virtual void release_saved() {}

  const EdgeList& next_edges() const { return next_edges_; }
  const InputMetaList& input_meta() const { return input_meta_; }
  bool needs_input_grad(std::size_t input) const {
    return input < next_edges_.size() && next_edges_[input].valid();
  }
  std::uint64_t sequence_nr() const { return sequence_nr_; }
  /// Number of forward outputs (= number of gradients apply() receives).
  std::uint32_t num_outputs() const { return num_outputs_; }

  /// Connects the node to the producers of `inputs` and records their metadata.
  void set_inputs(const TensorRefs& inputs);
  void set_num_outputs(std::uint32_t n) { num_outputs_ = n; }

  /// Hooks registered on non-leaf outputs: run on the gradient of output `output_nr` before apply().
  void add_output_hook(std::uint32_t output_nr, GradHook hook);
  const std::vector<std::pair<std::uint32_t, GradHook>>& output_hooks() const { return output_hooks_; }

  /// Where the op was recorded (scope label, op number, inputs' history); kept only while anomaly
  /// detection is on, null otherwise. Shown in errors raised during this node's backward.
  const std::string* anomaly_context() const { return anomaly_context_.get(); }
  void set_anomaly_context(std::string context) {
    anomaly_context_ = std::make_unique<std::string>(std::move(context));
  }

 private:
  EdgeList next_edges_;
  InputMetaList input_meta_;
  std::vector<std::pair<std::uint32_t, GradHook>> output_hooks_;
  std::unique_ptr<std::string> anomaly_context_;
  std::uint64_t sequence_nr_;
  std::uint32_t num_outputs_ = 1;
};

/// The edge a gradient for `tensor` must flow into: its grad_fn, or its leaf accumulator.
Edge gradient_edge(const Tensor& tensor);
/// The AccumulateGrad node of a leaf that requires grad (created on first use).
std::shared_ptr<Node> grad_accumulator(const Tensor& leaf);

/// True when grad mode is on and any input requires grad: the op must record a node.
bool any_requires_grad(const TensorRefs& inputs);

// Exported, unlike other detail blocks: Function<T>::apply and record<NodeT>, instantiated in user code,
// call these.
namespace detail {
/// RAII: ops run in this scope skip the forward anomaly check (they are checked as a whole by the
/// backward node or custom op that runs them).
struct ForwardChecksOff {
  ForwardChecksOff();
  ~ForwardChecksOff();
  ForwardChecksOff(const ForwardChecksOff&) = delete;
  ForwardChecksOff& operator=(const ForwardChecksOff&) = delete;
};
/// Anomaly mode, forward: throws AnomalyError when an output of `op` holds NaN/Inf; otherwise stores on
/// `node` (when the op was recorded) where it was recorded.
void check_forward_anomaly(std::string_view node_name, const TensorRefs& inputs, const TensorRefs& outputs,
                           Node* node);
/// Anomaly mode, backward: throws AnomalyError when a gradient `node` returned holds NaN/Inf.
void check_backward_anomaly(const Node& node, const tensor_list& grads);
/// An error message raised in `node`'s backward, with where the node was recorded appended.
std::string with_anomaly_context(const Node& node, std::string_view what);
}  // namespace detail

/// Records node type NodeT for an op with the given inputs and outputs when any input requires grad.
/// Returns the node (to fill in what backward needs) or nullptr when nothing is recorded.
template <class NodeT>
NodeT* record(const TensorRefs& inputs, const TensorRefs& outputs) {
  NodeT* raw = nullptr;
  if (any_requires_grad(inputs)) {
    auto node = tg::detail::make_pooled<NodeT>();  // Note [Block pool]
    raw = node.get();
    node->set_inputs(inputs);
    node->set_num_outputs(static_cast<std::uint32_t>(outputs.size()));
    for (std::uint32_t i = 0; i < outputs.size(); ++i) {
      AutogradMeta& meta = tg::detail::impl_of(outputs[i])->autograd_meta();
      meta.requires_grad = true;
      meta.grad_fn = i + 1 < outputs.size() ? node : std::move(node);  // the outputs own the node
      meta.output_nr = i;
    }
  }
  if (AnomalyMode::is_enabled()) [[unlikely]]
    detail::check_forward_anomaly(raw != nullptr ? raw->name() : NodeT().name(), inputs, outputs, raw);
  return raw;
}

}  // namespace tg::autograd

#pragma GCC visibility pop
