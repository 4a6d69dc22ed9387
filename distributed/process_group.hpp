#pragma once
// ProcessGroup: collectives over a fixed set of processes (c10d::ProcessGroup's interface). Every rank
// must call the same collectives in the same order; each returns at once with a Work to wait() on.
// A backend implements the collectives it supports; the others throw naming the backend.
#include <memory>
#include <string>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/distributed/types.hpp>
#include <tapegrad/distributed/work.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad_distributed.so

namespace tg::distributed {

class ProcessGroup {
 public:
  ProcessGroup(int rank, int size);
  virtual ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int getRank() const { return rank_; }
  int getSize() const { return size_; }
  virtual const std::string getBackendName() const = 0;

  /// Every rank's `tensors` become rootRank's (in place).
  virtual std::shared_ptr<Work> broadcast(std::vector<Tensor>& tensors, const BroadcastOptions& opts = {});
  /// Every tensor becomes the reduction of that tensor over all ranks (in place).
  virtual std::shared_ptr<Work> allreduce(std::vector<Tensor>& tensors, const AllreduceOptions& opts = {});
  /// rootRank's tensor becomes the reduction over all ranks; the others' are left alone.
  virtual std::shared_ptr<Work> reduce(std::vector<Tensor>& tensors, const ReduceOptions& opts = {});
  /// outputTensors[0][r] receives rank r's inputTensors[0].
  virtual std::shared_ptr<Work> allgather(std::vector<std::vector<Tensor>>& outputTensors,
                                          std::vector<Tensor>& inputTensors,
                                          const AllgatherOptions& opts = {});
  /// outputTensors[0] receives the reduction over all ranks of their inputTensors[0][rank].
  virtual std::shared_ptr<Work> reduce_scatter(std::vector<Tensor>& outputTensors,
                                               std::vector<std::vector<Tensor>>& inputTensors,
                                               const ReduceScatterOptions& opts = {});
  /// Finishes once every rank has called it.
  virtual std::shared_ptr<Work> barrier(const BarrierOptions& opts = {});

 protected:
  [[noreturn]] void unsupported(const char* collective) const;

  const int rank_;
  const int size_;
};

}  // namespace tg::distributed

#pragma GCC visibility pop
