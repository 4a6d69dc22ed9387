#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/distributed/work.hpp>

namespace tg::distributed {

std::string_view reduce_op_name(ReduceOp op) {
  switch (op.op_) {
    case ReduceOp::SUM:
      return "SUM";
    case ReduceOp::AVG:
      return "AVG";
    case ReduceOp::PRODUCT:
      return "PRODUCT";
    case ReduceOp::MIN:
      return "MIN";
    case ReduceOp::MAX:
      return "MAX";
    case ReduceOp::BAND:
      return "BAND";
    case ReduceOp::BOR:
      return "BOR";
    case ReduceOp::BXOR:
      return "BXOR";
  }
  return "unknown ReduceOp";
}

Work::Work(std::string description, std::chrono::milliseconds timeout, std::vector<Tensor> outputs)
    : description_(std::move(description)), timeout_(timeout), outputs_(std::move(outputs)) {}

Work::~Work() = default;

bool Work::isCompleted() {
  std::lock_guard lock(mutex_);
  return completed_;
}

bool Work::isSuccess() const {
  std::lock_guard lock(mutex_);
  return completed_ && !error_;
}

std::exception_ptr Work::exception() const {
  std::lock_guard lock(mutex_);
  return error_;
}

bool Work::wait(std::chrono::milliseconds timeout) {
  const auto limit = timeout > kNoTimeout ? timeout : timeout_;
  std::unique_lock lock(mutex_);
  const bool done = finished_.wait_for(lock, limit, [&] { return completed_; });
  check(done, "ProcessGroupMPI", description_, " timed out after ", limit.count(),
        " ms: another rank has died, hangs, or called the collectives in a different order (every rank "
        "must run the same collectives in the same order); the timeout is ProcessGroupMPI::create()'s "
        "argument or TG_DISTRIBUTED_TIMEOUT (seconds)");
  if (error_) std::rethrow_exception(error_);
  return true;
}

std::vector<Tensor> Work::result() const {
  std::lock_guard lock(mutex_);
  return outputs_;
}

void Work::finish(std::exception_ptr error) {
  {
    std::lock_guard lock(mutex_);
    completed_ = true;
    error_ = std::move(error);
  }
  finished_.notify_all();
}

}  // namespace tg::distributed
