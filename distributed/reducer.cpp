// Note [gradient buckets]
// Buckets hold one dtype each and fill up to a byte cap, taking parameters in the order backward
// produces their gradients, so that the first bucket is ready first. That order is known only after a
// backward pass: the first buckets take the parameters in reverse order of registration (right for a
// model whose layers are registered in the order they run); after the first synchronized backward the
// buckets are rebuilt in the order the gradients actually arrived on rank 0 (broadcast, so that every
// rank builds the same buckets), as PyTorch's DDP does. Not with find_unused_parameters, whose order may
// change from one step to the next. Its all-reduce starts at once (ProcessGroup::allreduce returns
// immediately; the communication thread runs it) while backward computes the earlier layers' gradients.
// Buckets start in index order only: MPI needs every rank to start the same collectives in the same order,
// and the order in which gradients become ready may differ between ranks.
//
// Each bucket is one flat tensor. With gradient_as_bucket_view the parameters' .grad() are views into
// it: backward accumulates straight into the bucket and the averaged values are the gradients, no copy
// in or out. A gradient that is not the view when its hook runs (zero_grad(set_to_none) left it
// undefined, so backward stored a fresh tensor) is copied into the view once and replaced by it.
// Without gradient_as_bucket_view gradients are copied into the bucket when ready and back when reduced.
//
// The average is taken by dividing the bucket by the number of ranks before a SUM all-reduce (as
// PyTorch's DDP does): with two ranks, g0/2 + g1/2 is bit-identical to (g0 + g1)/2.
#include <algorithm>
#include <mutex>
#include <sstream>

#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/autograd/engine/engine.hpp>
#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/distributed/reducer.hpp>

namespace tg::distributed {

struct Reducer::State : std::enable_shared_from_this<Reducer::State> {
  struct Bucket {
    Tensor flat;
    std::vector<std::size_t> parameters;
    std::vector<Tensor> views;  // per parameter: its slice of flat, shaped like the parameter
    std::size_t pending = 0;    // parameters not ready yet in this backward
    std::shared_ptr<Work> work;
  };
  struct Location {
    std::size_t bucket;
    std::size_t slot;
  };

  std::vector<Tensor> parameters;
  std::vector<std::string> names;
  std::vector<unsigned> hook_handles;
  std::shared_ptr<ProcessGroup> group;
  ReducerOptions options;
  std::vector<Bucket> buckets;
  std::vector<Location> locations;  // per parameter
  std::vector<bool> ready;
  std::size_t next_bucket = 0;
  bool reducing = false;  // a synchronized backward has started and its final callback has not run
  bool require_sync = true;
  bool rebuilt = false;
  std::vector<std::size_t> arrival_order;  // of the first synchronized backward
  ReductionTimeline timeline;
  std::mutex mutex;  // hooks of backward passes on several threads

  void build_buckets(const std::vector<std::size_t>& order);
  void rebuild_buckets_in_arrival_order();
  void mark_ready(std::size_t index);
  void move_into_bucket(std::size_t index);
  void launch_ready_buckets();
  void finalize();
  std::vector<std::size_t> unready_parameters() const;
  std::vector<bool> globally_used(const std::vector<std::size_t>& locally_unused);
  [[noreturn]] void fail_unused(const std::vector<std::size_t>& unused);
  void reset();
};

namespace {
bool same_view(const Tensor& a, const Tensor& b) {
  return a.defined() && a.data_ptr() == b.data_ptr() && a.sizes() == b.sizes() &&
         a.strides() == b.strides() && a.dtype() == b.dtype();
}
}  // namespace

// `order`: every parameter index once, the one whose gradient arrives first first.
void Reducer::State::build_buckets(const std::vector<std::size_t>& order) {
  const std::size_t count = parameters.size();
  locations.assign(count, Location{});
  std::vector<std::vector<std::size_t>> groups;
  std::vector<std::int64_t> bytes;
  // One open bucket per dtype (Note [gradient buckets]).
  std::vector<std::pair<Dtype, std::size_t>> open;
  for (std::size_t k : order) {
    const Tensor& p = parameters[k];
    auto it = std::find_if(open.begin(), open.end(), [&](const auto& o) { return o.first == p.dtype(); });
    if (it == open.end()) {
      groups.push_back({});
      bytes.push_back(0);
      open.push_back({p.dtype(), groups.size() - 1});
      it = open.end() - 1;
    }
    groups[it->second].push_back(k);
    bytes[it->second] += static_cast<std::int64_t>(p.nbytes());
    const std::int64_t cap = groups.size() == 1
                                 ? std::min(options.first_bucket_bytes_cap, options.bucket_bytes_cap)
                                 : options.bucket_bytes_cap;
    if (bytes[it->second] >= cap) open.erase(it);  // full: the next parameter of this dtype opens a new one
  }
  NoGradGuard no_grad;
  buckets.clear();
  for (auto& members : groups) {
    Bucket bucket;
    std::int64_t total = 0;
    for (std::size_t k : members) total += parameters[k].numel();
    bucket.flat = tg::zeros({total}, tg::TensorOptions().dtype(parameters[members[0]].dtype()));
    std::int64_t offset = 0;
    for (std::size_t slot = 0; slot < members.size(); ++slot) {
      const Tensor& p = parameters[members[slot]];
      bucket.views.push_back(bucket.flat.narrow(0, offset, p.numel()).view(p.sizes()));
      offset += p.numel();
      locations[members[slot]] = {buckets.size(), slot};
    }
    bucket.parameters = std::move(members);
    buckets.push_back(std::move(bucket));
  }
  if (options.gradient_as_bucket_view) {  // defined gradients move into the buckets (as in PyTorch)
    for (std::size_t k = 0; k < count; ++k) {
      const Tensor& view = buckets[locations[k].bucket].views[locations[k].slot];
      Tensor& grad = parameters[k].mutable_grad();
      if (!grad.defined()) continue;
      view.copy_(grad);
      grad = view;
    }
  }
}

void Reducer::State::move_into_bucket(std::size_t index) {
  const Tensor& view = buckets[locations[index].bucket].views[locations[index].slot];
  Tensor& grad = parameters[index].mutable_grad();
  if (same_view(grad, view)) return;
  NoGradGuard no_grad;
  check(grad.sizes() == view.sizes() && grad.dtype() == view.dtype(), "DistributedDataParallel",
        "the gradient of ", names[index], " is ", grad.dtype(), " ", grad.sizes(), " but the parameter is ",
        view.dtype(), " ", view.sizes());
  view.copy_(grad);
  if (options.gradient_as_bucket_view) grad = view;
}

void Reducer::State::mark_ready(std::size_t index) {
  std::lock_guard lock(mutex);
  if (!require_sync) {
    // no_sync(): keep accumulating; with bucket views, into the bucket.
    if (options.gradient_as_bucket_view) move_into_bucket(index);
    return;
  }
  if (!reducing) {
    reducing = true;
    timeline = ReductionTimeline{};
    timeline.parameter_ready.resize(parameters.size());
    timeline.allreduce_started.resize(buckets.size());
    for (auto& bucket : buckets) bucket.pending = bucket.parameters.size();
    autograd::Engine::get_default_engine().queue_callback([self = shared_from_this()] { self->finalize(); });
  }
  check(!ready[index], "DistributedDataParallel", "Expected to mark a variable ready only once: parameter ",
        names[index],
        " received its gradient twice in one backward pass (reentrant backward or a parameter "
        "shared in a way DDP cannot see)");
  ready[index] = true;
  if (!rebuilt) arrival_order.push_back(index);
  timeline.parameter_ready[index] = ReductionTimeline::Clock::now();
  move_into_bucket(index);
  --buckets[locations[index].bucket].pending;
  launch_ready_buckets();
}

void Reducer::State::launch_ready_buckets() {
  const double ranks = group->getSize();
  while (next_bucket < buckets.size() && buckets[next_bucket].pending == 0) {
    Bucket& bucket = buckets[next_bucket];
    timeline.allreduce_started[next_bucket] = ReductionTimeline::Clock::now();
    {
      NoGradGuard no_grad;
      if (ranks > 1) bucket.flat.div_(ranks);
    }
    std::vector<Tensor> tensors{bucket.flat};
    bucket.work = group->allreduce(tensors, AllreduceOptions{ReduceOp::SUM});
    ++next_bucket;
  }
}

std::vector<std::size_t> Reducer::State::unready_parameters() const {
  std::vector<std::size_t> unready;
  for (std::size_t k = 0; k < parameters.size(); ++k)
    if (!ready[k]) unready.push_back(k);
  return unready;
}

// With find_unused_parameters, a parameter no rank used keeps its .grad() as it was (undefined after
// zero_grad()), as in PyTorch's DDP; one that some rank used gets the average, the others counting zeros.
// Which is which takes one more all-reduce: of the ranks' used flags, after the last bucket's.
std::vector<bool> Reducer::State::globally_used(const std::vector<std::size_t>& locally_unused) {
  std::vector<bool> used(parameters.size(), true);
  if (!options.find_unused_parameters) return used;
  std::vector<std::int64_t> flags(parameters.size(), 1);
  for (std::size_t k : locally_unused) flags[k] = 0;
  std::vector<Tensor> tensors{tg::tensor(flags, tg::kInt64)};
  group->allreduce(tensors, AllreduceOptions{ReduceOp::SUM})->wait();
  const std::vector<std::int64_t> ranks_using = tensors[0].to_vector<std::int64_t>();
  for (std::size_t k = 0; k < used.size(); ++k) used[k] = ranks_using[k] > 0;
  return used;
}

void Reducer::State::finalize() {
  std::unique_lock lock(mutex);
  timeline.backward_finished = ReductionTimeline::Clock::now();
  const std::vector<std::size_t> unready = unready_parameters();
  if (!unready.empty() && !options.find_unused_parameters) fail_unused(unready);
  for (std::size_t k : unready) {  // find_unused_parameters: they contribute zeros
    NoGradGuard no_grad;
    const Location where = locations[k];
    buckets[where.bucket].views[where.slot].zero_();
    ready[k] = true;
    --buckets[where.bucket].pending;
  }
  launch_ready_buckets();
  const std::vector<bool> used = globally_used(unready);
  for (auto& bucket : buckets) {
    bucket.work->wait();
    bucket.work.reset();
  }
  NoGradGuard no_grad;
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    if (!used[k]) continue;
    const Tensor& view = buckets[locations[k].bucket].views[locations[k].slot];
    Tensor& grad = parameters[k].mutable_grad();
    if (options.gradient_as_bucket_view)
      grad = view;  // already, unless this rank did not use the parameter
    else if (grad.defined())
      grad.copy_(view);
    else
      grad = view.clone();
  }
  timeline.reduction_finished = ReductionTimeline::Clock::now();
  reset();
  if (!rebuilt && !options.find_unused_parameters) rebuild_buckets_in_arrival_order();
}

void Reducer::State::rebuild_buckets_in_arrival_order() {
  rebuilt = true;
  if (arrival_order.size() != parameters.size()) return;
  std::vector<std::int64_t> order(arrival_order.begin(), arrival_order.end());
  std::vector<Tensor> rank0_order{tg::tensor(order, tg::kInt64)};
  group->broadcast(rank0_order, BroadcastOptions{})->wait();
  const std::vector<std::int64_t> agreed = rank0_order[0].to_vector<std::int64_t>();
  arrival_order.assign(agreed.begin(), agreed.end());
  build_buckets(arrival_order);  // gradients that are views of the old buckets move into the new ones
  arrival_order.clear();
}

void Reducer::State::fail_unused(const std::vector<std::size_t>& unused) {
  // Wait for the buckets already started so that every rank stays in step, then fail alike everywhere.
  for (std::size_t b = 0; b < next_bucket; ++b) buckets[b].work->wait();
  std::ostringstream list;
  for (std::size_t i = 0; i < unused.size(); ++i) list << (i == 0 ? "" : ", ") << names[unused[i]];
  reset();
  arrival_order.clear();  // an incomplete order: record the next backward's
  throw Error(
      str("DistributedDataParallel: Expected to have finished reduction in the prior iteration before "
          "starting a new one. This error indicates that your module has parameters that were not used in "
          "producing loss. Parameters that received no gradient in this backward pass: ",
          list.str(),
          ". Pass DDPOptions().find_unused_parameters(true) if some parameters are "
          "legitimately unused, or make sure all forward outputs take part in computing the loss."));
}

void Reducer::State::reset() {
  for (auto& bucket : buckets) bucket.work.reset();
  std::fill(ready.begin(), ready.end(), false);
  next_bucket = 0;
  reducing = false;
}

Reducer::Reducer(std::vector<Tensor> parameters, std::vector<std::string> names,
                 std::shared_ptr<ProcessGroup> group, ReducerOptions options)
    : state_(std::make_shared<State>()) {
  check(group != nullptr, "DistributedDataParallel", "the process group is null");
  check(names.size() == parameters.size(), "DistributedDataParallel", parameters.size(), " parameters but ",
        names.size(), " names");
  check(options.bucket_bytes_cap > 0, "DistributedDataParallel", "bucket_cap_mb must be positive");
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    check(parameters[k].defined() && parameters[k].is_leaf() && parameters[k].requires_grad(),
          "DistributedDataParallel", "parameter ", names[k], " must be a leaf tensor that requires grad");
    for (std::size_t j = 0; j < k; ++j)
      check(!parameters[j].is_same(parameters[k]), "DistributedDataParallel", "parameter ", names[k],
            " is the same tensor as ", names[j], "; pass each parameter once");
  }
  State& state = *state_;
  state.parameters = std::move(parameters);
  state.names = std::move(names);
  state.group = std::move(group);
  state.options = options;
  state.ready.assign(state.parameters.size(), false);
  std::vector<std::size_t> reversed(state.parameters.size());
  for (std::size_t k = 0; k < reversed.size(); ++k) reversed[k] = reversed.size() - 1 - k;
  state.build_buckets(reversed);
  std::weak_ptr<State> weak = state_;
  for (std::size_t k = 0; k < state.parameters.size(); ++k)
    state.hook_handles.push_back(
        state.parameters[k].register_post_accumulate_grad_hook([weak, k](const Tensor&) {
          if (auto alive = weak.lock()) alive->mark_ready(k);
        }));
}

Reducer::~Reducer() {
  for (std::size_t k = 0; k < state_->parameters.size(); ++k)
    state_->parameters[k].remove_post_accumulate_grad_hook(state_->hook_handles[k]);
}

void Reducer::set_require_sync(bool require_sync) {
  std::lock_guard lock(state_->mutex);
  state_->require_sync = require_sync;
}

bool Reducer::require_sync() const {
  std::lock_guard lock(state_->mutex);
  return state_->require_sync;
}

std::vector<std::vector<std::size_t>> Reducer::bucket_indices() const {
  std::vector<std::vector<std::size_t>> indices;
  for (const auto& bucket : state_->buckets) indices.push_back(bucket.parameters);
  return indices;
}

std::vector<Tensor> Reducer::bucket_tensors() const {
  std::vector<Tensor> flats;
  for (const auto& bucket : state_->buckets) flats.push_back(bucket.flat);
  return flats;
}

ReductionTimeline Reducer::last_timeline() const {
  std::lock_guard lock(state_->mutex);
  return state_->timeline;
}

}  // namespace tg::distributed
