#pragma once
#include <cstdint>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/options.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

/// InstanceNorm1d/2d/3d; note the defaults differ from BatchNorm's: no affine, no running statistics.
struct InstanceNormOptions {
  /* implicit */ InstanceNormOptions(std::int64_t num_features) : num_features_(num_features) {}
  TG_ARG(std::int64_t, num_features);
  TG_ARG(double, eps) = 1e-5;
  TG_ARG(double, momentum) = 0.1;
  TG_ARG(bool, affine) = false;
  TG_ARG(bool, track_running_stats) = false;
};
using InstanceNorm1dOptions = InstanceNormOptions;
using InstanceNorm2dOptions = InstanceNormOptions;
using InstanceNorm3dOptions = InstanceNormOptions;

namespace functional {
struct InstanceNormFuncOptions {
  TG_ARG(Tensor, running_mean) = {};
  TG_ARG(Tensor, running_var) = {};
  TG_ARG(Tensor, weight) = {};
  TG_ARG(Tensor, bias) = {};
  TG_ARG(bool, use_input_stats) = true;
  TG_ARG(double, momentum) = 0.1;
  TG_ARG(double, eps) = 1e-5;
};
}  // namespace functional

}  // namespace tg::nn

#pragma GCC visibility pop
