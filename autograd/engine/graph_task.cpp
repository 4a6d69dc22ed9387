#include <algorithm>
#include <utility>

#include <tapegrad/autograd/engine/accumulate_grad.hpp>
#include <tapegrad/autograd/engine/anomaly_mode.hpp>
#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/graph_task.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>

namespace tg::autograd::detail {

// ---- NodeStates

namespace {
constexpr unsigned kInitialSlotBits = 6;

// The tables of this thread's last backward, kept for the next one: a 10,000-node graph needs ~600 KB,
// which fresh from malloc (mmap above its threshold) costs page faults on every backward (bench_overhead
// 8x8 backward 0.30 -> 0.40 us/op). A thread keeps at most its largest graph's tables, ~60 bytes a node.
// A backward run from inside another (a hook, a custom backward) finds none and allocates its own.
struct SpareTables {
  std::vector<std::uint32_t> slots;
  std::vector<NodeState> states;
};
thread_local SpareTables spare_tables;
}  // namespace

NodeStates::NodeStates()
    : slots_(std::move(spare_tables.slots)),
      states_(std::move(spare_tables.states)),
      shift_(64 - kInitialSlotBits) {
  slots_.assign(std::size_t{1} << kInitialSlotBits, kEmpty);
  states_.clear();
  states_.reserve(slots_.size() / 2);
}

NodeStates::~NodeStates() {
  states_.clear();  // drops the gradient buffers now, not when the next backward reuses the block
  if (states_.capacity() > spare_tables.states.capacity()) {
    spare_tables.states = std::move(states_);
    spare_tables.slots = std::move(slots_);
  }
}

std::size_t NodeStates::home_slot(const Node* node) const {
  // Node addresses are spaced by the allocation size (a chain's nodes 368 bytes apart): multiply, fold
  // and multiply again, else plain Fibonacci hashing clusters them (57 probes per insert measured).
  std::uint64_t h = reinterpret_cast<std::uintptr_t>(node) * 0x9E3779B97F4A7C15ull;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  return static_cast<std::size_t>(h >> shift_);
}

std::uint32_t NodeStates::add(Node* node, bool& added) {
  if ((states_.size() + 1) * 2 > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t s = home_slot(node);; s = (s + 1) & mask) {
    std::uint32_t& slot = slots_[s];
    if (slot == kEmpty) {
      slot = static_cast<std::uint32_t>(states_.size());
      states_.emplace_back().node = node;
      added = true;
      return slot;
    }
    if (states_[slot].node == node) {
      added = false;
      return slot;
    }
  }
}

std::uint32_t NodeStates::index_of(const Node* node) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t s = home_slot(node);; s = (s + 1) & mask) {
    const std::uint32_t slot = slots_[s];
    check(slot != kEmpty, "backward", "internal error: node ", node->name(),
          " was not reached from the roots");
    if (states_[slot].node == node) return slot;
  }
}

void NodeStates::grow() {
  slots_.assign(slots_.size() * 2, kEmpty);
  --shift_;
  const std::size_t mask = slots_.size() - 1;
  for (std::uint32_t i = 0; i < states_.size(); ++i) {
    std::size_t s = home_slot(states_[i].node);
    while (slots_[s] != kEmpty) s = (s + 1) & mask;
    slots_[s] = i;
  }
}

// ---- What happens to one node

namespace {

// Anomaly mode: an error raised in a node's backward names where the node was recorded; NaN/Inf
// in what it returns throws AnomalyError.
tensor_list apply_checked(Node& node, tensor_list&& grads) {
  tensor_list input_grads;
  try {
    ForwardChecksOff checked_as_a_whole;
    input_grads = node.apply(std::move(grads));
  } catch (const AnomalyError&) {
    throw;  // raised by a nested check and already says where
  } catch (const Error& error) {
    throw Error(with_anomaly_context(node, error.what()));
  }
  check_backward_anomaly(node, input_grads);
  return input_grads;
}

// What apply() returned for input `i` does not match the input: throws, or sums a broadcast gradient
// down to the input's shape. Out of line: the messages evaluate node.name(), a virtual call.
void fit_to_input(const Node& node, std::size_t i, Tensor& grad) {
  const InputMeta& meta = node.input_meta()[i];
  check(grad.dtype() == meta.dtype, "backward", "node ", node.name(), " returned a ", grad.dtype(),
        " gradient for input ", i, "; expected ", meta.dtype);
  if (grad.sizes() == meta.sizes) return;
  bool reducible = grad.dim() >= static_cast<std::int64_t>(meta.sizes.size());
  for (std::size_t d = 0; reducible && d < meta.sizes.size(); ++d) {
    const auto g = grad.sizes()[grad.sizes().size() - meta.sizes.size() + d];
    reducible = g == meta.sizes[d] || meta.sizes[d] == 1;
  }
  check(reducible, "backward", "node ", node.name(), " returned a gradient of shape ", grad.sizes(),
        " for input ", i, "; expected ", meta.sizes);
  grad = sum_to(grad, meta.sizes);
}

// Checks what apply() returned against the forward inputs; sums broadcast gradients down to the
// inputs' shapes.
void validate(const Node& node, tensor_list& grads) {
  const auto& edges = node.next_edges();
  if (grads.size() != edges.size()) [[unlikely]]
    throw Error(str("backward: node ", node.name(), " returned ", grads.size(), " gradients; expected ",
                    edges.size(), " (one per forward input)"));
  for (std::size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined() || !edges[i].valid()) continue;
    const InputMeta& meta = node.input_meta()[i];
    // Compared as IntArrayRef: inline and cheaper than boost's generic container comparison.
    if (grads[i].dtype() != meta.dtype || IntArrayRef(grads[i].sizes()) != IntArrayRef(meta.sizes))
        [[unlikely]]
      fit_to_input(node, i, grads[i]);
  }
}

void run_output_hooks(const Node& node, tensor_list& grads) {
  for (const auto& [output_nr, hook] : node.output_hooks()) {
    if (output_nr >= grads.size() || !grads[output_nr].defined()) continue;
    Tensor replaced = hook(grads[output_nr]);
    if (replaced.defined()) grads[output_nr] = std::move(replaced);
  }
}

// True when nobody but the engine can see `t`, so adding into it in place is invisible.
bool exclusively_owned(const Tensor& t) {
  return tg::detail::impl_ptr_of(t).use_count() == 1 && tg::detail::impl_of(t)->storage.use_count() == 1 &&
         !t.requires_grad();
}

bool any_defined(const tensor_list& grads) {
  return std::any_of(grads.begin(), grads.end(), [](const Tensor& g) { return g.defined(); });
}

}  // namespace

// ---- GraphTask

GraphTask::GraphTask(bool retain_graph, bool create_graph)
    : retain_graph_(retain_graph), create_graph_(create_graph), anomaly_(AnomalyMode::is_enabled()) {}

void GraphTask::add_root(const Edge& edge, Tensor grad) {
  keep_alive_.push_back(edge.function);  // a leaf's accumulator may exist only through this edge
  roots_.push_back(edge.function.get());
  bool added = false;
  const std::uint32_t index = states_.add(edge.function.get(), added);
  accumulate(states_[index], edge.input_nr, std::move(grad));
}

void GraphTask::add_capture(const Edge& edge, std::size_t result_index) {
  keep_alive_.push_back(edge.function);
  captures_[edge.function.get()].push_back({edge.input_nr, result_index});
  capture_only_ = true;
}

namespace {
thread_local GraphTask* current_task = nullptr;

// Makes `task` the thread's current pass for its lifetime; restores the outer one (reentrant backward).
class CurrentTaskScope {
 public:
  explicit CurrentTaskScope(GraphTask* task) : outer_(std::exchange(current_task, task)) {}
  ~CurrentTaskScope() { current_task = outer_; }
  CurrentTaskScope(const CurrentTaskScope&) = delete;
  CurrentTaskScope& operator=(const CurrentTaskScope&) = delete;

 private:
  GraphTask* outer_;
};
}  // namespace

GraphTask* GraphTask::current() { return current_task; }

tensor_list GraphTask::run(std::size_t num_captures) {
  CurrentTaskScope scope(this);
  captured_.assign(num_captures, Tensor());
  count_dependencies();
  if (capture_only_) mark_needed_nodes();
  ReadyQueue ready;
  for (auto root = roots_.begin(); root != roots_.end(); ++root) {
    const bool repeated = std::find(roots_.begin(), root, *root) != root;
    const std::uint32_t index = states_.index_of(*root);
    if (!repeated && states_[index].dependencies == 0) ready.push({(*root)->sequence_nr(), index});
  }
  AutoGradMode mode(create_graph_);
  while (!ready.empty()) {
    NodeState& state = states_[ready.top().second];
    ready.pop();
    Node& node = *state.node;
    tensor_list grads = take_buffer(state);
    run_output_hooks(node, grads);
    capture(&node, grads);
    tensor_list input_grads;
    if (should_execute(state) && any_defined(grads)) input_grads = execute(node, std::move(grads));
    pass_on(state, input_grads, ready);
    recycle(std::move(grads));
    recycle(std::move(input_grads));
  }
  for (std::size_t i = 0; i < final_callbacks_.size(); ++i) {  // by index: a callback may queue more
    auto callback = std::move(final_callbacks_[i]);
    callback();
  }
  return std::move(captured_);
}

void GraphTask::count_dependencies() {
  std::vector<std::uint32_t> stack;
  for (Node* root : roots_) stack.push_back(states_.index_of(root));
  while (!stack.empty()) {
    const std::uint32_t index = stack.back();
    stack.pop_back();
    states_[index].first_edge = static_cast<std::uint32_t>(edge_targets_.size());
    for (const Edge& edge : states_[index].node->next_edges()) {
      if (!edge.valid()) {
        edge_targets_.push_back(kNoState);
        continue;
      }
      bool added = false;
      const std::uint32_t next = states_.add(edge.function.get(), added);
      ++states_[next].dependencies;
      edge_targets_.push_back(next);
      if (added) stack.push_back(next);
    }
  }
}

// grad(): run only nodes from which a captured gradient is reachable. An iterative post-order walk
// settles every node after all the nodes it feeds gradients to.
void GraphTask::mark_needed_nodes() {
  std::vector<std::pair<Node*, std::size_t>> stack;
  for (Node* root : roots_) {
    NodeState& state = states_.at(root);
    if (!std::exchange(state.visited, true)) stack.push_back({root, 0});
  }
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    const auto& edges = node->next_edges();
    if (next < edges.size()) {
      Node* child = edges[next++].function.get();
      if (child != nullptr && !std::exchange(states_.at(child).visited, true)) stack.push_back({child, 0});
      continue;
    }
    const bool reaches_capture = std::any_of(edges.begin(), edges.end(), [&](const Edge& edge) {
      return edge.valid() && states_.at(edge.function.get()).needed;
    });
    NodeState& state = states_.at(node);
    state.executes = reaches_capture;
    state.needed = reaches_capture || captures_.contains(node);
    stack.pop_back();
  }
}

bool GraphTask::should_execute(const NodeState& state) const {
  if (!capture_only_) return true;
  return state.executes && dynamic_cast<AccumulateGrad*>(state.node) == nullptr;
}

tensor_list GraphTask::execute(Node& node, tensor_list&& grads) {
  tensor_list input_grads = anomaly_ ? apply_checked(node, std::move(grads)) : node.apply(std::move(grads));
  validate(node, input_grads);
  if (!retain_graph_) node.release_saved();
  return input_grads;
}

// Hands each input's gradient to the node that produced the input; queues the nodes whose
// gradients are now complete.
void GraphTask::pass_on(const NodeState& state, tensor_list& input_grads, ReadyQueue& ready) {
  const auto& edges = state.node->next_edges();
  for (std::size_t i = 0; i < edges.size(); ++i) {
    const std::uint32_t index = edge_targets_[state.first_edge + i];
    if (index == kNoState) continue;
    NodeState& next = states_[index];
    if (capture_only_ && !next.needed) continue;
    if (i < input_grads.size() && input_grads[i].defined())
      accumulate(next, edges[i].input_nr, std::move(input_grads[i]));
    if (--next.dependencies == 0) ready.push({next.node->sequence_nr(), index});
  }
}

// Sums the gradients a node receives from all its consumers: in place when the running sum is
// private to the engine and no graph is being recorded, else out of place.
void GraphTask::accumulate(NodeState& state, std::uint32_t input_nr, Tensor grad) {
  tensor_list& buffer = state.buffer;
  if (buffer.size() < state.node->num_outputs()) {
    if (buffer.capacity() == 0 && !spare_lists_.empty()) {
      buffer = std::move(spare_lists_.back());
      spare_lists_.pop_back();
    }
    buffer.resize(state.node->num_outputs());
  }
  Tensor& slot = buffer.at(input_nr);
  if (!slot.defined()) {
    slot = std::move(grad);
  } else if (!create_graph_ && slot.sizes() == grad.sizes() && slot.dtype() == grad.dtype() &&
             slot.is_contiguous() && exclusively_owned(slot)) {
    if (grad.is_contiguous() && slot.is_floating_point())
      tg::detail::add_same_shape_(slot, grad);
    else
      slot.add_(grad);  // an expanded gradient (SumBackward's): add_ reads it with its strides
  } else {
    slot = slot + grad;
  }
}

tensor_list GraphTask::take_buffer(NodeState& state) {
  tensor_list grads = std::move(state.buffer);
  state.buffer.clear();
  grads.resize(state.node->num_outputs());
  return grads;
}

// Keeps the heap block of a gradient list that is done with, for the next node's buffer: a chain of
// nodes then passes gradients without allocating a list per node.
void GraphTask::recycle(tensor_list&& list) {
  if (list.capacity() == 0 || spare_lists_.size() >= kMaxSpareLists) return;
  list.clear();
  spare_lists_.push_back(std::move(list));
}

void GraphTask::capture(Node* node, const tensor_list& grads) {
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

}  // namespace tg::autograd::detail
