#pragma once
// Options of the activation modules and their functional forms, with libtorch's names, defaults
// and (implicit) constructors: ReLUOptions().inplace(true), SoftmaxOptions(1), ...
#include <cstdint>
#include <string>

#include <tapegrad/nn/options.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

struct ReLUOptions {
  /* implicit */ ReLUOptions(bool inplace = false) : inplace_(inplace) {}
  TG_ARG(bool, inplace);
};
struct ReLU6Options {
  /* implicit */ ReLU6Options(bool inplace = false) : inplace_(inplace) {}
  TG_ARG(bool, inplace);
};
struct SELUOptions {
  /* implicit */ SELUOptions(bool inplace = false) : inplace_(inplace) {}
  TG_ARG(bool, inplace);
};
struct LeakyReLUOptions {
  TG_ARG(double, negative_slope) = 1e-2;
  TG_ARG(bool, inplace) = false;
};
struct ELUOptions {
  TG_ARG(double, alpha) = 1.0;
  TG_ARG(bool, inplace) = false;
};
struct CELUOptions {
  TG_ARG(double, alpha) = 1.0;
  TG_ARG(bool, inplace) = false;
};
struct HardtanhOptions {
  TG_ARG(double, min_val) = -1.0;
  TG_ARG(double, max_val) = 1.0;
  TG_ARG(bool, inplace) = false;
};
struct SoftplusOptions {
  TG_ARG(double, beta) = 1.0;
  TG_ARG(double, threshold) = 20.0;
};
struct ThresholdOptions {
  ThresholdOptions(double threshold, double value) : threshold_(threshold), value_(value) {}
  TG_ARG(double, threshold);
  TG_ARG(double, value);
  TG_ARG(bool, inplace) = false;
};
struct GELUOptions {
  /// "none" (exact, with erf) or "tanh".
  TG_ARG(std::string, approximate) = "none";
};
struct GLUOptions {
  /* implicit */ GLUOptions(std::int64_t dim = -1) : dim_(dim) {}
  TG_ARG(std::int64_t, dim);
};
struct PReLUOptions {
  TG_ARG(std::int64_t, num_parameters) = 1;
  TG_ARG(double, init) = 0.25;
};
struct SoftmaxOptions {
  /* implicit */ SoftmaxOptions(std::int64_t dim) : dim_(dim) {}
  TG_ARG(std::int64_t, dim);
};
struct SoftminOptions {
  /* implicit */ SoftminOptions(std::int64_t dim) : dim_(dim) {}
  TG_ARG(std::int64_t, dim);
};
struct LogSoftmaxOptions {
  /* implicit */ LogSoftmaxOptions(std::int64_t dim) : dim_(dim) {}
  TG_ARG(std::int64_t, dim);
};

namespace functional {
using ReLUFuncOptions = ReLUOptions;
using ReLU6FuncOptions = ReLU6Options;
using SELUFuncOptions = SELUOptions;
using LeakyReLUFuncOptions = LeakyReLUOptions;
using ELUFuncOptions = ELUOptions;
using CELUFuncOptions = CELUOptions;
using HardtanhFuncOptions = HardtanhOptions;
using SoftplusFuncOptions = SoftplusOptions;
using ThresholdFuncOptions = ThresholdOptions;
using GELUFuncOptions = GELUOptions;
using GLUFuncOptions = GLUOptions;
// libtorch's functional softmax options also take an optional dtype; tapegrad computes in the input's.
using SoftmaxFuncOptions = SoftmaxOptions;
using SoftminFuncOptions = SoftminOptions;
using LogSoftmaxFuncOptions = LogSoftmaxOptions;
}  // namespace functional

}  // namespace tg::nn

#pragma GCC visibility pop
