#pragma once
#include <cstdint>
#include <vector>

#include <tapegrad/nn/options.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

struct LinearOptions {
  LinearOptions(std::int64_t in_features, std::int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  TG_ARG(std::int64_t, in_features);
  TG_ARG(std::int64_t, out_features);
  TG_ARG(bool, bias) = true;
};

struct BilinearOptions {
  BilinearOptions(std::int64_t in1_features, std::int64_t in2_features, std::int64_t out_features)
      : in1_features_(in1_features), in2_features_(in2_features), out_features_(out_features) {}
  TG_ARG(std::int64_t, in1_features);
  TG_ARG(std::int64_t, in2_features);
  TG_ARG(std::int64_t, out_features);
  TG_ARG(bool, bias) = true;
};

struct FlattenOptions {
  TG_ARG(std::int64_t, start_dim) = 1;
  TG_ARG(std::int64_t, end_dim) = -1;
};

struct UnflattenOptions {
  UnflattenOptions(std::int64_t dim, std::vector<std::int64_t> sizes) : dim_(dim), sizes_(std::move(sizes)) {}
  TG_ARG(std::int64_t, dim);
  TG_ARG(std::vector<std::int64_t>, sizes);
};

}  // namespace tg::nn

#pragma GCC visibility pop
