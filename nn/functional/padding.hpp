#pragma once
// F::pad with libtorch's options: F::pad(x, F::PadFuncOptions({1, 1}).mode(torch::kReflect)).
#include <cstdint>
#include <variant>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/enum.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::functional {

struct PadFuncOptions {
  using mode_t =
      std::variant<enumtype::kConstant, enumtype::kReflect, enumtype::kReplicate, enumtype::kCircular>;

  PadFuncOptions(std::vector<std::int64_t> pad) : pad_(std::move(pad)) {}

  /// (before, after) pairs from the last dim backwards; at most 2 * input.dim() entries.
  PadFuncOptions& pad(std::vector<std::int64_t> value) {
    pad_ = std::move(value);
    return *this;
  }
  const std::vector<std::int64_t>& pad() const { return pad_; }
  /// kConstant (default), kReflect, kReplicate or kCircular.
  PadFuncOptions& mode(mode_t value) {
    mode_ = value;
    return *this;
  }
  const mode_t& mode() const { return mode_; }
  /// The fill value of kConstant padding (default 0).
  PadFuncOptions& value(double fill) {
    value_ = fill;
    return *this;
  }
  double value() const { return value_; }

 private:
  std::vector<std::int64_t> pad_;
  mode_t mode_ = kConstant;
  double value_ = 0.0;
};

/// Pads (or, with negative entries, crops) input as options say; differentiable in every mode.
Tensor pad(const Tensor& input, const PadFuncOptions& options);

}  // namespace tg::nn::functional

#pragma GCC visibility pop
