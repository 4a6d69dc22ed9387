#include <algorithm>
#include <cmath>
#include <map>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/conversion.hpp>
#include <tapegrad/autograd/ops/index.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/ops/unary.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/embedding.hpp>
#include <tapegrad/nn/functional/embedding.hpp>
#include <tapegrad/nn/init.hpp>

namespace tg::nn {
namespace {

std::int64_t checked_padding_idx(std::int64_t padding_idx, std::int64_t num_embeddings) {
  check(padding_idx < num_embeddings && padding_idx >= -num_embeddings, "embedding",
        "Padding_idx must be within num_embeddings: padding_idx ", padding_idx, " for ", num_embeddings,
        " embeddings");
  return padding_idx < 0 ? padding_idx + num_embeddings : padding_idx;
}

// Rescales, in place, each distinct looked-up row whose norm exceeds max_norm to norm max_norm
// (PyTorch's embedding_renorm_, including its 1e-7 guard).
void renorm_rows(const Tensor& weight, const std::vector<std::int64_t>& indices, double max_norm,
                 double norm_type) {
  NoGradGuard no_grad;
  std::vector<std::int64_t> rows(indices);
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  for (std::int64_t r : rows) {
    Tensor row = weight.select(0, r);
    const double norm =
        pow(sum(pow(abs(row), norm_type)), 1.0 / norm_type).to(kFloat64).to_vector<double>().front();
    if (norm > max_norm) row.mul_(max_norm / (norm + 1e-7));
  }
}

}  // namespace

namespace functional {
Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options) {
  tg::detail::check_defined("embedding", "input", input);
  tg::detail::check_defined("embedding", "weight", weight);
  check(input.dtype() == kInt64, "embedding",
        "Expected tensor for argument #1 'indices' to have scalar type Long; "
        "but got ",
        input.dtype(), " instead");
  check(weight.dim() == 2, "embedding", "'weight' must be 2-D, got shape ", weight.sizes());
  check(!options.sparse(), "embedding", "sparse gradients are not supported by tapegrad; use sparse=false");
  const std::int64_t num = weight.size(0);
  const auto indices = input.to_vector<std::int64_t>();
  for (std::size_t i = 0; i < indices.size(); ++i)
    check(indices[i] >= 0 && indices[i] < num, "embedding", "index out of range in self: index ", indices[i],
          " at position ", i, " is outside [0, ", num, ")");
  if (options.max_norm()) renorm_rows(weight, indices, *options.max_norm(), options.norm_type());

  Shape out_sizes = input.sizes();
  out_sizes.push_back(weight.size(1));
  Tensor rows = index_select(weight, 0, input.reshape({-1}));
  const std::optional<std::int64_t> padding =
      options.padding_idx() ? std::optional(checked_padding_idx(*options.padding_idx(), num)) : std::nullopt;
  if (padding || options.scale_grad_by_freq()) {
    // Per-lookup gradient factors: 0 for the padding row, 1 / count with scale_grad_by_freq. Applied
    // as rows.detach() + (rows - rows.detach()) * factor: the values stay exactly rows.
    std::map<std::int64_t, double> counts;
    for (std::int64_t i : indices) counts[i] += 1.0;
    std::vector<double> factors(indices.size());
    for (std::size_t i = 0; i < indices.size(); ++i)
      factors[i] = (padding && indices[i] == *padding) ? 0.0
                   : options.scale_grad_by_freq()      ? 1.0 / counts[indices[i]]
                                                       : 1.0;
    Tensor factor = tensor(factors, TensorOptions(kFloat64))
                        .to(weight.dtype())
                        .reshape({static_cast<std::int64_t>(factors.size()), 1});
    Tensor constant = rows.detach();
    rows = constant + (rows - constant) * factor;
  }
  return rows.reshape(out_sizes);
}
}  // namespace functional

EmbeddingImpl::EmbeddingImpl(EmbeddingOptions options) : options(std::move(options)) {
  check(this->options.num_embeddings() > 0 && this->options.embedding_dim() > 0, "Embedding",
        "sizes must be positive, got ", this->options.num_embeddings(), " and ",
        this->options.embedding_dim());
  check(!this->options.sparse(), "Embedding",
        "sparse gradients are not supported by tapegrad; use sparse=false");
  reset();
}

void EmbeddingImpl::reset() {
  if (options.padding_idx())
    options.padding_idx(checked_padding_idx(*options.padding_idx(), options.num_embeddings()));
  const Tensor& given = options._weight();
  if (given.defined()) {
    check(given.dim() == 2 && given.size(0) == options.num_embeddings() &&
              given.size(1) == options.embedding_dim(),
          "Embedding", "Shape of _weight does not match num_embeddings and embedding_dim: got ",
          given.sizes());
    // A new handle on the same storage: the module's parameter, not the caller's tensor, takes gradients.
    weight = register_parameter("weight", given.detach());
  } else {
    weight = register_parameter("weight", empty({options.num_embeddings(), options.embedding_dim()}));
    reset_parameters();
  }
}

void EmbeddingImpl::reset_parameters() {
  init::normal_(weight);
  if (options.padding_idx()) {
    NoGradGuard no_grad;
    weight.select(0, *options.padding_idx()).fill_(0.0);
  }
}

Tensor EmbeddingImpl::forward(const Tensor& indices) {
  return functional::embedding(indices, weight,
                               functional::EmbeddingFuncOptions()
                                   .padding_idx(options.padding_idx())
                                   .max_norm(options.max_norm())
                                   .norm_type(options.norm_type())
                                   .scale_grad_by_freq(options.scale_grad_by_freq()));
}

void EmbeddingImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::Embedding(num_embeddings=" << options.num_embeddings()
      << ", embedding_dim=" << options.embedding_dim();
  if (options.padding_idx()) out << ", padding_idx=" << *options.padding_idx();
  if (options.max_norm()) out << ", max_norm=" << *options.max_norm();
  if (options.norm_type() != 2) out << ", norm_type=" << options.norm_type();
  if (options.scale_grad_by_freq()) out << ", scale_grad_by_freq=true";
  out << ")";
}

Embedding Embedding::from_pretrained(const Tensor& embeddings,
                                     const EmbeddingFromPretrainedOptions& options) {
  check(embeddings.dim() == 2, "Embedding::from_pretrained",
        "Embeddings parameter is expected to be 2-dimensional, got shape ", embeddings.sizes());
  Embedding embedding(EmbeddingOptions(embeddings.size(0), embeddings.size(1))
                          ._weight(embeddings)
                          .padding_idx(options.padding_idx())
                          .max_norm(options.max_norm())
                          .norm_type(options.norm_type())
                          .scale_grad_by_freq(options.scale_grad_by_freq())
                          .sparse(options.sparse()));
  embedding->weight.requires_grad_(!options.freeze());
  return embedding;
}

}  // namespace tg::nn
