#pragma once
#include <cstdint>
#include <optional>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/options.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

/// BatchNorm1d/2d/3d: momentum nullopt averages every batch seen so far equally (cumulative moving
/// average over num_batches_tracked).
struct BatchNormOptions {
  /* implicit */ BatchNormOptions(std::int64_t num_features) : num_features_(num_features) {}
  TG_ARG(std::int64_t, num_features);
  TG_ARG(double, eps) = 1e-5;
  TG_ARG(std::optional<double>, momentum) = 0.1;
  TG_ARG(bool, affine) = true;
  TG_ARG(bool, track_running_stats) = true;
};
using BatchNorm1dOptions = BatchNormOptions;
using BatchNorm2dOptions = BatchNormOptions;
using BatchNorm3dOptions = BatchNormOptions;

namespace functional {
/// F::batch_norm: momentum must be set (libtorch calls momentum.value()).
struct BatchNormFuncOptions {
  TG_ARG(Tensor, weight) = {};
  TG_ARG(Tensor, bias) = {};
  TG_ARG(bool, training) = false;
  TG_ARG(std::optional<double>, momentum) = 0.1;
  TG_ARG(double, eps) = 1e-5;
};
}  // namespace functional

}  // namespace tg::nn

#pragma GCC visibility pop
