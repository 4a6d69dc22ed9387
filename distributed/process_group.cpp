#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/distributed/process_group.hpp>

namespace tg::distributed {

ProcessGroup::ProcessGroup(int rank, int size) : rank_(rank), size_(size) {}

ProcessGroup::~ProcessGroup() = default;

void ProcessGroup::unsupported(const char* collective) const {
  throw Error(str(collective, ": ProcessGroup ", getBackendName(), " does not support ", collective));
}

std::shared_ptr<Work> ProcessGroup::broadcast(std::vector<Tensor>&, const BroadcastOptions&) {
  unsupported("broadcast");
}
std::shared_ptr<Work> ProcessGroup::allreduce(std::vector<Tensor>&, const AllreduceOptions&) {
  unsupported("allreduce");
}
std::shared_ptr<Work> ProcessGroup::reduce(std::vector<Tensor>&, const ReduceOptions&) {
  unsupported("reduce");
}
std::shared_ptr<Work> ProcessGroup::allgather(std::vector<std::vector<Tensor>>&, std::vector<Tensor>&,
                                              const AllgatherOptions&) {
  unsupported("allgather");
}
std::shared_ptr<Work> ProcessGroup::reduce_scatter(std::vector<Tensor>&, std::vector<std::vector<Tensor>>&,
                                                   const ReduceScatterOptions&) {
  unsupported("reduce_scatter");
}
std::shared_ptr<Work> ProcessGroup::barrier(const BarrierOptions&) { unsupported("barrier"); }

}  // namespace tg::distributed
