#pragma once
#include <cstdint>
#include <optional>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/options.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

struct EmbeddingOptions {
  EmbeddingOptions(std::int64_t num_embeddings, std::int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  TG_ARG(std::int64_t, num_embeddings);
  TG_ARG(std::int64_t, embedding_dim);
  /// This row is not trained (its gradient is zero) and starts as zeros; negative counts from the end.
  TG_ARG(std::optional<std::int64_t>, padding_idx) = std::nullopt;
  /// Rows looked up with a larger norm_type-norm are rescaled in place to this norm.
  TG_ARG(std::optional<double>, max_norm) = std::nullopt;
  TG_ARG(double, norm_type) = 2.0;
  /// Divides each row's gradient by how often it occurs in the batch.
  TG_ARG(bool, scale_grad_by_freq) = false;
  /// Sparse gradients are not supported by tapegrad (true throws).
  TG_ARG(bool, sparse) = false;
  /// Initial weight [num_embeddings, embedding_dim] (shared storage) instead of N(0, 1).
  TG_ARG(Tensor, _weight) = Tensor();
};

struct EmbeddingFromPretrainedOptions {
  TG_ARG(bool, freeze) = true;
  TG_ARG(std::optional<std::int64_t>, padding_idx) = std::nullopt;
  TG_ARG(std::optional<double>, max_norm) = std::nullopt;
  TG_ARG(double, norm_type) = 2.0;
  TG_ARG(bool, scale_grad_by_freq) = false;
  TG_ARG(bool, sparse) = false;
};

namespace functional {
struct EmbeddingFuncOptions {
  TG_ARG(std::optional<std::int64_t>, padding_idx) = std::nullopt;
  TG_ARG(std::optional<double>, max_norm) = std::nullopt;
  TG_ARG(double, norm_type) = 2.0;
  TG_ARG(bool, scale_grad_by_freq) = false;
  TG_ARG(bool, sparse) = false;
};
}  // namespace functional

}  // namespace tg::nn

#pragma GCC visibility pop
