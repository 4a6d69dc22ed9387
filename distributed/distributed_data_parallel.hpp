#pragma once
// nn::parallel::DistributedDataParallel: data-parallel training over a ProcessGroup, as PyTorch's DDP
// (libtorch's C++ frontend has none). Every rank runs the same model on its own shard of the data;
// backward averages the gradients over the ranks while it runs (Reducer), so that every rank's
// optimizer takes the same step and the parameters stay identical.
//
//   auto group = tg::distributed::ProcessGroupMPI::create();
//   tg::nn::parallel::DistributedDataParallel ddp(model, group, DDPOptions().bucket_cap_mb(25));
//   auto loss = loss_fn(ddp(x), y);  // forward: the module's
//   loss.backward();                 // gradients averaged over the ranks when it returns
//   optimizer.step();
#include <memory>
#include <type_traits>
#include <utility>

#include <tapegrad/distributed/process_group.hpp>
#include <tapegrad/distributed/reducer.hpp>
#include <tapegrad/nn/module.hpp>
#include <tapegrad/nn/module_holder.hpp>
#include <tapegrad/nn/options.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad_distributed.so

namespace tg::nn::parallel {

/// PyTorch's DistributedDataParallel arguments.
struct DDPOptions {
  /// Gradient bucket size in MiB (the first bucket is capped at 1 MiB so that communication starts early).
  TG_ARG(double, bucket_cap_mb) = 25;
  /// Copy rank 0's buffers (BatchNorm statistics) to every rank before each forward.
  TG_ARG(bool, broadcast_buffers) = true;
  /// Parameters that get no gradient in a backward pass count as zeros instead of being an error; one
  /// that no rank used keeps its .grad() as it was (undefined after zero_grad(true)), as in PyTorch.
  TG_ARG(bool, find_unused_parameters) = false;
  /// Parameters' .grad() are views into the communication buckets: no copy in or out. Gradients defined
  /// at construction move into the buckets then; the others when backward first produces them.
  TG_ARG(bool, gradient_as_bucket_view) = false;
};

class DistributedDataParallelBase;

/// While alive, backward passes only accumulate gradients locally (gradient accumulation over
/// micro-batches); the first backward after it ends averages the accumulated sum.
class [[nodiscard]] NoSyncGuard {
 public:
  explicit NoSyncGuard(distributed::Reducer& reducer);
  ~NoSyncGuard();
  NoSyncGuard(NoSyncGuard&& other) noexcept;
  NoSyncGuard(const NoSyncGuard&) = delete;
  NoSyncGuard& operator=(const NoSyncGuard&) = delete;
  NoSyncGuard& operator=(NoSyncGuard&&) = delete;

 private:
  distributed::Reducer* reducer_;
  bool previous_;
};

/// Everything of DistributedDataParallel but the call of the module's forward.
class DistributedDataParallelBase {
 public:
  /// Broadcasts rank 0's parameters and buffers to every rank and sets up the gradient buckets.
  DistributedDataParallelBase(std::shared_ptr<Module> module,
                              std::shared_ptr<distributed::ProcessGroup> process_group, DDPOptions options);
  virtual ~DistributedDataParallelBase();

  /// Gradient accumulation: `{ auto guard = ddp.no_sync(); loss(micro_batch).backward(); }`.
  NoSyncGuard no_sync() { return NoSyncGuard(*reducer_); }
  tensor_list parameters(bool recurse = true) const { return module_->parameters(recurse); }
  OrderedDict<Tensor> named_parameters(bool recurse = true) const {
    return module_->named_parameters(recurse);
  }
  distributed::ProcessGroup& process_group() const { return *process_group_; }
  const DDPOptions& options() const { return options_; }
  distributed::Reducer& reducer() const { return *reducer_; }

 protected:
  /// Before each forward: buffers from rank 0 (broadcast_buffers).
  void prepare_forward();

 private:
  void broadcast_from_rank0(const tensor_list& tensors);

  std::shared_ptr<Module> module_;
  std::shared_ptr<distributed::ProcessGroup> process_group_;
  DDPOptions options_;
  std::unique_ptr<distributed::Reducer> reducer_;
};

/// `ModuleType`: a module handle (a TG_MODULE holder such as nn::Linear) or std::shared_ptr<Impl>.
template <class ModuleType>
class DistributedDataParallel : public DistributedDataParallelBase {
 public:
  DistributedDataParallel(ModuleType module, std::shared_ptr<distributed::ProcessGroup> process_group,
                          DDPOptions options = {})
      : DistributedDataParallelBase(module_pointer(module), std::move(process_group), options),
        module_(std::move(module)) {}

  /// The wrapped module's forward.
  template <class... Args>
  decltype(auto) forward(Args&&... args) {
    prepare_forward();
    return module_->forward(std::forward<Args>(args)...);
  }
  template <class... Args>
  decltype(auto) operator()(Args&&... args) {
    return forward(std::forward<Args>(args)...);
  }
  const ModuleType& module() const { return module_; }

 private:
  template <class Impl>
  static std::shared_ptr<Module> module_pointer(const ModuleHolder<Impl>& holder) {
    return holder.ptr();
  }
  template <class Impl>
  static std::shared_ptr<Module> module_pointer(const std::shared_ptr<Impl>& pointer) {
    return pointer;
  }

  ModuleType module_;
};

}  // namespace tg::nn::parallel

#pragma GCC visibility pop
