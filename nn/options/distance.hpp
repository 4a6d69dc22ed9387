#pragma once
// Options of CosineSimilarity and PairwiseDistance and their functional forms (libtorch's defaults).
#include <cstdint>

#include <tapegrad/nn/options.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

struct CosineSimilarityOptions {
  TG_ARG(std::int64_t, dim) = 1;
  TG_ARG(double, eps) = 1e-8;
};
struct PairwiseDistanceOptions {
  TG_ARG(double, p) = 2.0;
  TG_ARG(double, eps) = 1e-6;
  TG_ARG(bool, keepdim) = false;
};

namespace functional {
using CosineSimilarityFuncOptions = CosineSimilarityOptions;
using PairwiseDistanceFuncOptions = PairwiseDistanceOptions;
}  // namespace functional

}  // namespace tg::nn

#pragma GCC visibility pop
