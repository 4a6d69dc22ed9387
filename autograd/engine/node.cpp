#include <array>
#include <cstdint>
#include <memory>
#include <mutex>

#include <tapegrad/autograd/engine/accumulate_grad.hpp>
#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>

namespace tg::autograd {
namespace {
// Read by every recorded op: initial-exec spares the __tls_get_addr call of a shared library's thread_local.
thread_local std::uint64_t next_sequence_nr __attribute__((tls_model("initial-exec"))) = 0;
// See Note [Iterative graph destruction].
thread_local std::vector<std::shared_ptr<Node>>* nodes_to_destroy = nullptr;
}  // namespace

Node::Node() : sequence_nr_(next_sequence_nr++) {}

// Note [Iterative graph destruction]
// A chain of 100k nodes would be freed recursively by shared_ptr (each node's destructor drops its
// producer) and overflow the stack. Instead, the outermost destructor drains a queue: nested
// destructors only hand over the producers they were the last owner of. Shared producers are released
// right away (not when next_edges_ is destroyed after the drain), so that the last of their consumers
// to go, found while draining, hands them over too (two edges to one producer, y = f(y) + y, ...).
Node::~Node() {
  std::vector<std::shared_ptr<Node>> local;
  auto* queue = nodes_to_destroy ? nodes_to_destroy : &local;
  for (Edge& edge : next_edges_)
    if (edge.function && edge.function.use_count() == 1)
      queue->push_back(std::move(edge.function));
    else
      edge.function.reset();
  if (queue != &local) return;
  nodes_to_destroy = &local;
  while (!local.empty()) {
    std::shared_ptr<Node> node = std::move(local.back());
    local.pop_back();
    node.reset();
  }
  nodes_to_destroy = nullptr;
}

void Node::set_inputs(const TensorRefs& inputs) {
  // Entries built in place: a push_back of a built InputMeta copied its Shape twice, and boost's
  // resize() is an out-of-line call.
  next_edges_.clear();
  input_meta_.clear();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    Edge& edge = next_edges_.emplace_back();
    InputMeta& meta = input_meta_.emplace_back();
    const TensorImpl* impl = tg::detail::impl_of(inputs[i]);
    if (impl == nullptr) continue;
    if (impl->autograd && impl->autograd->requires_grad) edge = gradient_edge(inputs[i]);
    // Element by element: Shape's copy assignment goes through boost's generic assign and memcpy.
    meta.sizes.resize(impl->sizes.size(), boost::container::default_init);
    for (std::size_t d = 0; d < impl->sizes.size(); ++d) meta.sizes[d] = impl->sizes[d];
    meta.dtype = impl->dtype;
  }
}

void Node::add_output_hook(std::uint32_t output_nr, GradHook hook) {
  output_hooks_.emplace_back(output_nr, std::move(hook));
}

namespace {
// Graphs built on several threads may use one leaf at once: its accumulator is created once, under
// one of a few locks picked by the leaf's address.
std::mutex& accumulator_lock(const TensorImpl* leaf) {
  static std::array<std::mutex, 16> locks;
  return locks[(reinterpret_cast<std::uintptr_t>(leaf) >> 6) % locks.size()];
}

// Note [Accumulator cache]
// Every op that reads a parameter needs the parameter's AccumulateGrad for its edge. The leaf keeps it
// as a weak_ptr that another thread may write (creating it) at any time, so reading it takes one of the
// locks above: a mutex per op and parameter, ~110 instructions. So each thread also remembers the
// accumulators it looked up recently, as weak_ptrs keyed by the leaf's address, and uses an entry
// whose accumulator is still alive without locking. That is the leaf's current accumulator:
// - an alive accumulator owns its leaf, so the address cannot have been reused by another tensor;
// - a leaf has one alive accumulator at most: a new one is made only after the old one expired.
// A missing, mismatched or expired entry falls back to the locked lookup and is replaced. An entry
// keeps the dead node's memory block (~300 bytes, the weak count) until it is replaced or the thread
// exits. The table is reached through a trivially destructible initial-exec pointer: a thread_local
// table with a destructor costs a __tls_get_addr call and an init-guard test per access.
struct RecentAccumulator {
  const TensorImpl* leaf = nullptr;
  std::weak_ptr<Node> accumulator;
};
using RecentAccumulators = std::array<RecentAccumulator, 16>;
constinit thread_local RecentAccumulators* recent_accumulators __attribute__((tls_model("initial-exec"))) =
    nullptr;
constinit thread_local bool recent_accumulators_gone __attribute__((tls_model("initial-exec"))) = false;

// Owns this thread's table; after it is destroyed (thread exit), lookups take the locked path.
struct RecentAccumulatorsOwner {
  std::unique_ptr<RecentAccumulators> table = std::make_unique<RecentAccumulators>();
  RecentAccumulatorsOwner() { recent_accumulators = table.get(); }
  ~RecentAccumulatorsOwner() {
    recent_accumulators = nullptr;
    recent_accumulators_gone = true;
  }
};

RecentAccumulators* recent_table() {
  if (recent_accumulators != nullptr) [[likely]]
    return recent_accumulators;
  if (recent_accumulators_gone) return nullptr;
  static thread_local RecentAccumulatorsOwner owner;
  return recent_accumulators;
}

RecentAccumulator& recent_entry(RecentAccumulators& table, const TensorImpl* leaf) {
  const auto address = reinterpret_cast<std::uintptr_t>(leaf);
  return table[(address * 0x9E3779B97F4A7C15ull) >> 60];  // top 4 bits: 16 entries
}

std::shared_ptr<Node> locked_grad_accumulator(const Tensor& leaf) {
  AutogradMeta& meta = tg::detail::impl_of(leaf)->autograd_meta();
  std::lock_guard lock(accumulator_lock(tg::detail::impl_of(leaf)));
  if (auto existing = meta.grad_accumulator.lock()) return existing;
  auto accumulator = tg::detail::make_pooled<AccumulateGrad>(tg::detail::impl_ptr_of(leaf));
  meta.grad_accumulator = accumulator;
  return accumulator;
}
}  // namespace

std::shared_ptr<Node> grad_accumulator(const Tensor& leaf) {
  const TensorImpl* impl = tg::detail::impl_of(leaf);
  RecentAccumulators* table = recent_table();
  if (table == nullptr) [[unlikely]]
    return locked_grad_accumulator(leaf);
  RecentAccumulator& entry = recent_entry(*table, impl);
  if (entry.leaf == impl)
    if (auto alive = entry.accumulator.lock()) return alive;
  auto accumulator = locked_grad_accumulator(leaf);
  entry.leaf = impl;
  entry.accumulator = accumulator;
  return accumulator;
}

Edge gradient_edge(const Tensor& tensor) {
  if (!tensor.defined()) [[unlikely]]
    tg::detail::check_defined("backward", "a gradient edge's tensor", tensor);
  const auto& meta = tg::detail::impl_of(tensor)->autograd;
  if (meta && meta->grad_fn) return Edge{meta->grad_fn, meta->output_nr};
  return Edge{grad_accumulator(tensor), 0};
}

bool any_requires_grad(const TensorRefs& inputs) {
  if (!GradMode::is_enabled()) return false;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].defined() && inputs[i].requires_grad()) return true;
  return false;
}

}  // namespace tg::autograd
