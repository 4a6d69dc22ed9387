#pragma once
// Work: the handle a collective returns (c10d::Work). The collective runs on the process group's
// communication thread; wait() blocks until it has finished, rethrowing its error, or until its timeout.
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/distributed/types.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad_distributed.so

namespace tg::distributed {

class Work {
 public:
  /// `description` names the collective in errors ("allreduce SUM of float32 [1024]"); `timeout` is how
  /// long wait() waits by default.
  Work(std::string description, std::chrono::milliseconds timeout, std::vector<Tensor> outputs = {});
  virtual ~Work();
  Work(const Work&) = delete;
  Work& operator=(const Work&) = delete;

  /// True once the collective has finished, successfully or not.
  bool isCompleted();
  /// True when it finished without an error.
  bool isSuccess() const;
  /// The error it finished with (null while running or on success).
  std::exception_ptr exception() const;
  /// Blocks until the collective has finished and rethrows its error. With kNoTimeout it waits up to
  /// the collective's own timeout (the process group's unless the options gave one); a timeout throws
  /// tg::Error naming the collective: a rank has died or stopped calling collectives in the same order.
  bool wait(std::chrono::milliseconds timeout = kNoTimeout);
  /// The tensors the collective wrote (the inputs of allreduce/broadcast, the outputs of allgather).
  std::vector<Tensor> result() const;
  const std::string& description() const { return description_; }

  /// Called by the process group's thread when the collective has finished (error = null on success).
  void finish(std::exception_ptr error = nullptr);

 private:
  std::string description_;
  std::chrono::milliseconds timeout_;
  std::vector<Tensor> outputs_;
  mutable std::mutex mutex_;
  std::condition_variable finished_;
  bool completed_ = false;
  std::exception_ptr error_;
};

}  // namespace tg::distributed

#pragma GCC visibility pop
