#include <map>

#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/distributed/distributed_data_parallel.hpp>

namespace tg::nn::parallel {

NoSyncGuard::NoSyncGuard(distributed::Reducer& reducer)
    : reducer_(&reducer), previous_(reducer.require_sync()) {
  reducer_->set_require_sync(false);
}

NoSyncGuard::NoSyncGuard(NoSyncGuard&& other) noexcept
    : reducer_(std::exchange(other.reducer_, nullptr)), previous_(other.previous_) {}

NoSyncGuard::~NoSyncGuard() {
  if (reducer_ != nullptr) reducer_->set_require_sync(previous_);
}

namespace {
distributed::ReducerOptions reducer_options(const DDPOptions& options) {
  check(options.bucket_cap_mb() > 0, "DistributedDataParallel", "bucket_cap_mb must be positive, got ",
        options.bucket_cap_mb());
  distributed::ReducerOptions reducer;
  reducer.bucket_bytes_cap = static_cast<std::int64_t>(options.bucket_cap_mb() * 1024 * 1024);
  reducer.find_unused_parameters = options.find_unused_parameters();
  reducer.gradient_as_bucket_view = options.gradient_as_bucket_view();
  return reducer;
}
}  // namespace

DistributedDataParallelBase::DistributedDataParallelBase(
    std::shared_ptr<Module> module, std::shared_ptr<distributed::ProcessGroup> process_group,
    DDPOptions options)
    : module_(std::move(module)), process_group_(std::move(process_group)), options_(options) {
  check(module_ != nullptr, "DistributedDataParallel", "the module is empty");
  check(process_group_ != nullptr, "DistributedDataParallel", "the process group is null");
  broadcast_from_rank0(module_->parameters());
  broadcast_from_rank0(module_->buffers());
  std::vector<Tensor> trained;
  std::vector<std::string> names;
  const OrderedDict<Tensor> named = module_->named_parameters();
  for (const auto& item : named.items()) {
    if (!item.value().requires_grad()) continue;
    trained.push_back(item.value());
    names.push_back(item.key());
  }
  reducer_ = std::make_unique<distributed::Reducer>(std::move(trained), std::move(names), process_group_,
                                                    reducer_options(options_));
}

DistributedDataParallelBase::~DistributedDataParallelBase() = default;

void DistributedDataParallelBase::prepare_forward() {
  if (options_.broadcast_buffers()) broadcast_from_rank0(module_->buffers());
}

// One broadcast per dtype of all the tensors flattened together (a collective per tensor would cost a
// latency each).
void DistributedDataParallelBase::broadcast_from_rank0(const tensor_list& tensors) {
  if (process_group_->getSize() == 1 || tensors.empty()) return;
  NoGradGuard no_grad;
  std::map<int, std::vector<Tensor>> by_dtype;
  for (const Tensor& t : tensors) by_dtype[static_cast<int>(t.dtype())].push_back(t.detach());
  for (auto& [dtype, group] : by_dtype) {
    std::vector<Tensor> flat_parts;
    for (const Tensor& t : group) flat_parts.push_back(t.reshape({-1}));
    std::vector<Tensor> flat{tg::cat(flat_parts, 0)};
    process_group_->broadcast(flat, distributed::BroadcastOptions{})->wait();
    std::int64_t offset = 0;
    for (const Tensor& t : group) {
      t.copy_(flat[0].narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
}

}  // namespace tg::nn::parallel
