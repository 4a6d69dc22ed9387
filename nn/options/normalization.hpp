#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/options.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

struct LayerNormOptions {
  /* implicit */ LayerNormOptions(std::vector<std::int64_t> normalized_shape)
      : normalized_shape_(std::move(normalized_shape)) {}
  TG_ARG(std::vector<std::int64_t>, normalized_shape);
  TG_ARG(double, eps) = 1e-5;
  TG_ARG(bool, elementwise_affine) = true;
};

/// PyTorch 2.4's RMSNorm: eps nullopt means the machine epsilon of the input's dtype.
struct RMSNormOptions {
  /* implicit */ RMSNormOptions(std::vector<std::int64_t> normalized_shape)
      : normalized_shape_(std::move(normalized_shape)) {}
  TG_ARG(std::vector<std::int64_t>, normalized_shape);
  TG_ARG(std::optional<double>, eps) = std::nullopt;
  TG_ARG(bool, elementwise_affine) = true;
};

/// LocalResponseNorm: x / (k + alpha / size * sum of x² over `size` neighbouring channels)^beta.
struct LocalResponseNormOptions {
  /* implicit */ LocalResponseNormOptions(std::int64_t size) : size_(size) {}
  TG_ARG(std::int64_t, size);
  TG_ARG(double, alpha) = 1e-4;
  TG_ARG(double, beta) = 0.75;
  TG_ARG(double, k) = 1.;
};

struct GroupNormOptions {
  GroupNormOptions(std::int64_t num_groups, std::int64_t num_channels)
      : num_groups_(num_groups), num_channels_(num_channels) {}
  TG_ARG(std::int64_t, num_groups);
  TG_ARG(std::int64_t, num_channels);
  TG_ARG(double, eps) = 1e-5;
  TG_ARG(bool, affine) = true;
};

namespace functional {
using LocalResponseNormFuncOptions = LocalResponseNormOptions;

struct GroupNormFuncOptions {
  /* implicit */ GroupNormFuncOptions(std::int64_t num_groups) : num_groups_(num_groups) {}
  TG_ARG(std::int64_t, num_groups);
  TG_ARG(Tensor, weight) = {};
  TG_ARG(Tensor, bias) = {};
  TG_ARG(double, eps) = 1e-5;
};

struct LayerNormFuncOptions {
  /* implicit */ LayerNormFuncOptions(std::vector<std::int64_t> normalized_shape)
      : normalized_shape_(std::move(normalized_shape)) {}
  TG_ARG(std::vector<std::int64_t>, normalized_shape);
  TG_ARG(Tensor, weight) = {};
  TG_ARG(Tensor, bias) = {};
  TG_ARG(double, eps) = 1e-5;
};

struct RMSNormFuncOptions {
  /* implicit */ RMSNormFuncOptions(std::vector<std::int64_t> normalized_shape)
      : normalized_shape_(std::move(normalized_shape)) {}
  TG_ARG(std::vector<std::int64_t>, normalized_shape);
  TG_ARG(Tensor, weight) = {};
  TG_ARG(std::optional<double>, eps) = std::nullopt;
};

struct NormalizeFuncOptions {
  TG_ARG(double, p) = 2.0;
  TG_ARG(std::int64_t, dim) = 1;
  TG_ARG(double, eps) = 1e-12;
};
}  // namespace functional

}  // namespace tg::nn

#pragma GCC visibility pop
