#pragma once
// Reducer: the gradient side of DistributedDataParallel (c10d::Reducer's role). Parameters are grouped
// into buckets in the order backward produces their gradients (guessed as reverse registration order
// until the first backward has shown it); a post-accumulate-grad hook marks a parameter ready, and once a
// bucket's parameters are all ready its flat gradient is averaged over the ranks with an asynchronous
// all-reduce while backward goes on. A final callback of the backward pass waits for the buckets, so the
// gradients are the averaged ones when backward() returns. See Note [gradient buckets] in reducer.cpp.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/distributed/process_group.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad_distributed.so

namespace tg::distributed {

struct ReducerOptions {
  std::int64_t bucket_bytes_cap = 25 * 1024 * 1024;
  /// The first bucket (the last parameters) is capped at this, so that communication starts early.
  std::int64_t first_bucket_bytes_cap = 1024 * 1024;
  bool find_unused_parameters = false;
  bool gradient_as_bucket_view = false;
};

/// When the last synchronized backward pass started its buckets' all-reduces and when it finished.
struct ReductionTimeline {
  using Clock = std::chrono::steady_clock;
  std::vector<Clock::time_point> parameter_ready;    // per parameter (index into the Reducer's list)
  std::vector<Clock::time_point> allreduce_started;  // per bucket
  Clock::time_point backward_finished;               // the final callback: every node has run
  Clock::time_point reduction_finished;              // every bucket waited for
};

class Reducer {
 public:
  /// `parameters` (those that require grad) with their names for error messages.
  Reducer(std::vector<Tensor> parameters, std::vector<std::string> names, std::shared_ptr<ProcessGroup> group,
          ReducerOptions options);
  ~Reducer();
  Reducer(const Reducer&) = delete;
  Reducer& operator=(const Reducer&) = delete;

  /// Off inside DistributedDataParallel::no_sync(): gradients only accumulate locally.
  void set_require_sync(bool require_sync);
  bool require_sync() const;

  /// Per bucket, the indices of its parameters (into the constructor's list), in bucket order.
  std::vector<std::vector<std::size_t>> bucket_indices() const;
  /// Per bucket, its flat gradient (parameters' gradients are views into it with gradient_as_bucket_view).
  std::vector<Tensor> bucket_tensors() const;
  ReductionTimeline last_timeline() const;

  struct State;  // shared with the hooks (reducer.cpp)

 private:
  std::shared_ptr<State> state_;
};

}  // namespace tg::distributed

#pragma GCC visibility pop
