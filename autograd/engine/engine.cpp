#include <algorithm>
#include <atomic>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include <tapegrad/autograd/engine/accumulate_grad.hpp>
#include <tapegrad/autograd/engine/engine.hpp>
#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>

namespace tg::autograd {
namespace {

struct Capture {
  std::uint32_t input_nr;
  std::size_t result_index;
};

// One backward call: dependency counts, gradient buffers, and (for grad()) what to capture.
// Follows PyTorch's engine: a node runs once all its consumers have passed their gradients on,
// newest node first. Everything is iterative so that long chains cannot overflow the stack.
std::atomic<std::uint64_t> next_task_id{1};

// True when nobody but the engine can see `t`, so adding into it in place is invisible.
bool exclusively_owned(const Tensor& t) {
  return tg::detail::impl_ptr_of(t).use_count() == 1 && tg::detail::impl_of(t)->storage.use_count() == 1 &&
         !t.requires_grad();
}

class GraphTask {
 public:
  GraphTask(bool retain_graph, bool create_graph)
      : retain_graph_(retain_graph), create_graph_(create_graph), id_(next_task_id++) {}

  void add_root(const Edge& edge, Tensor grad) {
    keep_alive_.push_back(edge.function);  // a leaf's accumulator may exist only through this edge
    roots_.push_back(edge.function.get());
    claim(edge.function.get());
    accumulate(edge.function.get(), edge.input_nr, std::move(grad));
  }

  void add_capture(const Edge& edge, std::size_t result_index) {
    keep_alive_.push_back(edge.function);
    captures_[edge.function.get()].push_back({edge.input_nr, result_index});
    capture_only_ = true;
  }

  tensor_list run(std::size_t num_captures) {
    captured_.assign(num_captures, Tensor());
    count_dependencies();
    if (capture_only_) mark_needed_nodes();
    std::priority_queue<std::pair<std::uint64_t, Node*>> ready;
    for (std::size_t i = 0; i < roots_.size(); ++i) {
      Node* root = roots_[i];
      const bool repeated = std::find(roots_.begin(), roots_.begin() + static_cast<std::ptrdiff_t>(i),
                                      root) != roots_.begin() + static_cast<std::ptrdiff_t>(i);
      if (!repeated && scratch(root).dependencies == 0) ready.push({root->sequence_nr(), root});
    }
    AutoGradMode mode(create_graph_);
    detail::LeafAccumulationScope leaves(!capture_only_);
    while (!ready.empty()) {
      Node* node = ready.top().second;
      ready.pop();
      tensor_list grads = take_buffer(node);
      run_output_hooks(*node, grads);
      capture(node, grads);
      tensor_list input_grads;
      if (should_execute(node) &&
          std::any_of(grads.begin(), grads.end(), [](auto& g) { return g.defined(); })) {
        input_grads = anomaly_ ? apply_checked(*node, std::move(grads)) : node->apply(std::move(grads));
        validate(*node, input_grads);
        if (!retain_graph_) node->release_saved();
      }
      const auto& edges = node->next_edges();
      for (std::size_t i = 0; i < edges.size(); ++i) {
        Node* next = edges[i].function.get();
        if (next == nullptr || (capture_only_ && !needed_.contains(next))) continue;
        if (i < input_grads.size() && input_grads[i].defined())
          accumulate(next, edges[i].input_nr, std::move(input_grads[i]));
        if (--scratch(next).dependencies == 0) ready.push({next->sequence_nr(), next});
      }
      recycle(std::move(grads));
      recycle(std::move(input_grads));
    }
    return std::move(captured_);
  }

 private:
  // Anomaly mode: errors raised in the node name where it was recorded; NaN/Inf results throw.
  static tensor_list apply_checked(Node& node, tensor_list&& grads) {
    tensor_list input_grads;
    try {
      detail::ForwardChecksOff checked_as_a_whole;
      input_grads = node.apply(std::move(grads));
    } catch (const Error& error) {
      if (std::string_view(error.what()).starts_with("detect_anomaly:")) throw;
      throw Error(detail::with_anomaly_context(node, error.what()));
    }
    detail::check_backward_anomaly(node, input_grads);
    return input_grads;
  }

  // A leaf's accumulator may be reached by backward passes of several threads at once (parameters
  // shared by independent graphs), so its bookkeeping lives in the task; other nodes keep it inline.
  EngineScratch& scratch(Node* node) {
    return node->shared_between_graphs() ? leaf_scratch_[node] : node->engine_scratch();
  }

  // Resets a node's scratch for this backward; false when this backward already claimed it.
  bool claim(Node* node) {
    EngineScratch& scratch = this->scratch(node);
    if (scratch.task == id_) return false;
    scratch.task = id_;
    scratch.dependencies = 0;
    scratch.buffer.clear();
    return true;
  }

  void count_dependencies() {
    std::vector<Node*> stack(roots_.begin(), roots_.end());
    while (!stack.empty()) {
      Node* node = stack.back();
      stack.pop_back();
      for (const Edge& edge : node->next_edges()) {
        if (!edge.valid()) continue;
        Node* next = edge.function.get();
        if (claim(next)) stack.push_back(next);
        ++scratch(next).dependencies;
      }
    }
  }

  // grad(): run only nodes from which a captured gradient is reachable. An iterative post-order walk
  // settles every node after all the nodes it feeds gradients to.
  void mark_needed_nodes() {
    std::unordered_set<Node*> visited;
    std::vector<std::pair<Node*, std::size_t>> stack;
    for (Node* root : roots_)
      if (visited.insert(root).second) stack.push_back({root, 0});
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      const auto& edges = node->next_edges();
      if (next < edges.size()) {
        Node* child = edges[next++].function.get();
        if (child != nullptr && visited.insert(child).second) stack.push_back({child, 0});
        continue;
      }
      bool reaches_capture = false;
      for (const Edge& edge : edges)
        if (edge.valid() && needed_.contains(edge.function.get())) reaches_capture = true;
      if (reaches_capture) executes_.insert(node);
      if (reaches_capture || captures_.contains(node)) needed_.insert(node);
      stack.pop_back();
    }
  }

  bool should_execute(Node* node) const {
    if (!capture_only_) return true;
    return executes_.contains(node) && dynamic_cast<AccumulateGrad*>(node) == nullptr;
  }

  // Sums the gradients a node receives from all its consumers: in place when the running sum is
  // private to the engine and no graph is being recorded, else out of place.
  void accumulate(Node* node, std::uint32_t input_nr, Tensor grad) {
    tensor_list& buffer = scratch(node).buffer;
    if (buffer.size() < node->num_outputs()) {
      if (buffer.capacity() == 0 && !spare_lists_.empty()) {
        buffer = std::move(spare_lists_.back());
        spare_lists_.pop_back();
      }
      buffer.resize(node->num_outputs());
    }
    Tensor& slot = buffer.at(input_nr);
    if (!slot.defined()) {
      slot = std::move(grad);
    } else if (!create_graph_ && slot.sizes() == grad.sizes() && slot.dtype() == grad.dtype() &&
               slot.is_contiguous() && exclusively_owned(slot)) {
      slot.add_(grad);
    } else {
      slot = slot + grad;
    }
  }

  // Keeps the heap block of a gradient list that is done with, for the next node's buffer: a chain of
  // nodes then passes gradients without allocating a list per node.
  void recycle(tensor_list&& list) {
    if (list.capacity() == 0 || spare_lists_.size() >= kMaxSpareLists) return;
    list.clear();
    spare_lists_.push_back(std::move(list));
  }

  tensor_list take_buffer(Node* node) {
    tensor_list grads = std::move(scratch(node).buffer);
    scratch(node).buffer.clear();
    grads.resize(node->num_outputs());
    return grads;
  }

  static void run_output_hooks(const Node& node, tensor_list& grads) {
    for (const auto& [output_nr, hook] : node.output_hooks()) {
      if (output_nr >= grads.size() || !grads[output_nr].defined()) continue;
      Tensor replaced = hook(grads[output_nr]);
      if (replaced.defined()) grads[output_nr] = std::move(replaced);
    }
  }

  void capture(Node* node, const tensor_list& grads) {
    if (captures_.empty()) return;
    auto found = captures_.find(node);
    if (found == captures_.end()) return;
    auto* accumulator = dynamic_cast<AccumulateGrad*>(node);
    for (const Capture& c : found->second) {
      Tensor grad = grads.at(c.input_nr);
      if (accumulator != nullptr && grad.defined()) grad = accumulator->run_hooks(grad);
      captured_[c.result_index] = grad;
    }
  }

  static void validate(const Node& node, tensor_list& grads) {
    const auto& edges = node.next_edges();
    check(grads.size() == edges.size(), "backward", "node ", node.name(), " returned ", grads.size(),
          " gradients; expected ", edges.size(), " (one per forward input)");
    for (std::size_t i = 0; i < grads.size(); ++i) {
      if (!grads[i].defined() || !edges[i].valid()) continue;
      const InputMeta& meta = node.input_meta()[i];
      check(grads[i].dtype() == meta.dtype, "backward", "node ", node.name(), " returned a ",
            grads[i].dtype(), " gradient for input ", i, "; expected ", meta.dtype);
      if (grads[i].sizes() == meta.sizes) continue;
      bool reducible = grads[i].dim() >= static_cast<std::int64_t>(meta.sizes.size());
      for (std::size_t d = 0; reducible && d < meta.sizes.size(); ++d) {
        const auto g = grads[i].sizes()[grads[i].sizes().size() - meta.sizes.size() + d];
        reducible = g == meta.sizes[d] || meta.sizes[d] == 1;
      }
      check(reducible, "backward", "node ", node.name(), " returned a gradient of shape ", grads[i].sizes(),
            " for input ", i, "; expected ", meta.sizes);
      grads[i] = sum_to(grads[i], meta.sizes);
    }
  }

  bool retain_graph_;
  bool create_graph_;
  bool anomaly_ = AnomalyMode::is_enabled();
  std::uint64_t id_;
  bool capture_only_ = false;
  std::vector<std::shared_ptr<Node>> keep_alive_;
  std::vector<Node*> roots_;
  std::unordered_map<Node*, std::vector<Capture>> captures_;
  std::unordered_set<Node*> needed_;
  std::unordered_set<Node*> executes_;
  std::unordered_map<Node*, EngineScratch> leaf_scratch_;
  tensor_list captured_;
  static constexpr std::size_t kMaxSpareLists = 64;
  std::vector<tensor_list> spare_lists_;
};

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

}  // namespace tg::autograd

namespace tg {
void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph,
                      std::optional<tensor_list> inputs) const {
  check(!inputs || !inputs->empty(), "backward", "'inputs' argument to backward cannot be empty");
  autograd::backward({*this}, {gradient}, retain_graph, create_graph, inputs.value_or(tensor_list{}));
}
}  // namespace tg
