#pragma once
// GraphTask: the state of one backward()/grad() call. Follows PyTorch's engine: a node runs once all
// its consumers have passed their gradients on, newest node first. Everything is iterative so that
// long chains cannot overflow the stack. All per-node bookkeeping (dependency counts, the gradients
// summed so far) lives here, never in the nodes: two backward passes on two threads may share nodes.
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <unordered_map>
#include <vector>

#include <tapegrad/autograd/engine/node.hpp>

namespace tg::autograd::detail {

/// What one backward pass knows about a node it reaches.
struct NodeState {
  Node* node = nullptr;
  std::int64_t dependencies = 0;  // consumers that have not passed their gradient on yet
  tensor_list buffer;             // gradients for the node's outputs, summed so far
  std::uint32_t first_edge = 0;   // where the states of its next edges' nodes start in edge_targets_
  bool visited = false;           // grad(): seen by the walk that marks needed nodes
  bool needed = false;            // grad(): a captured gradient is this node's or flows through it
  bool executes = false;          // grad(): a captured gradient flows through apply()
};

/// NodeState per node, found by address. Open addressing over an index table: a chain of n nodes
/// costs no allocation per node (std::unordered_map would allocate each entry). The tables' memory
/// is kept per thread for the next backward (see graph_task.cpp).
class NodeStates {
 public:
  NodeStates();
  ~NodeStates();
  NodeStates(const NodeStates&) = delete;
  NodeStates& operator=(const NodeStates&) = delete;
  /// The index of `node`'s state, adding a fresh state when the node is new (`added` tells which).
  std::uint32_t add(Node* node, bool& added);
  /// The index of `node`'s state; the node must have been added.
  std::uint32_t index_of(const Node* node) const;
  /// Valid until the next add().
  NodeState& operator[](std::uint32_t index) { return states_[index]; }
  NodeState& at(const Node* node) { return states_[index_of(node)]; }

 private:
  std::size_t home_slot(const Node* node) const;
  void grow();

  static constexpr std::uint32_t kEmpty = UINT32_MAX;
  std::vector<std::uint32_t> slots_;  // indices into states_, kEmpty where free
  std::vector<NodeState> states_;
  unsigned shift_;  // home_slot uses the top log2(slots_.size()) bits of the hash
};

class GraphTask {
 public:
  GraphTask(bool retain_graph, bool create_graph);

  /// Seeds the pass with `grad` flowing into `edge` (a root output's grad_fn or leaf accumulator).
  void add_root(const Edge& edge, Tensor grad);
  /// grad()/backward(inputs=...): returns the gradient reaching `edge` as result `result_index` of
  /// run() instead of passing it on, and runs only the nodes that lead to a captured gradient.
  void add_capture(const Edge& edge, std::size_t result_index);
  /// Runs the pass, then the queued callbacks; returns the captured gradients (undefined where none
  /// arrived).
  tensor_list run(std::size_t num_captures);
  /// The pass running on this thread (the innermost one when a hook runs another backward), or null.
  static GraphTask* current();
  void queue_callback(std::function<void()> callback) { final_callbacks_.push_back(std::move(callback)); }

 private:
  struct Capture {
    std::uint32_t input_nr;
    std::size_t result_index;
  };
  // Nodes whose gradients are complete, as (sequence number, state index): newest first.
  using ReadyQueue = std::priority_queue<std::pair<std::uint64_t, std::uint32_t>>;

  void count_dependencies();
  void mark_needed_nodes();
  bool should_execute(const NodeState& state) const;
  tensor_list execute(Node& node, tensor_list&& grads);
  void pass_on(const NodeState& state, tensor_list& input_grads, ReadyQueue& ready);
  void accumulate(NodeState& state, std::uint32_t input_nr, Tensor grad);
  tensor_list take_buffer(NodeState& state);
  void recycle(tensor_list&& list);
  void capture(Node* node, const tensor_list& grads);

  bool retain_graph_;
  bool create_graph_;
  bool anomaly_;
  bool capture_only_ = false;
  std::vector<std::shared_ptr<Node>> keep_alive_;
  std::vector<Node*> roots_;
  NodeStates states_;
  // Per node, the state index of each next edge's node (kNoState for an edge that needs no gradient),
  // found once by count_dependencies, so that passing gradients on needs no lookup.
  static constexpr std::uint32_t kNoState = UINT32_MAX;
  std::vector<std::uint32_t> edge_targets_;
  std::unordered_map<Node*, std::vector<Capture>> captures_;
  tensor_list captured_;
  static constexpr std::size_t kMaxSpareLists = 64;
  std::vector<tensor_list> spare_lists_;
  std::vector<std::function<void()>> final_callbacks_;
};

}  // namespace tg::autograd::detail
