#pragma once
// c10d's vocabulary (torch/csrc/distributed/c10d/Types.hpp): reduction operations and the options each
// collective takes. Timeouts: kUnsetTimeout means "the process group's timeout".
#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported from libtapegrad_distributed.so

namespace tg::distributed {

constexpr auto kUnsetTimeout = std::chrono::milliseconds(-1);
/// Work::wait()'s default: wait up to the timeout the collective was started with.
constexpr auto kNoTimeout = std::chrono::milliseconds(0);
/// libtorch's default for a process group: 30 minutes.
constexpr auto kProcessGroupDefaultTimeout = std::chrono::milliseconds(30 * 60 * 1000);

struct ReduceOp {
  enum RedOpType : std::uint8_t {
    SUM = 0,
    AVG = 1,
    PRODUCT = 2,
    MIN = 3,
    MAX = 4,
    BAND = 5,
    BOR = 6,
    BXOR = 7
  };
  ReduceOp() = default;
  ReduceOp(RedOpType op) : op_(op) {}  // NOLINT: implicit like libtorch's, so ReduceOp::MAX converts
  operator RedOpType() const { return op_; }
  RedOpType op_ = SUM;
};

/// "SUM", "AVG", ... for error messages.
std::string_view reduce_op_name(ReduceOp op);

struct BroadcastOptions {
  std::int64_t rootRank = 0;
  std::int64_t rootTensor = 0;
  std::chrono::milliseconds timeout = kUnsetTimeout;
};

struct AllreduceOptions {
  ReduceOp reduceOp = ReduceOp::SUM;
  std::chrono::milliseconds timeout = kUnsetTimeout;
};

struct ReduceOptions {
  ReduceOp reduceOp = ReduceOp::SUM;
  std::int64_t rootRank = 0;
  std::int64_t rootTensor = 0;
  std::chrono::milliseconds timeout = kUnsetTimeout;
};

struct AllgatherOptions {
  std::chrono::milliseconds timeout = kUnsetTimeout;
};

struct ReduceScatterOptions {
  ReduceOp reduceOp = ReduceOp::SUM;
  std::chrono::milliseconds timeout = kUnsetTimeout;
};

struct BarrierOptions {
  std::vector<std::int64_t> device_ids;  // unused on the CPU; kept for libtorch's signature
  std::chrono::milliseconds timeout = kUnsetTimeout;
};

}  // namespace tg::distributed

#pragma GCC visibility pop
