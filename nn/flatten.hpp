#pragma once
#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/module_holder.hpp>
#include <tapegrad/nn/options/linear.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

/// Flattens dims start_dim..end_dim (by default everything but the batch dim).
class FlattenImpl : public Cloneable<FlattenImpl> {
 public:
  explicit FlattenImpl(const FlattenOptions& options = {}) : options(options) {}
  /// tapegrad's shorthand for FlattenOptions().start_dim(start_dim).end_dim(end_dim).
  explicit FlattenImpl(std::int64_t start_dim, std::int64_t end_dim = -1)
      : FlattenImpl(FlattenOptions().start_dim(start_dim).end_dim(end_dim)) {}
  void reset() override {}
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;
  FlattenOptions options;
};
TG_MODULE(Flatten);

/// Splits dim `dim` into `sizes` (the inverse of Flatten).
class UnflattenImpl : public Cloneable<UnflattenImpl> {
 public:
  UnflattenImpl(std::int64_t dim, std::vector<std::int64_t> sizes)
      : UnflattenImpl(UnflattenOptions(dim, std::move(sizes))) {}
  explicit UnflattenImpl(UnflattenOptions options) : options(std::move(options)) {}
  void reset() override {}
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;
  UnflattenOptions options;
};
TG_MODULE(Unflatten);

}  // namespace tg::nn

#pragma GCC visibility pop
