#pragma once
// libtorch's UpsampleOptions and F::InterpolateFuncOptions (torch/nn/options/upsampling.h).
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include <tapegrad/nn/enum.hpp>
#include <tapegrad/nn/options.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

struct UpsampleOptions {
  using mode_t = std::variant<enumtype::kNearest, enumtype::kLinear, enumtype::kBilinear, enumtype::kBicubic,
                              enumtype::kTrilinear>;
  /// The output's spatial sizes; exactly one of size and scale_factor is set.
  TG_ARG(std::optional<std::vector<std::int64_t>>, size) = std::nullopt;
  /// Multipliers of the spatial sizes (the output size is rounded down).
  TG_ARG(std::optional<std::vector<double>>, scale_factor) = std::nullopt;
  TG_ARG(mode_t, mode) = kNearest;
  /// For the interpolating modes only; unset means false.
  TG_ARG(std::optional<bool>, align_corners) = std::nullopt;
};

namespace functional {
struct InterpolateFuncOptions {
  using mode_t = std::variant<enumtype::kNearest, enumtype::kLinear, enumtype::kBilinear, enumtype::kBicubic,
                              enumtype::kTrilinear, enumtype::kArea, enumtype::kNearestExact>;
  TG_ARG(std::optional<std::vector<std::int64_t>>, size) = std::nullopt;
  TG_ARG(std::optional<std::vector<double>>, scale_factor) = std::nullopt;
  TG_ARG(mode_t, mode) = kNearest;
  TG_ARG(std::optional<bool>, align_corners) = std::nullopt;
  /// True: the ops get sizes only (source positions from in / out); otherwise the given scale_factor too.
  TG_ARG(std::optional<bool>, recompute_scale_factor) = std::nullopt;
  /// Not supported (as in libtorch 1.13 for most modes): must stay false.
  TG_ARG(bool, antialias) = false;
};
}  // namespace functional

}  // namespace tg::nn

#pragma GCC visibility pop
