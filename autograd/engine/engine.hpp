#pragma once
// The backward pass: runs recorded nodes in reverse order of recording over the graph's DAG.
#include <functional>
#include <optional>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::autograd {

/// Accumulates d(sum of tensors[i] * grad_tensors[i])/d(leaf) into every leaf's .grad().
/// A grad_tensors entry may be omitted (or undefined) for a one-element tensor: it is taken as 1.
/// retain_graph defaults to create_graph. With `inputs`, gradients are accumulated only into the .grad()
/// of those tensors (leaves or not); inputs the outputs do not depend on are left alone.
void backward(const variable_list& tensors, const variable_list& grad_tensors = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
              const variable_list& inputs = {});

/// Returns d(sum of outputs[i] * grad_outputs[i])/d(inputs[j]) without touching any .grad().
/// With create_graph the returned gradients are differentiable (gradients of gradients).
/// allow_unused: return an undefined tensor for an input the outputs do not depend on instead of throwing.
variable_list grad(const variable_list& outputs, const variable_list& inputs,
                   const variable_list& grad_outputs = {}, std::optional<bool> retain_graph = std::nullopt,
                   bool create_graph = false, bool allow_unused = false);

/// libtorch's torch::autograd::Engine, for what users call on it: queue_callback().
class Engine {
 public:
  static Engine& get_default_engine();
  /// Runs `callback` once the backward pass running on this thread has run all its nodes, before
  /// backward() returns (DistributedDataParallel waits for its all-reduces there). Only valid during
  /// a backward pass, i.e. from a hook or a node's apply(); callbacks run in the order queued and may
  /// queue more.
  void queue_callback(std::function<void()> callback);
};

}  // namespace tg::autograd

#pragma GCC visibility pop
