// backward() and grad(): argument checks and the roots' gradients; the pass itself is GraphTask's.
#include <tapegrad/autograd/engine/accumulate_grad.hpp>
#include <tapegrad/autograd/engine/engine.hpp>
#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/graph_task.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg::autograd {
namespace {
using detail::GraphTask;

Tensor root_gradient(std::string_view op, const Tensor& root, const Tensor& given) {
  if (given.defined()) {
    check(given.sizes() == root.sizes(), op, "gradient has shape ", given.sizes(),
          " but the tensor has shape ", root.sizes(), "; they must match");
    check(given.dtype() == root.dtype(), op, "gradient is ", given.dtype(), " but the tensor is ",
          root.dtype());
    return given;
  }
  check(root.numel() == 1, op, "grad can be implicitly created only for scalar outputs, but the tensor ",
        root.grad_fn() ? std::string("computed by ") + root.grad_fn_name() + " " : std::string(),
        "has shape ", root.sizes(), "; pass a gradient of that shape, e.g. backward(tg::ones_like(t))");
  return ones_like(root);
}

void check_root(std::string_view op, const Tensor& root) {
  check(root.defined(), op, "called on an undefined tensor");
  check(root.requires_grad(), op,
        "the tensor does not require grad and has no grad_fn; set requires_grad(true) on the leaves you "
        "want gradients for, and do not compute the tensor under NoGradGuard or from detach()ed tensors");
}

void check_differentiable_input(std::string_view op, const Tensor& input, std::size_t index) {
  check(input.defined() && input.requires_grad(), op, "input ", index,
        " does not require grad: One of the differentiated Tensors does not require grad; only tensors "
        "that require grad can be differentiated against");
}

// Seeds `task` with the roots and their gradients (shared by backward() and grad()).
void add_roots(GraphTask& task, std::string_view op, const variable_list& roots, const variable_list& grads) {
  for (std::size_t i = 0; i < roots.size(); ++i) {
    check_root(op, roots[i]);
    task.add_root(gradient_edge(roots[i]), root_gradient(op, roots[i], grads.empty() ? Tensor() : grads[i]));
  }
}

}  // namespace

void backward(const variable_list& tensors, const variable_list& grad_tensors,
              std::optional<bool> retain_graph, bool create_graph, const variable_list& inputs) {
  check(grad_tensors.empty() || grad_tensors.size() == tensors.size(), "backward", "got ", tensors.size(),
        " tensors but ", grad_tensors.size(), " gradients");
  GraphTask task(retain_graph.value_or(create_graph), create_graph);
  add_roots(task, "backward", tensors, grad_tensors);
  if (inputs.empty()) {
    task.run(0);
    return;
  }
  // Only the given tensors receive gradients: capture them as grad() does, then accumulate.
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    check_differentiable_input("backward", inputs[i], i);
    task.add_capture(gradient_edge(inputs[i]), i);
  }
  variable_list captured = task.run(inputs.size());
  AutoGradMode mode(create_graph);  // with create_graph the accumulated sum keeps its history
  for (std::size_t i = 0; i < inputs.size(); ++i) accumulate_into_grad(inputs[i], std::move(captured[i]));
}

variable_list grad(const variable_list& outputs, const variable_list& inputs,
                   const variable_list& grad_outputs, std::optional<bool> retain_graph, bool create_graph,
                   bool allow_unused) {
  check(grad_outputs.empty() || grad_outputs.size() == outputs.size(), "grad", "got ", outputs.size(),
        " outputs but ", grad_outputs.size(), " grad_outputs");
  GraphTask task(retain_graph.value_or(create_graph), create_graph);
  add_roots(task, "grad", outputs, grad_outputs);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    check_differentiable_input("grad", inputs[i], i);
    task.add_capture(gradient_edge(inputs[i]), i);
  }
  variable_list result = task.run(inputs.size());
  for (std::size_t i = 0; i < result.size(); ++i)
    check(allow_unused || result[i].defined(), "grad", "input ", i, " (shape ", inputs[i].sizes(),
          ") was not used to compute the outputs: One of the differentiated Tensors appears to not have been "
          "used in the graph. Set allow_unused=True if this is the desired behavior. (In C++: pass "
          "allow_unused=true to get an undefined tensor for it.)");
  return result;
}

Engine& Engine::get_default_engine() {
  static Engine engine;
  return engine;
}

void Engine::queue_callback(std::function<void()> callback) {
  GraphTask* task = GraphTask::current();
  check(task != nullptr, "queue_callback", "Final callbacks can only be installed during backward pass.");
  task->queue_callback(std::move(callback));
}

}  // namespace tg::autograd

namespace tg {
void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph,
                      std::optional<tensor_list> inputs) const {
  check(!inputs || !inputs->empty(), "backward", "'inputs' argument to backward cannot be empty");
  autograd::backward({*this}, {gradient}, retain_graph, create_graph, inputs.value_or(tensor_list{}));
}
}  // namespace tg
