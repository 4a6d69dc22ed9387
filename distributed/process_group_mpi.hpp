#pragma once
// ProcessGroupMPI: the collectives over MPI (Open MPI from Debian's openmpi-bin/libopenmpi-dev), so that
// whatever launches MPI programs (mpirun -H a,b; Slurm's srun) launches tapegrad's data-parallel
// training. See Note [one MPI thread] in process_group_mpi.cpp for how the collectives run.
#include <chrono>
#include <memory>
#include <vector>

#include <tapegrad/distributed/process_group.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad_distributed.so

namespace tg::distributed {

class ProcessGroupMPI final : public ProcessGroup {
 public:
  struct Options {
    /// How long a collective may take before Work::wait() throws (a rank died or hangs). Default:
    /// TG_DISTRIBUTED_TIMEOUT (seconds) if set, else libtorch's 30 minutes.
    std::chrono::milliseconds timeout = default_timeout();
    /// Before each collective, compare every rank's op, dtypes and shapes and throw tg::Error on every
    /// rank when they differ (one small extra collective each). Default: TG_DISTRIBUTED_DEBUG=1, or a
    /// library built without NDEBUG.
    bool check_metadata = default_check_metadata();
  };
  static std::chrono::milliseconds default_timeout();
  static bool default_check_metadata();

  /// The group of all processes (MPI_COMM_WORLD). Initializes MPI (threads: MPI_THREAD_FUNNELED on
  /// tapegrad's communication thread) unless the program already has (then it must have asked for
  /// MPI_THREAD_SERIALIZED or more, and must not call MPI while a collective of this group runs).
  /// Every rank must call it: it throws tg::Error after `options.timeout` when one does not (MPI's own
  /// initialization, the first time, has no timeout).
  static std::shared_ptr<ProcessGroupMPI> create(Options options);
  static std::shared_ptr<ProcessGroupMPI> create();
  /// libtorch's name: `ranks` (world ranks) selects a subgroup; processes outside it get nullptr.
  static std::shared_ptr<ProcessGroupMPI> createProcessGroupMPI(std::vector<int> ranks = {});

  ~ProcessGroupMPI() override;

  const std::string getBackendName() const override { return "mpi"; }
  std::chrono::milliseconds timeout() const { return options_.timeout; }

  std::shared_ptr<Work> broadcast(std::vector<Tensor>& tensors, const BroadcastOptions& opts = {}) override;
  std::shared_ptr<Work> allreduce(std::vector<Tensor>& tensors, const AllreduceOptions& opts = {}) override;
  std::shared_ptr<Work> reduce(std::vector<Tensor>& tensors, const ReduceOptions& opts = {}) override;
  std::shared_ptr<Work> allgather(std::vector<std::vector<Tensor>>& outputTensors,
                                  std::vector<Tensor>& inputTensors,
                                  const AllgatherOptions& opts = {}) override;
  std::shared_ptr<Work> reduce_scatter(std::vector<Tensor>& outputTensors,
                                       std::vector<std::vector<Tensor>>& inputTensors,
                                       const ReduceScatterOptions& opts = {}) override;
  std::shared_ptr<Work> barrier(const BarrierOptions& opts = {}) override;

  struct Impl;  // MPI handles; mpi.h stays out of the public headers

 private:
  ProcessGroupMPI(std::unique_ptr<Impl> impl, int rank, int size, Options options);
  std::chrono::milliseconds timeout_of(std::chrono::milliseconds requested) const;

  std::unique_ptr<Impl> impl_;
  Options options_;
};

}  // namespace tg::distributed

#pragma GCC visibility pop
